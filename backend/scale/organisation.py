"""Statements for the organisation: the helper functions every later statement uses, staff,
programs, rooms, groups and their recurring series.

Groups are spread over the facilitating clinicians (``:facilitators``, one per ten groups):
a clinician's k-th group meets at (8 + k):00 for 60 minutes, so no clinician or room (one
room per clinician) is ever booked twice at once, whatever the meeting days.
"""

from __future__ import annotations

FUNCTIONS = [
    # A stable id: the same seed, kind and key always give the same uuid.
    """CREATE FUNCTION pg_temp.uid(kind text, key text) RETURNS uuid
       LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT md5((:seed)::text || '/' || kind || '/' || key)::uuid $$""",
    # A stable draw in [0, 1) from a row's own key, so no result depends on row order.
    """CREATE FUNCTION pg_temp.rnd(key text) RETURNS float8
       LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT (hashtextextended(key, :seed) & 4503599627370495)::float8
                    / 4503599627370496 $$""",
    """CREATE FUNCTION pg_temp.pick(options text[], key text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT options[1 + floor(pg_temp.rnd(key) * cardinality(options))::int] $$""",
    # Python's str() of an aware UTC datetime with whole seconds: what content hashes cover.
    """CREATE FUNCTION pg_temp.stamp(at timestamptz) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE
       AS $$ SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00:00' $$""",
    # A local wall-clock time on a day, in the organisation's zone (the session's TimeZone).
    """CREATE FUNCTION pg_temp.at(day date, clock time) RETURNS timestamptz
       LANGUAGE sql STABLE PARALLEL SAFE
       AS $$ SELECT (day + clock)::timestamptz $$""",
]

STAFF = [
    """CREATE TEMP TABLE staff AS
       SELECT r.role, i AS n, pg_temp.uid('user', r.role || i) AS id,
              format('scale-%s-%s', r.role, lpad(i::text, 3, '0')) AS username,
              (:given_names)[1 + (i * 37 + r.shift) % :given_count] || ' '
                  || (:family_names)[1 + (i * 53 + r.shift) % :family_count] || r.suffix
                  AS full_name
       FROM (VALUES ('clinician', :clinicians, 0, ', LMHC'),
                    ('supervisor', :supervisors, 11, ', PhD'),
                    ('coordinator', :coordinators, 23, ''),
                    ('biller', :billers, 31, '')) r(role, total, shift, suffix)
       CROSS JOIN LATERAL generate_series(1, r.total) i""",
    """INSERT INTO app_user (id, username, full_name, password_hash, roles, disabled,
           mfa_secret, mfa_enabled, mfa_last_step, created_at, password_changed_at, version)
       SELECT id, username, full_name, current_setting('scale.password_hash'), ARRAY[role],
           false, NULL, false, NULL, pg_temp.at(:first_day - 90, '08:00'),
           pg_temp.at(:first_day - 90, '08:00'), 1
       FROM staff""",
]

PROGRAMS = [
    """INSERT INTO program (id, name, level_of_care, part2, active, plan_review_days,
           plan_approval_required, per_diem_code)
       SELECT pg_temp.uid('program', level), name, level, part2, true, days, false, ''
       FROM (VALUES ('Adult Intensive Outpatient', 'iop', true, :review_iop),
                    ('Partial Hospitalization', 'php', true, :review_php),
                    ('Outpatient Counseling', 'outpatient', false, :review_outpatient))
            p(name, level, part2, days)""",
    """INSERT INTO room (id, name, capacity, active)
       SELECT pg_temp.uid('room', i::text), 'Room ' || (100 + i), 14, true
       FROM generate_series(1, :facilitators) i""",
]

GROUPS = [
    """CREATE TEMP TABLE grp AS
       SELECT g AS n, pg_temp.uid('group', g::text) AS id,
              pg_temp.uid('series', g::text) AS series_id,
              pg_temp.uid('user', 'clinician' || f) AS facilitator_id, f AS facilitator_n,
              pg_temp.uid('room', f::text) AS room_id, 'Room ' || (100 + f) AS room,
              make_time(8 + g / :facilitators, 0, 0) AS starts, kind.level, kind.days,
              kind.byday, kind.label
       FROM generate_series(0, :groups - 1) g
       CROSS JOIN LATERAL (SELECT 1 + g % :facilitators AS f) facilitator
       JOIN (VALUES (0, 'iop', ARRAY[1, 3, 5], 'MO,WE,FR', 'Mon/Wed/Fri'),
                    (1, 'iop', ARRAY[1, 3, 5], 'MO,WE,FR', 'Mon/Wed/Fri'),
                    (2, 'outpatient', ARRAY[2, 4], 'TU,TH', 'Tue/Thu'),
                    (3, 'php', ARRAY[1, 2, 3, 4, 5], 'MO,TU,WE,TH,FR', 'Mon-Fri'))
            kind(k, level, days, byday, label)
         ON kind.k = (g / :facilitators + g % :facilitators) % 4""",
    """INSERT INTO therapy_group (id, name, kind, program_id, level_of_care, capacity,
           open_enrollment, room_id, facilitator_ids, duration_minutes, service_code,
           note_template, version)
       SELECT id,
           pg_temp.pick(:group_topics, 'topic/' || n) || ' - ' || label || ' '
               || to_char(starts, 'HH24:MI') || ' - ' || room,
           'group', pg_temp.uid('program', level), level, :capacity, true, room_id,
           ARRAY[facilitator_id], :duration, '90853',
           '{"required": ["topic", "interventions"]}', 1
       FROM grp""",
    """INSERT INTO series (id, group_id, rrule, start_local, timezone, duration_minutes,
           room_id, facilitator_ids, exdates_local, rdates_local, created_at, version)
       SELECT g.series_id, g.id,
           'FREQ=WEEKLY;BYDAY=' || g.byday || ';UNTIL=' || to_char(:horizon, 'YYYYMMDD'),
           to_char(first.day + g.starts, 'YYYY-MM-DD"T"HH24:MI'), :zone, :duration,
           g.room_id, ARRAY[g.facilitator_id], '{}', '{}', pg_temp.at(:first_day - 7, '12:00'),
           1
       FROM grp g
       CROSS JOIN LATERAL (
           SELECT min(d)::date AS day
           FROM generate_series(:first_day::timestamp, (:first_day + 6)::timestamp, '1 day') d
           WHERE extract(isodow FROM d)::int = ANY(g.days)) first""",
]

STATEMENTS = FUNCTIONS + STAFF + PROGRAMS + GROUPS
