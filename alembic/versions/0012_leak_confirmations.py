"""Leak confirmations (``leak_confirmation``): a facilitator's word that an everyday word
the name-leak check flagged in a group note (e.g. "will") is not a co-member.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leak_confirmation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("note_id", sa.Uuid(), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("confirmed_by", sa.Uuid(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by"],
            ["app_user.id"],
            name=op.f("fk_leak_confirmation_confirmed_by_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["group_note.id"], name=op.f("fk_leak_confirmation_note_id_group_note")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leak_confirmation")),
        sa.UniqueConstraint("note_id", "field", "text", name=op.f("uq_leak_confirmation_note_id")),
    )
    op.create_index(
        op.f("ix_leak_confirmation_note_id"), "leak_confirmation", ["note_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_leak_confirmation_note_id"), table_name="leak_confirmation")
    op.drop_table("leak_confirmation")
