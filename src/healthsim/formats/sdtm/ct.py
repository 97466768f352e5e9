"""The subset of CDISC Controlled Terminology the SDTM export uses.

Values from CDISC SDTM Controlled Terminology, package 2024-03-29 (NCI EVS; written from the
published codelists, the subset HealthSim emits). The conformance check reads them too, so a
value outside a codelist is caught wherever it comes from.
"""

from __future__ import annotations

CT_VERSION = "SDTM CT 2024-03-29"

SEX = {"F", "M", "U"}
RACE = {"AMERICAN INDIAN OR ALASKA NATIVE", "ASIAN", "BLACK OR AFRICAN AMERICAN",
        "NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER", "WHITE", "MULTIPLE", "OTHER", "UNKNOWN", "NOT REPORTED"}
ETHNIC = {"HISPANIC OR LATINO", "NOT HISPANIC OR LATINO", "NOT REPORTED", "UNKNOWN"}
NY = {"N", "Y"}
AESEV = {"MILD", "MODERATE", "SEVERE"}
AEREL = {"RELATED", "NOT RELATED"}  # sponsor-defined in SDTMIG; HealthSim uses these two
AEOUT = {"FATAL", "NOT RECOVERED/NOT RESOLVED", "RECOVERED/RESOLVED", "RECOVERED/RESOLVED WITH SEQUELAE",
         "RECOVERING/RESOLVING", "UNKNOWN"}
ACN = {"DOSE INCREASED", "DOSE NOT CHANGED", "DOSE RATE REDUCED", "DOSE REDUCED", "DRUG INTERRUPTED",
       "DRUG WITHDRAWN", "NOT APPLICABLE", "UNKNOWN"}
NCOMPLT = {"ADVERSE EVENT", "COMPLETED", "DEATH", "LACK OF EFFICACY", "LOST TO FOLLOW-UP", "PROGRESSIVE DISEASE",
           "SCREEN FAILURE", "WITHDRAWAL BY SUBJECT", "PHYSICIAN DECISION", "PROTOCOL DEVIATION"}
PROTMLST = {"INFORMED CONSENT OBTAINED", "RANDOMIZED"}
DSCAT = {"DISPOSITION EVENT", "PROTOCOL MILESTONE", "OTHER EVENT"}
EPOCH = {"SCREENING", "TREATMENT", "FOLLOW-UP"}
ROUTE = {"ORAL", "SUBCUTANEOUS", "INTRAVENOUS", "INTRAMUSCULAR", "TRANSDERMAL", "INHALATION", "TOPICAL",
         "NASAL", "OPHTHALMIC", "RECTAL", "SUBLINGUAL", "VAGINAL", "OTHER"}
FREQ = {"QD", "BID", "TID", "QID", "QW", "Q2W", "Q3W", "Q4W", "ONCE", "PRN", "QOD", "QHS", "Q6H", "Q8H", "Q12H",
        "QM", "UNKNOWN"}
VSTESTCD = {"SYSBP", "DIABP", "PULSE", "WEIGHT", "HEIGHT", "TEMP"}
QSTESTCD = {"EQ5D0201", "EQ5D0202", "EQ5D0203", "EQ5D0204", "EQ5D0205", "EQ5D0206"}  # EQ-5D-5L (from memory)
QSCAT = {"EQ-5D-5L"}
TUTESTCD = {"TUMIDENT"}
TRTESTCD = {"LDIAM"}
RSTESTCD = {"OVRLRESP"}
RECIST_RESPONSE = {"CR", "PR", "SD", "PD", "NE"}  # RECIST 1.1 overall response (codelist OVRLRESP)
METHOD = {"CT SCAN", "MRI", "X-RAY", "PET SCAN"}
TULOC = {"LUNG", "LYMPH NODE", "LIVER", "ADRENAL GLAND", "PLEURA", "BONE", "BRAIN"}
EGTESTCD = {"EGHRMN", "PRAG", "QRSAG", "QTAG", "QTCFAG"}
LBTESTCD = {"HBA1C", "EGFR", "GLUC", "CREAT", "ALT", "HGB", "NEUT", "PLAT"}
UNIT = {"%", "mg/dL", "mL/min/1.73m2", "U/L", "g/dL", "10^9/L", "mmHg", "beats/min", "kg", "cm", "C", "mg",
        "mg/m2", "YEARS", "ug", "mL", "g", "IU", "TABLET", "CAPSULE", "msec", "mm"}
NRIND = {"NORMAL", "LOW", "HIGH", "ABNORMAL"}
TPHASE = {"PHASE I TRIAL", "PHASE II TRIAL", "PHASE II/III TRIAL", "PHASE III TRIAL", "PHASE IV TRIAL"}
IECAT = {"INCLUSION", "EXCLUSION"}
AGEU = {"YEARS"}

# variable -> codelist, as the conformance check applies them
CODELISTS = {
    "SEX": SEX, "RACE": RACE, "ETHNIC": ETHNIC, "AGEU": AGEU, "DTHFL": NY | {""},
    "AESEV": AESEV, "AESER": NY, "AEREL": AEREL, "AEOUT": AEOUT, "AEACN": ACN, "AESDTH": NY,
    "VSTESTCD": VSTESTCD, "VSORRESU": UNIT, "VSSTRESU": UNIT, "VSBLFL": {"Y", ""},
    "QSTESTCD": QSTESTCD, "QSCAT": QSCAT, "QSBLFL": {"Y", ""},
    "TUTESTCD": TUTESTCD, "TUSTRESC": {"TARGET", "NON-TARGET", "NEW"}, "TUMETHOD": METHOD, "TULOC": TULOC,
    "TRTESTCD": TRTESTCD, "TRORRESU": UNIT, "TRSTRESU": UNIT, "TRMETHOD": METHOD,
    "RSTESTCD": RSTESTCD, "RSSTRESC": RECIST_RESPONSE,
    "EGTESTCD": EGTESTCD, "EGORRESU": UNIT, "EGSTRESU": UNIT, "EGBLFL": {"Y", ""},
    "LBTESTCD": LBTESTCD, "LBORRESU": UNIT, "LBSTRESU": UNIT, "LBBLFL": {"Y", ""}, "LBNRIND": NRIND | {""},
    "EXROUTE": ROUTE, "EXDOSFRQ": FREQ, "EXDOSU": UNIT, "CMROUTE": ROUTE | {""},
    "DSCAT": DSCAT, "EPOCH": EPOCH, "IECAT": IECAT,
}

RACE_FROM = {
    "white": "WHITE", "black": "BLACK OR AFRICAN AMERICAN", "asian": "ASIAN",
    "american_indian_or_alaska_native": "AMERICAN INDIAN OR ALASKA NATIVE",
    "native_hawaiian_or_pacific_islander": "NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER", "other": "OTHER",
    "two_or_more": "MULTIPLE",
}
ETHNIC_FROM = {"hispanic": "HISPANIC OR LATINO", "not_hispanic": "NOT HISPANIC OR LATINO"}
ROUTE_FROM = {"oral": "ORAL", "subcutaneous": "SUBCUTANEOUS", "intravenous": "INTRAVENOUS",
              "intramuscular": "INTRAMUSCULAR", "transdermal": "TRANSDERMAL", "inhalation": "INHALATION",
              "topical": "TOPICAL", "nasal": "NASAL", "ophthalmic": "OPHTHALMIC", "rectal": "RECTAL",
              "sublingual": "SUBLINGUAL", "vaginal": "VAGINAL"}
