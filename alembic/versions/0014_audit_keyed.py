"""Keyed audit chains without one global lock.

Each event now belongs to one of up to 64 chains (``chain``, ``seq``) and names the key it
was hashed with (``key_id``). The events written so far become the start of chain 0 with
``seq = id`` and key id ``sha256`` (plain SHA-256, as they were hashed); ``id`` comes from
a sequence instead of the chain's head. ``audit_chain_head`` holds each chain's newest
seq and hash: the row a writer locks, signed by the app with the audit key. The app role
may read and update head rows but not add or remove them; nobody may delete them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHAINS = 64  # backend.config.MAX_AUDIT_CHAINS
GENESIS = "0" * 64


def upgrade() -> None:
    op.add_column("audit_event", sa.Column("chain", sa.SmallInteger(), nullable=True))
    op.add_column("audit_event", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column(
        "audit_event",
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )
    # The append-only trigger refuses this one fill of the new columns; only the owner
    # running the migration can lift it, and only inside this transaction.
    op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete")
    op.execute("UPDATE audit_event SET chain = 0, seq = id, key_id = 'sha256'")
    op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update_delete")
    for column in ("chain", "seq", "key_id"):
        op.alter_column("audit_event", column, nullable=False)
    op.create_unique_constraint(op.f("uq_audit_event_chain"), "audit_event", ["chain", "seq"])
    op.execute("CREATE SEQUENCE audit_event_id_seq OWNED BY audit_event.id")
    op.execute(
        "SELECT setval('audit_event_id_seq', coalesce(max(id), 0) + 1, false) FROM audit_event"
    )
    op.execute("ALTER TABLE audit_event ALTER COLUMN id SET DEFAULT nextval('audit_event_id_seq')")

    op.create_table(
        "audit_chain_head",
        sa.Column("chain", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("mac", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_chain_head")),
    )
    op.execute(
        sa.text(
            "INSERT INTO audit_chain_head (chain, seq, hash) "
            "SELECT c, 0, :genesis FROM generate_series(0, :last) AS c"
        ).bindparams(genesis=GENESIS, last=CHAINS - 1)
    )
    op.execute("""
UPDATE audit_chain_head h SET seq = last.id, hash = last.hash, key_id = 'sha256'
FROM (SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1) AS last
WHERE h.chain = 0""")
    op.execute("REVOKE ALL ON audit_chain_head FROM emr_app")
    op.execute("GRANT SELECT, UPDATE ON audit_chain_head TO emr_app")
    op.execute("GRANT USAGE, SELECT ON SEQUENCE audit_event_id_seq TO emr_app")
    for statement in KEPT_SQL:
        op.execute(statement)


KEPT_SQL = [
    """
CREATE FUNCTION audit_chain_head_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_chain_head rows are never removed: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
""",
    """CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION audit_chain_head_kept()""",
    """CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_kept()""",
]


def downgrade() -> None:
    op.drop_table("audit_chain_head")
    op.execute("DROP FUNCTION IF EXISTS audit_chain_head_kept()")
    op.execute("ALTER TABLE audit_event ALTER COLUMN id DROP DEFAULT")
    op.execute("DROP SEQUENCE IF EXISTS audit_event_id_seq")
    op.drop_constraint(op.f("uq_audit_event_chain"), "audit_event", type_="unique")
    for column in ("key_id", "seq", "chain"):
        op.drop_column("audit_event", column)
