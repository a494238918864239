"""Statements for the clients: who they are, when they were in treatment, in which group
seat, with which clinician and plan template; then their charts (demographics, episode,
care team, diagnoses, allergies, medications).

Group placement keeps capacity by construction: a group's clients are dealt into its
``:capacity`` seats, and the clients sharing a seat take turns in disjoint date windows.
About one client in ten is outpatient-only (individual sessions, no group).
"""

from __future__ import annotations

PEOPLE = [
    # name_rank orders clients as the application lists a note's members (family name,
    # then given name, in the database's collation).
    """CREATE TEMP TABLE client AS
       WITH drawn AS (
           SELECT n, pg_temp.rnd('outpatient/' || n) < 0.1 AS outpatient_only,
                  (n::bigint * :name_step + :name_offset) % (:given_count * :family_count)
                      AS combo
           FROM generate_series(0, :clients - 1) n
       ), placed AS (
           SELECT d.*, row_number() OVER (PARTITION BY outpatient_only ORDER BY n) - 1 AS m,
                  1 + combo % :given_count AS gi, 1 + combo / :given_count AS fi
           FROM drawn d
       ), sexed AS (
           SELECT p.*, coalesce((:given_sexes)[gi], CASE WHEN pg_temp.rnd('sex/' || n) < 0.5
                                                         THEN 'female' ELSE 'male' END) AS sex,
                  pg_temp.rnd('middle/' || n) AS middle_draw
           FROM placed p
       ), middled AS (
           SELECT s.*, CASE WHEN middle_draw >= 0.35 THEN NULL
                            WHEN sex = 'female' THEN 1 + floor(middle_draw / 0.35 * :female_count)
                            ELSE 1 + :female_count + floor(middle_draw / 0.35 * :male_count)
                       END::int AS mi,
                  '(' || pg_temp.pick(:area_codes, 'area/' || n) || ') 555-01'
                      || lpad((n % 100)::text, 2, '0') AS phone
           FROM sexed s
       )
       SELECT n, pg_temp.uid('patient', n::text) AS id, sex, phone,
              (:given_names)[gi] AS given_name, (:given_names)[mi] AS middle_name,
              (:family_names)[fi] AS family_name,
              row_number() OVER (ORDER BY (:family_names)[fi], (:given_names)[gi], n)::int
                  AS name_rank,
              (:given_folded)[gi] || coalesce(' ' || (:given_folded)[mi], '') || ' '
                  || (:family_folded)[fi] AS search_name,
              regexp_replace((:given_folded)[gi] || '.' || (:family_folded)[fi], '[^a-z.]', '',
                             'g') || (10 + n % 90) || '@example.org' AS email,
              CASE WHEN NOT outpatient_only THEN (m % :groups)::int END AS grp,
              CASE WHEN NOT outpatient_only THEN (m / :groups % :capacity)::int END AS seat,
              CASE WHEN NOT outpatient_only THEN (m / (:groups * :capacity))::int END AS turn
       FROM middled""",
    # Turn t of a seat holds [opened + t*span, opened + (t + 1)*span): turns never overlap.
    """CREATE TEMP TABLE stay AS
       WITH seated AS (
           SELECT n, grp, turn, count(*) OVER (PARTITION BY grp, seat)::int AS turns,
                  :first_day - floor(42 * pg_temp.rnd('seat/' || grp || '/' || seat))::int
                      AS opened
           FROM client WHERE grp IS NOT NULL
       ), enrolled AS (
           SELECT n, grp, opened + turn * span
                      + floor(0.1 * span * pg_temp.rnd('from/' || n))::int AS from_date,
                  CASE WHEN turn < turns - 1 OR pg_temp.rnd('stays/' || n) >= 0.6
                       THEN opened + (turn + 1) * span - 1
                            - floor(0.25 * span * pg_temp.rnd('to/' || n))::int
                  END AS to_date
           FROM seated CROSS JOIN LATERAL (SELECT (:last_day - opened + 1) / turns AS span) w
       ), outpatient AS (
           SELECT n, admitted_on, admitted_on + 60 + floor(120 * pg_temp.rnd('length/' || n))::int
                      AS leaves_on
           FROM client CROSS JOIN LATERAL (
               SELECT :first_day - 30 + floor((:last_day - :first_day + 22)
                                              * pg_temp.rnd('intake/' || n))::int AS admitted_on) a
           WHERE grp IS NULL
       )
       SELECT c.n, c.id, e.grp, e.from_date, e.to_date, g.facilitator_id,
              coalesce(g.level, 'outpatient') AS level,
              coalesce(e.from_date - floor(4 * pg_temp.rnd('intake/' || c.n))::int,
                       o.admitted_on) AS admitted_on,
              CASE WHEN e.n IS NOT NULL THEN e.to_date
                   WHEN o.leaves_on <= :last_day AND pg_temp.rnd('discharge/' || c.n) < 0.3
                   THEN o.leaves_on END AS discharged_on
       FROM client c LEFT JOIN enrolled e ON e.n = c.n LEFT JOIN outpatient o ON o.n = c.n
       LEFT JOIN grp g ON g.n = e.grp""",
    # Substance-use programs see mostly alcohol and opioid plans, outpatient mostly mood.
    """CREATE TEMP TABLE treatment AS
       WITH assigned AS (
           SELECT s.n, s.id, s.level, s.admitted_on, s.discharged_on,
                  :caseload_first + s.n % :caseload_clinicians AS clinician_n, p.t AS template,
                  least(s.admitted_on + 3 + floor(7 * pg_temp.rnd('plan/' || s.n))::int,
                        coalesce(s.discharged_on, :last_day)) AS activated_on
           FROM stay s JOIN plan_template p ON p.key = pg_temp.pick(
               CASE WHEN s.level = 'outpatient'
                    THEN ARRAY['depression', 'trauma', 'depression', 'trauma', 'alcohol', 'opioids']
                    ELSE ARRAY['alcohol', 'opioids', 'alcohol', 'opioids', 'depression', 'trauma']
               END, 'template/' || s.n)
       )
       SELECT a.*, pg_temp.uid('user', 'clinician' || a.clinician_n) AS clinician_id,
              left(pg_temp.uid('nodes', a.n::text)::text, 24) AS node_prefix,
              a.activated_on + 120 AS target_on,
              CASE WHEN a.discharged_on IS NULL
                   THEN a.activated_on + r.days * (cycles + CASE
                        WHEN cycles > 0 AND pg_temp.rnd('overdue/' || a.n) < 0.08 THEN 0
                        ELSE 1 END) END AS review_due
       FROM assigned a
       JOIN (VALUES ('iop', :review_iop), ('php', :review_php),
                    ('outpatient', :review_outpatient)) r(level, days) ON r.level = a.level
       CROSS JOIN LATERAL (SELECT (:last_day - a.activated_on) / r.days AS cycles) c""",
]

CHARTS = [
    """INSERT INTO patient (id, mrn_number, given_name, middle_name, family_name,
           preferred_name, pronouns, birth_date, sex_at_birth, gender_identity, email, phones,
           address, emergency_contacts, insurance, external_ids, status, search_name,
           phone_digits, created_at, updated_at, version)
       SELECT c.id, 100001 + c.n, c.given_name, coalesce(c.middle_name, ''), c.family_name, '',
           CASE WHEN g.other THEN 'they/them' WHEN c.sex = 'female' THEN 'she/her'
                ELSE 'he/him' END,
           :today - floor(365.25 * (18 + 55 * power(pg_temp.rnd('age/' || c.n), 1.6)))::int,
           c.sex,
           CASE WHEN g.other THEN 'non-binary' WHEN c.sex = 'female' THEN 'woman' ELSE 'man' END,
           CASE WHEN pg_temp.rnd('email/' || c.n) < 0.6 THEN c.email ELSE '' END,
           jsonb_build_array(jsonb_build_object('kind', 'mobile', 'number', c.phone)),
           jsonb_build_object(
               'line1', (10 + c.n * 7 % 990) || ' ' || pg_temp.pick(:streets, 'street/' || c.n),
               'line2', '', 'city', pg_temp.pick(:cities, 'city/' || c.n),
               'state', pg_temp.pick(:states, 'city/' || c.n),
               'postal_code', pg_temp.pick(:postal_codes, 'city/' || c.n), 'country', 'US'),
           CASE WHEN pg_temp.rnd('contact/' || c.n) < 0.7 THEN jsonb_build_array(
               jsonb_build_object(
                   'name', (:given_names)[1 + (c.n * 13) % :given_count] || ' ' || c.family_name,
                   'relationship', pg_temp.pick(:relationships, 'relation/' || c.n),
                   'phone', '(' || pg_temp.pick(:area_codes, 'contact/' || c.n) || ') 555-01'
                       || lpad(((c.n * 7) % 100)::text, 2, '0')))
                ELSE '[]' END,
           CASE WHEN pg_temp.rnd('insured/' || c.n) < 0.9 THEN jsonb_build_array(
               jsonb_build_object(
                   'payer', pg_temp.pick(:payers, 'payer/' || c.n),
                   'member_id', upper(substr(md5('member/' || c.id), 1, 10)),
                   'group_number', '', 'subscriber', ''))
                ELSE '[]' END,
           jsonb_build_array(jsonb_build_object('system', 'scale', 'value', :seed || '-' || c.n)),
           CASE WHEN s.discharged_on IS NULL THEN 'active' ELSE 'discharged' END,
           c.search_name, regexp_replace(c.phone, '[^0-9]', '', 'g'),
           pg_temp.at(s.admitted_on - 1, '09:00'), pg_temp.at(s.admitted_on - 1, '09:00'), 1
       FROM client c JOIN stay s ON s.n = c.n
       CROSS JOIN LATERAL (SELECT pg_temp.rnd('gender/' || c.n) < 0.04 AS other) g""",
    """INSERT INTO episode (id, patient_id, program_id, level_of_care, admitted_on,
           discharged_on, disposition, version)
       SELECT pg_temp.uid('episode', n::text), id, pg_temp.uid('program', level), level,
           admitted_on, discharged_on,
           CASE WHEN discharged_on IS NOT NULL
                THEN pg_temp.pick(:dispositions, 'disposition/' || n) END,
           CASE WHEN discharged_on IS NULL THEN 1 ELSE 2 END
       FROM stay""",
    """INSERT INTO care_team_member (id, patient_id, user_id, role, added_at)
       SELECT pg_temp.uid('care_team', t.n || '/' || m.user_id), t.id, m.user_id, m.role,
           pg_temp.at(t.admitted_on, m.clock)
       FROM treatment t JOIN stay s ON s.n = t.n
       CROSS JOIN LATERAL (VALUES (t.clinician_id, 'primary_clinician', time '09:30'),
                                  (s.facilitator_id, 'facilitator', time '09:45'))
           m(user_id, role, clock)
       WHERE m.role = 'primary_clinician' OR m.user_id <> t.clinician_id""",
    """INSERT INTO diagnosis (id, patient_id, code, description, status, onset, recorded_at)
       SELECT pg_temp.uid('diagnosis', t.n || '/' || d.i), t.id, d.code, d.description,
           'active', t.admitted_on - 30 * d.i::int
               - floor(300 * pg_temp.rnd('onset/' || t.n || '/' || d.i))::int,
           pg_temp.at(t.admitted_on, '10:00') + d.i * interval '1 minute'
       FROM treatment t JOIN plan_template p ON p.t = t.template
       CROSS JOIN LATERAL unnest(p.dx, p.dx_descriptions)
           WITH ORDINALITY d(code, description, i)""",
    """INSERT INTO allergy (id, patient_id, substance, reaction, severity, recorded_at)
       SELECT pg_temp.uid('allergy', n::text), id,
           pg_temp.pick(:allergy_substances, 'allergy/' || n),
           pg_temp.pick(:allergy_reactions, 'allergy/' || n),
           pg_temp.pick(:allergy_severities, 'allergy/' || n), pg_temp.at(admitted_on, '10:05')
       FROM treatment WHERE pg_temp.rnd('allergic/' || n) < 0.15""",
    # One medication for the plan's problem (another prescriber's), sometimes one more
    # the client reports; a few of those since stopped.
    """INSERT INTO medication (id, patient_id, name, rxnorm, strength, dose_form, source,
           status, start_date, stop_date, stop_reason, prescription_id, created_by, created_at,
           version)
       SELECT pg_temp.uid('medication', t.n || '/' || m.k), t.id, m.name, NULL, m.strength,
           m.form, m.source, CASE WHEN m.stopped THEN 'stopped' ELSE 'active' END,
           t.admitted_on - floor(200 * pg_temp.rnd('since/' || t.n || '/' || m.k))::int,
           CASE WHEN m.stopped THEN least(:last_day, t.admitted_on
               + floor(40 * pg_temp.rnd('stop/' || t.n))::int) END,
           CASE WHEN m.stopped THEN 'Side effects: discussed with prescriber' ELSE '' END,
           NULL, t.clinician_id, pg_temp.at(t.admitted_on, '10:10') + m.k * interval '1 minute',
           CASE WHEN m.stopped THEN 2 ELSE 1 END
       FROM treatment t JOIN plan_template p ON p.t = t.template
       CROSS JOIN LATERAL (
           SELECT 1 AS k, pg_temp.pick(p.med_names, 'med/' || t.n) AS name,
                  pg_temp.pick(p.med_strengths, 'med/' || t.n) AS strength,
                  pg_temp.pick(p.med_forms, 'med/' || t.n) AS form,
                  'other_prescriber' AS source, false AS stopped
           UNION ALL
           SELECT 2, pg_temp.pick(:other_med_names, 'other/' || t.n),
                  pg_temp.pick(:other_med_strengths, 'other/' || t.n),
                  pg_temp.pick(:other_med_forms, 'other/' || t.n), 'client_reported',
                  pg_temp.rnd('stopped/' || t.n) < 0.25
           WHERE pg_temp.rnd('second/' || t.n) < 0.4) m""",
]

STATEMENTS = PEOPLE + CHARTS
