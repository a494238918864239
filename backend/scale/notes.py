"""Statements for documentation: a group note for every past session with members (an
entry per expected member, written for those who attended), the progress points their
ratings became, and individual progress notes every four weeks of each stay.

Signed notes carry the SHA-256 the application would have stored when signing: the
document of ``backend.notes.service.document`` (or ``progress.document``) serialised as
``backend.notes.rules.content_hash`` does, so verifying a seeded note succeeds. Recent
sessions keep some drafts, as a real week does.
"""

from __future__ import annotations

GROUP_NOTES = [
    """CREATE TEMP TABLE gnote AS
       SELECT pg_temp.uid('group_note', x.id::text) AS id, x.id AS session_id, x.day,
              x.starts_at, x.facilitator_id, d.draft, NOT d.draft AND d.late AS late,
              pg_temp.pick(:session_topics, 'topic/' || x.id) AS topic,
              pg_temp.pick(:interventions, 'interventions/' || x.id) AS interventions,
              CASE WHEN d.draft THEN ''
                   ELSE pg_temp.pick(:group_process, 'process/' || x.id) END AS group_process,
              CASE WHEN d.draft THEN NULL
                   WHEN d.late THEN x.ends_at
                        + (4 + floor(5 * pg_temp.rnd('signed/' || x.id))) * interval '1 day'
                   ELSE x.ends_at
                        + (20 + floor(160 * pg_temp.rnd('signed/' || x.id))) * interval '1 minute'
              END AS signed_at
       FROM sess x
       CROSS JOIN LATERAL (
           SELECT pg_temp.rnd('draft/' || x.id)
                      < CASE WHEN x.day >= :last_day - 6 THEN 0.3 ELSE 0.01 END AS draft,
                  x.day <= :last_day - 10 AND pg_temp.rnd('late/' || x.id) < 0.04 AS late) d
       WHERE NOT x.cancelled AND x.day <= :last_day
         AND EXISTS (SELECT 1 FROM mark m WHERE m.session_id = x.id)""",
    # A member's rating of their plan's 0-10 objective drifts from baseline toward the
    # target over 120 days of treatment, at the client's own pace.
    """CREATE TEMP TABLE entry AS
       WITH written AS MATERIALIZED (
           SELECT pg_temp.uid('member_entry', m.session_id || '/' || m.n) AS id,
                  g.id AS note_id, g.draft, m.n, m.patient_id, m.status, m.day, m.starts_at,
                  m.facilitator_id, c.name_rank, t.node_prefix || o.suffix
                      AS objective_id,
                  m.status IN ('present', 'late', 'left_early')
                      AND (NOT g.draft OR pg_temp.rnd('written/' || g.id || '/' || m.n) < 0.5)
                      AS written,
                  CASE WHEN m.day > t.activated_on THEN greatest(0, least(10, round(
                       o.baseline + (o.target - o.baseline)
                           * least(1.0, (m.day - t.activated_on) / 120.0)
                           * (0.3 + 0.9 * pg_temp.rnd('progress/' || m.n))
                       + floor(3 * pg_temp.rnd('rating/' || g.id || '/' || m.n)) - 1)))::int
                  END AS rating
           FROM mark m JOIN gnote g ON g.session_id = m.session_id
           JOIN client c ON c.n = m.n JOIN treatment t ON t.n = m.n
           JOIN objective o ON o.template = t.template AND o.kind = 'rating'
       ), texts AS MATERIALIZED (
           SELECT w.id, w.note_id, w.draft, w.patient_id, w.status, w.starts_at,
                  w.facilitator_id, w.name_rank, w.written, w.objective_id,
                  CASE WHEN w.written THEN w.rating END AS rating,
                  CASE WHEN w.written THEN pg_temp.pick(:participation, 'participation/' || w.id)
                       ELSE '' END AS participation,
                  CASE WHEN w.written THEN pg_temp.pick(:affects, 'affect/' || w.id)
                       ELSE '' END AS affect,
                  CASE WHEN w.written THEN pg_temp.pick(:behaviours, 'behaviour/' || w.id)
                       ELSE '' END AS behaviour,
                  CASE WHEN w.written
                       THEN pg_temp.pick(:narrative_openings, 'opening/' || w.id) || ' '
                            || pg_temp.pick(:narrative_closings, 'closing/' || w.id)
                       ELSE '' END AS narrative,
                  CASE WHEN NOT w.written THEN ''
                       WHEN pg_temp.rnd('risk/' || w.id) < 0.05 THEN 'low' ELSE 'none' END
                      AS risk
           FROM written w
       ), rated AS (
           SELECT t.*, CASE WHEN t.rating IS NULL THEN '[]'
                            ELSE '[{"objective_id":"' || t.objective_id || '","rating":'
                                 || t.rating || '}]' END AS ratings
           FROM texts t
       )
       SELECT r.*,
              '{"affect":' || to_json(r.affect)::text
              || ',"attendance":' || to_json(r.status)::text
              || ',"behaviour":' || to_json(r.behaviour)::text
              || ',"narrative":' || to_json(r.narrative)::text
              || ',"objective_ratings":' || r.ratings
              || ',"participation":' || to_json(r.participation)::text
              || ',"patient_id":"' || r.patient_id
              || '","risk":' || to_json(r.risk)::text || '}' AS document
       FROM rated r""",
    # Entries in the order backend.notes.service.entries reads them.
    """INSERT INTO group_note (id, session_id, topic, interventions, group_process,
           author_ids, status, last_editor_id, signed_by, signed_at, content_hash,
           cosign_required, cosigned_by, cosigned_at, late_entry, created_at, version)
       SELECT g.id, g.session_id, g.topic, g.interventions, g.group_process,
           ARRAY[g.facilitator_id], CASE WHEN g.draft THEN 'draft' ELSE 'signed' END,
           g.facilitator_id, CASE WHEN NOT g.draft THEN g.facilitator_id END, g.signed_at,
           CASE WHEN NOT g.draft THEN encode(sha256(convert_to(
               '{"entries":[' || e.documents || '],"note":{"group_process":'
               || to_json(g.group_process)::text || ',"id":"' || g.id
               || '","interventions":' || to_json(g.interventions)::text
               || ',"session_id":"' || g.session_id
               || '","signed_at":"' || pg_temp.stamp(g.signed_at)
               || '","signed_by":"' || g.facilitator_id
               || '","topic":' || to_json(g.topic)::text || '}}', 'UTF8')), 'hex') END,
           false, NULL, NULL, g.late, g.starts_at, CASE WHEN g.draft THEN 2 ELSE 3 END
       FROM gnote g
       JOIN (SELECT note_id, string_agg(document, ',' ORDER BY name_rank)
                 AS documents
             FROM entry GROUP BY note_id) e ON e.note_id = g.id""",
    """INSERT INTO member_entry (id, note_id, patient_id, attendance, participation, affect,
           behaviour, narrative, risk, objective_ratings, author_ids, last_editor_id, version)
       SELECT id, note_id, patient_id, status, participation, affect, behaviour, narrative,
           risk, ratings::jsonb,
           CASE WHEN written THEN ARRAY[facilitator_id] ELSE '{}' END,
           CASE WHEN written THEN facilitator_id END, CASE WHEN written THEN 2 ELSE 1 END
       FROM entry""",
    # Signing turned each rating into a progress point at the session's start.
    """INSERT INTO progress_point (id, patient_id, objective_id, value, recorded_at, source,
           source_id, note, recorded_by)
       SELECT pg_temp.uid('point', id::text), patient_id, objective_id::uuid, rating,
           starts_at, 'group_note', note_id, '', facilitator_id
       FROM entry WHERE rating IS NOT NULL AND NOT draft""",
]

# Individual sessions every 28 days of a stay, moved off weekends, at the clinician's free
# hours: 09:00-17:00 for therapists, 18:00-20:00 for clinicians who facilitate groups by day.
PROGRESS_NOTES = [
    """CREATE TEMP TABLE visit AS
       WITH planned AS (
           SELECT t.n, t.id AS patient_id, t.clinician_id, t.clinician_n,
                  d.day + CASE extract(isodow FROM d.day)::int WHEN 6 THEN 2 WHEN 7 THEN 1
                          ELSE 0 END AS day,
                  least(coalesce(t.discharged_on, :last_day), :last_day) AS until
           FROM treatment t
           CROSS JOIN LATERAL generate_series(
               0, (coalesce(t.discharged_on, :last_day) - t.admitted_on) / 28) k
           CROSS JOIN LATERAL (SELECT t.admitted_on + 7 + 28 * k AS day) d
       ), slotted AS (
           SELECT p.*, row_number() OVER (PARTITION BY clinician_n, day ORDER BY n)::int AS slot,
                  CASE WHEN clinician_n <= :facilitators THEN 18 ELSE 9 END AS first_hour,
                  CASE WHEN clinician_n <= :facilitators THEN 3 ELSE 9 END AS slots
           FROM planned p WHERE p.day <= p.until
       )
       SELECT pg_temp.uid('progress_note', s.n || '/' || s.day) AS id, s.n, s.patient_id,
              s.clinician_id, s.day, a.service_start,
              a.service_start + interval '50 minutes' AS service_end,
              (ARRAY['soap', 'dap', 'birp'])[1 + s.clinician_n % 3] AS format, d.draft,
              CASE WHEN d.draft THEN NULL
                   WHEN d.late THEN a.service_start
                        + (4 + floor(5 * pg_temp.rnd('signed/' || s.n || '/' || s.day)))
                          * interval '1 day'
                   ELSE a.service_start + interval '50 minutes'
                        + (10 + floor(120 * pg_temp.rnd('signed/' || s.n || '/' || s.day)))
                          * interval '1 minute'
              END AS signed_at, NOT d.draft AND d.late AS late
       FROM slotted s
       CROSS JOIN LATERAL (
           SELECT pg_temp.at(s.day, make_time(s.first_hour + s.slot - 1, 0, 0))
                      AS service_start) a
       CROSS JOIN LATERAL (
           SELECT pg_temp.rnd('draft/' || s.n || '/' || s.day)
                      < CASE WHEN s.day >= :last_day - 13 THEN 0.3 ELSE 0.01 END AS draft,
                  s.day <= :last_day - 10
                      AND pg_temp.rnd('late/' || s.n || '/' || s.day) < 0.03 AS late) d
       WHERE s.slot <= s.slots""",
    """INSERT INTO progress_note (id, patient_id, session_id, format, service_start,
           service_end, sections, author_id, status, last_editor_id, signed_by, signed_at,
           content_hash, cosign_required, cosigned_by, cosigned_at, late_entry, created_at,
           version)
       SELECT v.id, v.patient_id, NULL, v.format, v.service_start, v.service_end, s.sections,
           v.clinician_id, CASE WHEN v.draft THEN 'draft' ELSE 'signed' END, v.clinician_id,
           CASE WHEN NOT v.draft THEN v.clinician_id END, v.signed_at,
           CASE WHEN NOT v.draft THEN encode(sha256(convert_to(
               '{"format":' || to_json(v.format)::text || ',"id":"' || v.id
               || '","patient_id":"' || v.patient_id || '","sections":' || s.document
               || ',"service_end":"' || pg_temp.stamp(v.service_end)
               || '","service_start":"' || pg_temp.stamp(v.service_start)
               || '","session_id":null,"signed_at":"' || pg_temp.stamp(v.signed_at)
               || '","signed_by":"' || v.clinician_id || '"}', 'UTF8')), 'hex') END,
           false, NULL, NULL, v.late, v.service_end, CASE WHEN v.draft THEN 2 ELSE 3 END
       FROM visit v
       CROSS JOIN LATERAL (
           SELECT jsonb_object_agg(o.key, o.text) AS sections,
                  '{' || string_agg(to_json(o.key)::text || ':' || to_json(o.text)::text, ','
                                    ORDER BY o.key COLLATE "C") || '}' AS document
           FROM (SELECT key, pg_temp.pick(options, key || '/' || v.id) AS text
                 FROM section_option WHERE format = v.format) o) s""",
]

STATEMENTS = GROUP_NOTES + PROGRESS_NOTES
