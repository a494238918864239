"""Statements for the calendar: every session of every group from ``:first_day`` to
``:horizon`` (two weeks ahead), the bookings that hold facilitators, rooms and enrolled
clients, the enrolments, and attendance for the sessions that already took place.

About 2% of past sessions were cancelled. Upcoming sessions hold their enrolled clients,
as enrolling through the application does; past ones hold facilitator and room only.
"""

from __future__ import annotations

SESSIONS = [
    """CREATE TEMP TABLE sess AS
       SELECT pg_temp.uid('session', g.n || '/' || d::date) AS id, g.n AS grp,
              g.id AS group_id, g.series_id, g.facilitator_id, g.room_id, d::date AS day,
              pg_temp.at(d::date, g.starts) AS starts_at,
              pg_temp.at(d::date, g.starts) + :duration * interval '1 minute' AS ends_at,
              d::date <= :last_day
                  AND pg_temp.rnd('cancel/' || g.n || '/' || d::date) < 0.02 AS cancelled
       FROM grp g
       CROSS JOIN generate_series(:first_day::timestamp, :horizon::timestamp, '1 day') d
       WHERE extract(isodow FROM d)::int = ANY(g.days)""",
    """INSERT INTO group_session (id, series_id, group_id, starts_at, ends_at, room_id,
           facilitator_ids, timezone, status, cancel_reason, moved, version)
       SELECT id, series_id, group_id, starts_at, ends_at, room_id, ARRAY[facilitator_id],
           :zone, CASE WHEN cancelled THEN 'cancelled' ELSE 'scheduled' END,
           CASE WHEN cancelled THEN pg_temp.pick(:cancel_reasons, 'reason/' || id) END, false,
           CASE WHEN cancelled THEN 2 ELSE 1 END
       FROM sess""",
    """INSERT INTO enrollment (id, group_id, patient_id, from_date, to_date, status,
           created_at, version)
       SELECT pg_temp.uid('enrollment', s.n::text), g.id, s.id, s.from_date, s.to_date,
           CASE WHEN s.to_date IS NULL THEN 'enrolled' ELSE 'ended' END,
           pg_temp.at(s.from_date - 1, '11:00'), CASE WHEN s.to_date IS NULL THEN 1 ELSE 2 END
       FROM stay s JOIN grp g ON g.n = s.grp""",
    # Who each session expects: the sign-in sheet (enrolled on the session's day).
    """CREATE TEMP TABLE expected AS
       SELECT x.id AS session_id, x.day, x.starts_at, x.ends_at, x.facilitator_id, s.n,
              s.id AS patient_id
       FROM sess x JOIN stay s ON s.grp = x.grp AND s.from_date <= x.day
            AND (s.to_date IS NULL OR s.to_date >= x.day)
       WHERE NOT x.cancelled""",
]

BOOKINGS = [
    """INSERT INTO booking (id, session_id, resource_kind, resource_id, during)
       SELECT pg_temp.uid('booking', x.id || '/' || r.kind), x.id, r.kind, r.resource_id,
           tstzrange(x.starts_at, x.ends_at, '[)')
       FROM sess x
       CROSS JOIN LATERAL (VALUES ('facilitator', x.facilitator_id), ('room', x.room_id))
           r(kind, resource_id)
       WHERE NOT x.cancelled""",
    """INSERT INTO booking (id, session_id, resource_kind, resource_id, during)
       SELECT pg_temp.uid('booking', e.session_id || '/client/' || e.n), e.session_id,
           'client', e.patient_id, tstzrange(e.starts_at, e.ends_at, '[)')
       FROM expected e WHERE e.day >= :today""",
]

# Each client has their own reliability: some rarely miss a session, some often do.
ATTENDANCE = [
    """CREATE TEMP TABLE mark AS
       WITH drawn AS MATERIALIZED (
           SELECT e.*, pg_temp.rnd('attendance/' || e.session_id || '/' || e.n) AS draw,
                  0.06 + 0.18 * pg_temp.rnd('reliability/' || e.n) AS missing
           FROM expected e WHERE e.day <= :last_day
       ), marked AS (
           SELECT d.session_id, d.day, d.starts_at, d.ends_at, d.facilitator_id, d.n,
                  d.patient_id,
                  CASE WHEN d.draw < 0.3 * d.missing THEN 'excused'
                       WHEN d.draw < d.missing THEN 'absent'
                       WHEN d.draw < d.missing + 0.07 THEN 'late'
                       WHEN d.draw < d.missing + 0.11 THEN 'left_early'
                       ELSE 'present' END AS status
           FROM drawn d
       )
       SELECT m.*, CASE m.status WHEN 'present' THEN :duration WHEN 'late' THEN :duration - 15
                                 WHEN 'left_early' THEN :duration - 25 END AS minutes
       FROM marked m""",
    """INSERT INTO attendance (session_id, patient_id, status, minutes, recorded_by,
           recorded_at)
       SELECT session_id, patient_id, status, minutes, facilitator_id, ends_at FROM mark""",
]

STATEMENTS = SESSIONS + BOOKINGS + ATTENDANCE
