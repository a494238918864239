"""Attendance minutes agree with the status, in the database too: none for absent, excused
or cancelled; more than 0 for present, late or left early (a check), at most the session's
length when present and fewer when late or left early (a trigger: the bound needs the
session row).

Rows recorded before: minutes of a member who did not come are cleared, and a present
member without minutes gets the session's length (what billing already assumed). Any row
still breaking the rule (e.g. late without minutes) is kept as recorded: the check is then
added NOT VALID, so it binds every new write and every change to such a row.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULE = (
    "CASE WHEN status IN ('present', 'late', 'left_early')"
    " THEN minutes IS NOT NULL AND minutes > 0 ELSE minutes IS NULL END"
)

CLEAN = [
    "UPDATE attendance SET minutes = NULL"
    " WHERE status NOT IN ('present', 'late', 'left_early') AND minutes IS NOT NULL",
    """UPDATE attendance a SET minutes = floor(extract(epoch FROM s.ends_at - s.starts_at) / 60)
       FROM group_session s
       WHERE s.id = a.session_id AND a.status = 'present' AND a.minutes IS NULL""",
]

VALIDATE_IF_CLEAN = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM attendance WHERE NOT ({RULE})) THEN
        ALTER TABLE attendance VALIDATE CONSTRAINT ck_attendance_minutes_match_status;
    END IF;
END $$"""  # noqa: S608 (RULE is this module's constant)

WITHIN_SESSION = [
    """
CREATE FUNCTION attendance_minutes_within_session() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    length integer;
BEGIN
    IF NEW.minutes IS NULL THEN
        RETURN NEW;
    END IF;
    SELECT floor(extract(epoch FROM ends_at - starts_at) / 60) INTO length
        FROM group_session WHERE id = NEW.session_id;
    IF (NEW.status = 'present' AND NEW.minutes > length)
            OR (NEW.status IN ('late', 'left_early') AND NEW.minutes >= length) THEN
        RAISE EXCEPTION 'attendance minutes % do not fit % in a session of % minutes',
                NEW.minutes, NEW.status, length
            USING ERRCODE = 'check_violation', COLUMN = 'minutes',
                  CONSTRAINT = 'attendance_minutes_within_session';
    END IF;
    RETURN NEW;
END $$""",
    """
CREATE TRIGGER attendance_minutes_within_session BEFORE INSERT OR UPDATE ON attendance
    FOR EACH ROW EXECUTE FUNCTION attendance_minutes_within_session()""",
]


def upgrade() -> None:
    for statement in CLEAN:
        op.execute(statement)
    op.execute(
        "ALTER TABLE attendance ADD CONSTRAINT ck_attendance_minutes_match_status"
        f" CHECK ({RULE}) NOT VALID"
    )
    op.execute(VALIDATE_IF_CLEAN)
    for statement in WITHIN_SESSION:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS attendance_minutes_within_session ON attendance")
    op.execute("DROP FUNCTION IF EXISTS attendance_minutes_within_session()")
    op.execute("ALTER TABLE attendance DROP CONSTRAINT ck_attendance_minutes_match_status")
