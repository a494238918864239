"""Common behavioral-health ICD-10-CM codes (F and Z chapters) offered in diagnosis search.
Any well-formed code is accepted; this list only speeds up picking the usual ones."""

COMMON_CODES: dict[str, str] = {
    "F10.10": "Alcohol abuse, uncomplicated",
    "F10.20": "Alcohol dependence, uncomplicated",
    "F10.21": "Alcohol dependence, in remission",
    "F10.230": "Alcohol dependence with withdrawal, uncomplicated",
    "F11.10": "Opioid abuse, uncomplicated",
    "F11.20": "Opioid dependence, uncomplicated",
    "F11.21": "Opioid dependence, in remission",
    "F11.23": "Opioid dependence with withdrawal",
    "F12.10": "Cannabis abuse, uncomplicated",
    "F12.20": "Cannabis dependence, uncomplicated",
    "F13.20": "Sedative, hypnotic or anxiolytic dependence, uncomplicated",
    "F14.10": "Cocaine abuse, uncomplicated",
    "F14.20": "Cocaine dependence, uncomplicated",
    "F15.20": "Other stimulant dependence, uncomplicated",
    "F17.210": "Nicotine dependence, cigarettes, uncomplicated",
    "F19.20": "Other psychoactive substance dependence, uncomplicated",
    "F20.9": "Schizophrenia, unspecified",
    "F25.0": "Schizoaffective disorder, bipolar type",
    "F31.81": "Bipolar II disorder",
    "F31.9": "Bipolar disorder, unspecified",
    "F32.0": "Major depressive disorder, single episode, mild",
    "F32.1": "Major depressive disorder, single episode, moderate",
    "F32.2": "Major depressive disorder, single episode, severe without psychotic features",
    "F32.9": "Major depressive disorder, single episode, unspecified",
    "F33.0": "Major depressive disorder, recurrent, mild",
    "F33.1": "Major depressive disorder, recurrent, moderate",
    "F33.2": "Major depressive disorder, recurrent severe without psychotic features",
    "F33.41": "Major depressive disorder, recurrent, in partial remission",
    "F34.1": "Dysthymic disorder",
    "F40.10": "Social phobia, unspecified",
    "F41.0": "Panic disorder without agoraphobia",
    "F41.1": "Generalized anxiety disorder",
    "F41.9": "Anxiety disorder, unspecified",
    "F42.2": "Mixed obsessional thoughts and acts",
    "F43.10": "Post-traumatic stress disorder, unspecified",
    "F43.12": "Post-traumatic stress disorder, chronic",
    "F43.20": "Adjustment disorder, unspecified",
    "F43.23": "Adjustment disorder with mixed anxiety and depressed mood",
    "F50.00": "Anorexia nervosa, unspecified",
    "F50.2": "Bulimia nervosa",
    "F60.3": "Borderline personality disorder",
    "F63.0": "Pathological gambling",
    "F90.0": "ADHD, predominantly inattentive type",
    "F90.2": "ADHD, combined type",
    "Z00.4": "Encounter for general psychiatric examination",
    "Z59.00": "Homelessness, unspecified",
    "Z59.1": "Inadequate housing",
    "Z56.0": "Unemployment, unspecified",
    "Z60.2": "Problems related to living alone",
    "Z62.810": "Personal history of physical and sexual abuse in childhood",
    "Z63.0": "Problems in relationship with spouse or partner",
    "Z65.1": "Imprisonment and other incarceration",
    "Z65.3": "Problems related to other legal circumstances",
    "Z71.41": "Alcohol abuse counseling and surveillance of alcoholic",
    "Z71.51": "Drug abuse counseling and surveillance of drug abuser",
    "Z72.0": "Tobacco use",
    "Z91.19": "Patient's noncompliance with other medical treatment and regimen",
    "Z91.5": "Personal history of self-harm",
    "Z91.89": "Other specified personal risk factors",
}


def search(query: str, limit: int = 20) -> list[tuple[str, str]]:
    """Codes whose code or description contains every word of ``query``."""
    words = query.lower().split()
    hits = [
        (code, text)
        for code, text in COMMON_CODES.items()
        if all(w in code.lower() or w in text.lower() for w in words)
    ]
    return sorted(hits)[:limit]
