"""Statements for plans, measures and billing: each client's active treatment plan (a
template's document with the client's own node ids, clinician and target date), PHQ-9
and GAD-7 every four weeks of the stay with the progress points they feed, assessment
schedules, and the charges signed notes captured.

Assessment answers add up to their totals (the total is spread over the items, PHQ-9
item 9 left at 0), and each severity comes from the instrument's own bands.
"""

from __future__ import annotations

PLANS = [
    """INSERT INTO treatment_plan (id, patient_id, number, status, previous_id, content,
           created_by, created_at, last_editor_id, clinician_signed_by, clinician_signed_at,
           client_signature_kind, client_signature, client_signed_at, approval_required,
           approved_by, approved_at, activated_at, superseded_at, review_due, content_hash,
           version)
       SELECT pg_temp.uid('plan', t.n::text), t.id, 1, 'active', NULL, d.text::jsonb,
           t.clinician_id, pg_temp.at(t.activated_on - 2, '14:00'), t.clinician_id,
           t.clinician_id, a.at, 'typed', c.given_name || ' ' || c.family_name,
           a.at - interval '10 minutes', false, NULL, NULL, a.at, NULL, t.review_due,
           encode(sha256(convert_to(d.text, 'UTF8')), 'hex'), 3
       FROM treatment t JOIN client c ON c.n = t.n JOIN plan_template p ON p.t = t.template
       CROSS JOIN LATERAL (
           SELECT replace(replace(replace(p.content,
                      :date_placeholder, to_char(t.target_on, 'YYYY-MM-DD')),
                      :clinician_placeholder, t.clinician_id::text),
                      :node_placeholder, t.node_prefix) AS text) d
       CROSS JOIN LATERAL (SELECT pg_temp.at(t.activated_on, '11:00') AS at) a""",
]

# Scores start where the client starts and improve with their response to treatment.
MEASURES = [
    """CREATE TEMP TABLE measured AS
       SELECT pg_temp.uid('assessment', t.n || '/' || i.key || '/' || k) AS id, t.n,
              t.id AS patient_id, t.template, t.clinician_id, t.node_prefix, t.activated_on,
              i.key, i.name, i.spread, i.tail, s.total, b.severity,
              t.admitted_on + 28 * k AS day, pg_temp.at(t.admitted_on + 28 * k, '10:00') AS at
       FROM treatment t CROSS JOIN instrument_use i
       CROSS JOIN LATERAL generate_series(
           0, (coalesce(t.discharged_on, :last_day) - t.admitted_on) / 28) k
       CROSS JOIN LATERAL (
           SELECT greatest(0, least(i.cap, round(
               (i.low + floor(i.span * pg_temp.rnd('start/' || i.key || '/' || t.n)))
               * (1 - 0.6 * pg_temp.rnd('response/' || t.n) * least(1.0, k / 5.0)))::int
               + floor(5 * pg_temp.rnd('noise/' || i.key || '/' || t.n || '/' || k))::int - 2))
               AS total) s
       JOIN band b ON b.instrument = i.key AND s.total BETWEEN b.low AND b.high""",
    """INSERT INTO assessment (id, patient_id, instrument, answers, total, severity, flags,
           administered_by, administered_at, via)
       SELECT id, patient_id, key,
           ARRAY(SELECT (total + (item + n) % spread) / spread
                 FROM generate_series(0, spread - 1) item ORDER BY item) || tail,
           total, severity, '{}', clinician_id, at,
           CASE WHEN pg_temp.rnd('via/' || id) < 0.3 THEN 'client_tablet' ELSE 'clinician' END
       FROM measured""",
    """INSERT INTO progress_point (id, patient_id, objective_id, value, recorded_at, source,
           source_id, note, recorded_by)
       SELECT pg_temp.uid('point', m.id || '/' || o.suffix), m.patient_id,
           (m.node_prefix || o.suffix)::uuid, m.total, m.at, 'assessment', m.id,
           m.name || ' ' || m.severity, m.clinician_id
       FROM measured m JOIN objective o ON o.template = m.template AND o.instrument = m.key
       WHERE m.day > m.activated_on""",
    """INSERT INTO assessment_schedule (id, patient_id, instrument, every_days, start_on,
           active, created_by, created_at)
       SELECT pg_temp.uid('schedule', t.n || '/' || i.key), t.id, i.key, 28, t.admitted_on,
           t.discharged_on IS NULL, t.clinician_id, pg_temp.at(t.admitted_on, '10:20')
       FROM treatment t CROSS JOIN instrument_use i""",
]

# What signing captured: the group's code for each attending member, psychotherapy by
# minutes for an individual session. Older charges have gone further through billing; the
# last two weeks are mostly pending.
CHARGES = [
    """INSERT INTO charge (id, patient_id, service_date, code, modifiers, units, minutes, fee,
           diagnosis_codes, place_of_service, rendering_provider_id, program_id, source,
           source_id, coverage_id, status, hold_reason, explanation, claim_batch_id,
           created_at, version)
       SELECT pg_temp.uid('charge', c.source_id || '/' || c.n), c.patient_id, c.day, s.code,
           s.modifiers, 1, c.minutes, s.fee, p.dx, s.place_of_service, c.provider_id,
           c.program_id, c.source, c.source_id, NULL, b.status,
           CASE WHEN b.status = 'held' THEN 'Authorization expired: renewal requested'
                ELSE '' END, c.explanation, NULL, c.signed_at, 1
       FROM (
           SELECT m.n, m.patient_id, m.day, '90853' AS code, m.minutes,
                  g.facilitator_id AS provider_id, pg_temp.uid('program', s.level) AS program_id,
                  'group_note' AS source, g.id AS source_id, 'attended' AS explanation,
                  g.signed_at
           FROM mark m JOIN gnote g ON g.session_id = m.session_id AND NOT g.draft
           JOIN stay s ON s.n = m.n
           WHERE m.status IN ('present', 'late', 'left_early')
           UNION ALL
           SELECT n, patient_id, day, '90834', 50, clinician_id, NULL, 'progress_note', id,
                  '50 min ≥ 38 min', signed_at
           FROM visit WHERE NOT draft) c
       JOIN treatment t ON t.n = c.n JOIN plan_template p ON p.t = t.template
       JOIN service_code s ON s.code = c.code
       CROSS JOIN LATERAL (
           SELECT :last_day - c.day AS age,
                  pg_temp.rnd('charge/' || c.source_id || '/' || c.n) AS draw) d
       CROSS JOIN LATERAL (SELECT CASE
           WHEN d.age > 45 THEN CASE WHEN d.draw < 0.85 THEN 'billed' WHEN d.draw < 0.93
                THEN 'approved' WHEN d.draw < 0.98 THEN 'held' ELSE 'void' END
           WHEN d.age > 14 THEN CASE WHEN d.draw < 0.5 THEN 'billed' WHEN d.draw < 0.85
                THEN 'approved' WHEN d.draw < 0.95 THEN 'pending' ELSE 'held' END
           ELSE CASE WHEN d.draw < 0.9 THEN 'pending' ELSE 'approved' END END AS status) b""",
]

STATEMENTS = PLANS + MEASURES + CHARGES
