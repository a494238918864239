"""The words a generated organisation is made of: client and staff names, the texts of
notes, addresses, payers, medications.

Names avoid ordinary English words (no "Grace", "Hope", "Wood") so that the narratives,
which never name anyone, cannot trip the group notes' name-leak check. Every list reaches
SQL as an array literal (:func:`sql_array`); a row picks from it by hashing its own key.
"""

from __future__ import annotations

from collections.abc import Sequence

from backend.patients.rules import fold

FEMALE = (
    "Olivia", "Amara", "Sofia", "Priya", "Mei", "Fatima", "Leila", "Hana", "Zoë", "Aaliyah",
    "Chloe", "Isabella", "Camila", "Valentina", "Ngozi", "Aisha", "Keiko", "Ingrid",
    "Siobhán", "Marisol", "Yasmin", "Anjali", "Beatriz", "Renée", "Dolores", "Esperanza",
    "Keisha", "Naomi", "Miriam", "Rebecca", "Deborah", "Ximena", "Lucía", "Svetlana",
    "Katarzyna", "Oksana", "Thandiwe", "Adaeze", "Imani", "Kaitlyn", "Jessica", "Megan",
    "Colleen", "Bridget", "Maeve", "Aoife", "Freya", "Astrid", "Zeynep", "Layla",
)  # fmt: skip
MALE = (
    "Mateo", "Jamal", "Kenji", "Noah", "Dmitri", "Yusuf", "Tomás", "Olu", "Liam", "Ethan",
    "Diego", "Santiago", "Rahul", "Arjun", "Wei", "Hiroshi", "Kwame", "Chinedu", "Tariq",
    "Omar", "Malik", "DeShawn", "Marcus", "Tyrone", "Cody", "Brandon", "Kyle", "Travis",
    "Dustin", "Caleb", "Elijah", "Isaiah", "Joaquín", "Alejandro", "Lars", "Søren",
    "Mikhail", "Piotr", "Bogdan", "Cormac", "Declan", "Sanjay", "Minh", "Hamza", "Emeka",
)  # fmt: skip
UNISEX = ("Jordan", "Riley", "Avery", "Quinn", "Dakota")
GIVEN = FEMALE + MALE + UNISEX
FAMILY = (
    "Rivera", "O'Connor", "Nguyễn", "Okafor", "Haddad", "Kowalski", "Begay", "García-López",
    "Tanaka", "Johnson", "Ivanova", "Patel", "Mensah", "Lindqvist", "Hernández", "Martinez",
    "Rodriguez", "Gonzalez", "Lopez", "Perez", "Sanchez", "Ramirez", "Torres", "Flores",
    "Gomez", "Diaz", "Reyes", "Morales", "Ortiz", "Gutierrez", "Chavez", "Ramos", "Ruiz",
    "Alvarez", "Mendoza", "Castillo", "Jimenez", "Vasquez", "Romero", "Herrera", "Medina",
    "Aguilar", "Vargas", "Guzman", "Williams", "Jones", "Davis", "Miller", "Wilson",
    "Anderson", "Thompson", "Robinson", "Harris", "Jackson", "Walker", "Allen", "Wright",
    "Nelson", "Carter", "Mitchell", "Roberts", "Phillips", "Campbell", "Evans", "Edwards",
    "Collins", "Stewart", "Morris", "Rogers", "Peterson", "Bailey", "Howard", "Richardson",
    "Watson", "Sanders", "Bennett", "Henderson", "Coleman", "Jenkins", "Powell", "Patterson",
    "Hughes", "Washington", "Simmons", "Foster", "Russell",
    "Hamilton", "Sullivan", "Wallace", "Owens", "Reynolds", "Ellis", "Harrison", "Gibson",
    "McDonald", "Murray", "Simpson", "Stevens", "Crawford", "Kennedy", "Dixon", "Gordon",
    "Robertson", "Kim", "Chen", "Wang", "Zhang", "Liu", "Singh", "Kumar", "Shah", "Khan",
    "Hussain", "Ahmed", "Cohen", "Levy", "Friedman", "Schwartz", "Müller", "Schmidt",
    "Schneider", "Fischer", "Becker", "Rossi", "Russo", "Esposito", "Bianchi", "Romano",
    "Nowak", "Wiśniewski", "Kowalczyk", "Popescu", "Ionescu", "Petrov", "Sokolov",
    "Kuznetsov", "Yilmaz", "Demir", "Suzuki", "Takahashi", "Watanabe", "Yamamoto",
    "Nakamura", "Adeyemi", "Okonkwo", "Boateng", "Kamau", "Mwangi", "Dlamini", "Yazzie",
)  # fmt: skip

RELATIONSHIPS = ("mother", "father", "partner", "spouse", "sister", "brother", "friend")
STREETS = (
    "Washington St", "Centre St", "Blue Hill Ave", "Tremont St", "Massachusetts Ave",
    "Dorchester Ave", "Hyde Park Ave", "Columbia Rd", "Harvard St", "Broadway",
)  # fmt: skip
# (city, state, postal code)
CITIES = (
    ("Boston", "MA", "02118"), ("Cambridge", "MA", "02139"), ("Somerville", "MA", "02143"),
    ("Quincy", "MA", "02169"), ("Lynn", "MA", "01902"), ("Brockton", "MA", "02301"),
    ("Worcester", "MA", "01608"), ("Lowell", "MA", "01852"), ("Framingham", "MA", "01702"),
    ("Chelsea", "MA", "02150"),
)  # fmt: skip
AREA_CODES = ("617", "857", "781", "508", "978")
PAYERS = (
    "MassHealth", "Blue Cross Blue Shield of Massachusetts", "Harvard Pilgrim Health Care",
    "Tufts Health Plan", "Medicare", "Aetna",
)  # fmt: skip
ALLERGIES = (
    ("Penicillin", "Hives", "moderate"),
    ("Sulfa drugs", "Rash", "mild"),
    ("Latex", "Swelling", "severe"),
    ("Codeine", "Nausea and vomiting", "moderate"),
    ("Peanuts", "Anaphylaxis", "severe"),
)
# (name, strength, dose form): every client takes one, some a second from OTHER_MEDICATIONS.
MEDICATIONS = {
    "depression": (("Sertraline", "50 mg", "tablet"), ("Trazodone", "50 mg", "tablet")),
    "alcohol": (("Naltrexone", "50 mg", "tablet"), ("Acamprosate", "333 mg", "tablet")),
    "opioids": (("Buprenorphine/naloxone", "8 mg/2 mg", "film"), ("Naloxone", "4 mg", "spray")),
    "trauma": (("Prazosin", "1 mg", "capsule"), ("Escitalopram", "10 mg", "tablet")),
}
OTHER_MEDICATIONS = (
    ("Nicotine patch", "21 mg/24 h", "patch"),
    ("Lisinopril", "10 mg", "tablet"),
    ("Metformin", "500 mg", "tablet"),
    ("Albuterol", "90 mcg", "inhaler"),
    ("Ibuprofen", "400 mg", "tablet"),
)
DISPOSITIONS = (
    "Completed program; stepped down to outpatient counseling",
    "Completed program; referred to community recovery supports",
    "Left before completing the program",
    "Transferred to a higher level of care",
)
CANCEL_REASONS = ("Facilitator unavailable", "Building closed (weather)", "Staff training day")

GROUP_TOPICS = (
    "Relapse Prevention", "Early Recovery Skills", "Coping with Cravings", "Seeking Safety",
    "DBT Skills", "Mood Management", "Mindfulness Practice", "CBT for Depression",
    "Anxiety Management", "Anger Management", "Family Education", "Healthy Relationships",
)  # fmt: skip
SESSION_TOPICS = (
    "Identifying high-risk situations", "Managing cravings with urge surfing",
    "Building a relapse prevention plan", "Distress tolerance: the TIPP skills",
    "Challenging automatic thoughts", "Sleep and recovery", "Setting boundaries",
    "Communication skills: I-statements", "Grounding techniques for strong emotions",
    "Values and goal setting", "Behavioral activation: planning the week",
    "Coping with loneliness", "Recognising early warning signs", "Self-compassion",
)  # fmt: skip
INTERVENTIONS = (
    "Psychoeducation with handout; guided practice; homework review.",
    "Skills demonstration and role play; feedback from peers.",
    "Motivational interviewing in the round; change talk elicited and reflected.",
    "Cognitive restructuring worksheet completed in pairs, then shared.",
    "Mindfulness exercise (body scan), followed by processing.",
)
GROUP_PROCESS = (
    "Members engaged readily and offered each other support; cohesion was good.",
    "Initial reluctance eased after the check-in; most members shared.",
    "Discussion was lively; the facilitator redirected twice to keep focus on the topic.",
    "A quieter session; members reflected on the week and practised the skill together.",
)
PARTICIPATION = ("active", "active", "moderate", "moderate", "minimal", "leading")
AFFECTS = ("euthymic", "anxious", "constricted", "bright", "irritable", "tearful", "flat")
BEHAVIOURS = (
    "Attentive and on task.",
    "Restless at first, settled during the exercise.",
    "Quiet; responded when invited.",
    "Supportive of peers; stayed after to ask a question.",
    "Arrived prepared with completed homework.",
)
NARRATIVE_OPENINGS = (
    "Reported a difficult week at home and used the breathing skill twice.",
    "Described a craving on Saturday and called a support person instead of using.",
    "Shared progress with the daily schedule and a better night of sleep.",
    "Said the homework was hard to start but completed half of it.",
    "Reported low mood midweek; identified isolation as the trigger.",
    "Described a conflict at work and practised an I-statement in role play.",
)
NARRATIVE_CLOSINGS = (
    "Will practise the skill daily and track it on the worksheet.",
    "Agreed to attend one mutual-help meeting before the next session.",
    "Plans to share the relapse prevention plan with a support person.",
    "Identified one pleasant activity to schedule this week.",
    "Denied thoughts of self-harm; safety plan reviewed and current.",
)
# Individual progress notes: a few wordings of each section of each format.
SECTIONS = {
    "dap": {
        "data": (
            "Client reviewed the week's goals and rated mood and cravings.",
            "Client described a stressful week at work and how it affected sleep.",
        ),
        "assessment": (
            "Engaged and reflective; progress toward objectives is steady.",
            "Some setbacks this week; motivation for treatment remains good.",
        ),
        "plan": (
            "Continue weekly sessions; practise the agreed skill; review next visit.",
            "Continue group attendance; complete the worksheet before next session.",
        ),
    },
    "birp": {
        "behavior": (
            "Client arrived on time, casually dressed, with congruent affect.",
            "Client appeared tired but engaged readily once the session began.",
        ),
        "intervention": (
            "Used CBT to examine a recent trigger and rehearse a coping response.",
            "Motivational interviewing to explore ambivalence about the next step.",
        ),
        "response": (
            "Client identified two alternative thoughts and agreed to try them.",
            "Client named a concrete step and rated confidence at seven of ten.",
        ),
        "plan": (
            "Continue weekly sessions; complete the thought record before next visit.",
            "Review the step taken at the next session; continue group attendance.",
        ),
    },
    "soap": {
        "subjective": (
            "Client said the week was mixed, with better sleep and fewer cravings.",
            "Client reported worry about family matters and two difficult evenings.",
        ),
        "objective": (
            "Alert and oriented; speech normal; affect reactive; no acute distress.",
            "Calm and cooperative; mildly anxious affect; thought process goal-directed.",
        ),
        "assessment": (
            "Symptoms improving; engaged in treatment; risk assessed as low.",
            "Symptoms stable; continues to build coping skills; no safety concerns today.",
        ),
        "plan": (
            "Continue weekly sessions and group attendance; reassess measures in 4 weeks.",
            "Practise the grounding skill daily; next session in one week.",
        ),
    },
}


def sql_array(values: Sequence[str]) -> str:
    """A ``text[]`` literal of our own constants (single quotes doubled)."""
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"ARRAY[{quoted}]::text[]"


def texts() -> dict[str, str]:
    """Every list as an array literal, by the ``:name`` statements use."""
    return {
        "given_names": sql_array(GIVEN),
        "given_folded": sql_array([fold(name) for name in GIVEN]),
        "given_sexes": sql_array(["female"] * len(FEMALE) + ["male"] * len(MALE)),
        "family_names": sql_array(FAMILY),
        "family_folded": sql_array([fold(name) for name in FAMILY]),
        "relationships": sql_array(RELATIONSHIPS),
        "streets": sql_array(STREETS),
        "cities": sql_array([city for city, _, _ in CITIES]),
        "states": sql_array([state for _, state, _ in CITIES]),
        "postal_codes": sql_array([code for _, _, code in CITIES]),
        "area_codes": sql_array(AREA_CODES),
        "payers": sql_array(PAYERS),
        "dispositions": sql_array(DISPOSITIONS),
        "cancel_reasons": sql_array(CANCEL_REASONS),
        "group_topics": sql_array(GROUP_TOPICS),
        "session_topics": sql_array(SESSION_TOPICS),
        "interventions": sql_array(INTERVENTIONS),
        "group_process": sql_array(GROUP_PROCESS),
        "participation": sql_array(PARTICIPATION),
        "affects": sql_array(AFFECTS),
        "behaviours": sql_array(BEHAVIOURS),
        "narrative_openings": sql_array(NARRATIVE_OPENINGS),
        "narrative_closings": sql_array(NARRATIVE_CLOSINGS),
        "allergy_substances": sql_array([substance for substance, _, _ in ALLERGIES]),
        "allergy_reactions": sql_array([reaction for _, reaction, _ in ALLERGIES]),
        "allergy_severities": sql_array([severity for _, _, severity in ALLERGIES]),
        "other_med_names": sql_array([name for name, _, _ in OTHER_MEDICATIONS]),
        "other_med_strengths": sql_array([strength for _, strength, _ in OTHER_MEDICATIONS]),
        "other_med_forms": sql_array([form for _, _, form in OTHER_MEDICATIONS]),
    }
