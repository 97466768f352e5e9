"""SDTMIG 3.4 variables of each domain HealthSim writes: name, label, type, core.

Order is the SDTMIG order; labels are the SDTMIG labels (<= 40 characters); core is Req
(required: present and never null), Exp (expected: present) or Perm (permissible).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Var:
    name: str
    label: str
    type: str  # Char or Num
    core: str  # Req, Exp, Perm


def _v(spec: str) -> list[Var]:
    out = []
    for line in (x for x in spec.strip().splitlines() if x.strip()):
        name, label, typ, core = (x.strip() for x in line.split("|"))
        out.append(Var(name, label, typ, core))
    return out


ID = """
STUDYID|Study Identifier|Char|Req
DOMAIN|Domain Abbreviation|Char|Req
USUBJID|Unique Subject Identifier|Char|Req
"""

DOMAINS: dict[str, tuple[str, list[Var]]] = {
    "DM": ("Demographics", _v(ID + """
SUBJID|Subject Identifier for the Study|Char|Req
RFSTDTC|Subject Reference Start Date/Time|Char|Exp
RFENDTC|Subject Reference End Date/Time|Char|Exp
RFXSTDTC|Date/Time of First Study Treatment|Char|Exp
RFXENDTC|Date/Time of Last Study Treatment|Char|Exp
RFICDTC|Date/Time of Informed Consent|Char|Exp
RFPENDTC|Date/Time of End of Participation|Char|Exp
DTHDTC|Date/Time of Death|Char|Exp
DTHFL|Subject Death Flag|Char|Exp
SITEID|Study Site Identifier|Char|Req
BRTHDTC|Date/Time of Birth|Char|Perm
AGE|Age|Num|Exp
AGEU|Age Units|Char|Exp
SEX|Sex|Char|Req
RACE|Race|Char|Exp
ETHNIC|Ethnicity|Char|Perm
ARMCD|Planned Arm Code|Char|Exp
ARM|Description of Planned Arm|Char|Exp
ACTARMCD|Actual Arm Code|Char|Exp
ACTARM|Description of Actual Arm|Char|Exp
ARMNRS|Reason Arm and/or Actual Arm is Null|Char|Exp
COUNTRY|Country|Char|Req
""")),
    "AE": ("Adverse Events", _v(ID + """
AESEQ|Sequence Number|Num|Req
AETERM|Reported Term for the Adverse Event|Char|Req
AEDECOD|Dictionary-Derived Term|Char|Req
AEBODSYS|Body System or Organ Class|Char|Exp
AESEV|Severity/Intensity|Char|Perm
AESER|Serious Event|Char|Exp
AEACN|Action Taken with Study Treatment|Char|Exp
AEREL|Causality|Char|Exp
AEOUT|Outcome of Adverse Event|Char|Perm
AESDTH|Results in Death|Char|Perm
AETOXGR|Standard Toxicity Grade|Char|Perm
EPOCH|Epoch|Char|Perm
AESTDTC|Start Date/Time of Adverse Event|Char|Exp
AEENDTC|End Date/Time of Adverse Event|Char|Exp
AESTDY|Study Day of Start of Adverse Event|Num|Perm
AEENDY|Study Day of End of Adverse Event|Num|Perm
""")),
    "VS": ("Vital Signs", _v(ID + """
VSSEQ|Sequence Number|Num|Req
VSTESTCD|Vital Signs Test Short Name|Char|Req
VSTEST|Vital Signs Test Name|Char|Req
VSORRES|Result or Finding in Original Units|Char|Exp
VSORRESU|Original Units|Char|Exp
VSSTRESC|Character Result/Finding in Std Format|Char|Exp
VSSTRESN|Numeric Result/Finding in Standard Units|Num|Exp
VSSTRESU|Standard Units|Char|Exp
VSBLFL|Baseline Flag|Char|Exp
VISITNUM|Visit Number|Num|Exp
VISIT|Visit Name|Char|Perm
VSDTC|Date/Time of Measurements|Char|Exp
VSDY|Study Day of Vital Signs|Num|Perm
""")),
    "LB": ("Laboratory Test Results", _v(ID + """
LBSEQ|Sequence Number|Num|Req
LBTESTCD|Lab Test or Examination Short Name|Char|Req
LBTEST|Lab Test or Examination Name|Char|Req
LBLOINC|LOINC Code|Char|Perm
LBORRES|Result or Finding in Original Units|Char|Exp
LBORRESU|Original Units|Char|Exp
LBORNRLO|Reference Range Lower Limit in Orig Unit|Char|Exp
LBORNRHI|Reference Range Upper Limit in Orig Unit|Char|Exp
LBSTRESC|Character Result/Finding in Std Format|Char|Exp
LBSTRESN|Numeric Result/Finding in Standard Units|Num|Exp
LBSTRESU|Standard Units|Char|Exp
LBNRIND|Reference Range Indicator|Char|Exp
LBBLFL|Baseline Flag|Char|Exp
VISITNUM|Visit Number|Num|Exp
VISIT|Visit Name|Char|Perm
LBDTC|Date/Time of Specimen Collection|Char|Exp
LBDY|Study Day of Specimen Collection|Num|Perm
""")),
    "EG": ("ECG Test Results", _v(ID + """
EGSEQ|Sequence Number|Num|Req
EGTESTCD|ECG Test or Examination Short Name|Char|Req
EGTEST|ECG Test or Examination Name|Char|Req
EGORRES|Result or Finding in Original Units|Char|Exp
EGORRESU|Original Units|Char|Exp
EGSTRESC|Character Result/Finding in Std Format|Char|Exp
EGSTRESN|Numeric Result/Finding in Standard Units|Num|Exp
EGSTRESU|Standard Units|Char|Exp
EGBLFL|Baseline Flag|Char|Exp
VISITNUM|Visit Number|Num|Exp
VISIT|Visit Name|Char|Perm
EGDTC|Date/Time of ECG|Char|Exp
EGDY|Study Day of ECG|Num|Perm
""")),
    "QS": ("Questionnaires", _v(ID + """
QSSEQ|Sequence Number|Num|Req
QSTESTCD|Question Short Name|Char|Req
QSTEST|Question Name|Char|Req
QSCAT|Category of Question|Char|Req
QSORRES|Finding in Original Units|Char|Exp
QSSTRESC|Character Result/Finding in Std Format|Char|Exp
QSSTRESN|Numeric Finding in Standard Units|Num|Exp
QSBLFL|Baseline Flag|Char|Exp
VISITNUM|Visit Number|Num|Exp
VISIT|Visit Name|Char|Perm
QSDTC|Date/Time of Finding|Char|Exp
QSDY|Study Day of Finding|Num|Perm
""")),
    "TU": ("Tumor/Lesion Identification", _v(ID + """
TUSEQ|Sequence Number|Num|Req
TULNKID|Link ID|Char|Exp
TUTESTCD|Tumor/Lesion ID Short Name|Char|Req
TUTEST|Tumor/Lesion ID Test Name|Char|Req
TUORRES|Tumor/Lesion ID Result|Char|Exp
TUSTRESC|Tumor/Lesion ID Result Std. Format|Char|Exp
TULOC|Location of the Tumor/Lesion|Char|Exp
TUMETHOD|Method of Identification|Char|Exp
VISITNUM|Visit Number|Num|Exp
VISIT|Visit Name|Char|Perm
TUDTC|Date/Time of Tumor/Lesion Identification|Char|Exp
TUDY|Study Day of Tumor/Lesion Identification|Num|Perm
""")),
    "TR": ("Tumor/Lesion Results", _v(ID + """
TRSEQ|Sequence Number|Num|Req
TRLNKID|Link ID|Char|Exp
TRTESTCD|Tumor/Lesion Assessment Short Name|Char|Req
TRTEST|Tumor/Lesion Assessment Test Name|Char|Req
TRORRES|Result or Finding in Original Units|Char|Exp
TRORRESU|Original Units|Char|Exp
TRSTRESC|Character Result/Finding in Std Format|Char|Exp
TRSTRESN|Numeric Result/Finding in Standard Units|Num|Exp
TRSTRESU|Standard Units|Char|Exp
TRMETHOD|Method Used to Identify the Tumor/Lesion|Char|Exp
VISITNUM|Visit Number|Num|Exp
VISIT|Visit Name|Char|Perm
TRDTC|Date/Time of Tumor/Lesion Measurement|Char|Exp
TRDY|Study Day of Tumor/Lesion Measurement|Num|Perm
""")),
    "RS": ("Disease Response and Clin Classification", _v(ID + """
RSSEQ|Sequence Number|Num|Req
RSTESTCD|Assessment Short Name|Char|Req
RSTEST|Assessment Name|Char|Req
RSCAT|Category for Assessment|Char|Exp
RSORRES|Result or Finding in Original Units|Char|Exp
RSSTRESC|Character Result/Finding in Std Format|Char|Exp
VISITNUM|Visit Number|Num|Exp
VISIT|Visit Name|Char|Perm
RSDTC|Date/Time of Assessment|Char|Exp
RSDY|Study Day of Assessment|Num|Perm
""")),
    "CM": ("Concomitant/Prior Medications", _v(ID + """
CMSEQ|Sequence Number|Num|Req
CMTRT|Reported Name of Drug, Med, or Therapy|Char|Req
CMDECOD|Standardized Medication Name|Char|Perm
CMCLAS|Medication Class|Char|Perm
CMDOSE|Dose per Administration|Num|Perm
CMDOSU|Dose Units|Char|Perm
CMDOSFRQ|Dosing Frequency per Interval|Char|Perm
CMROUTE|Route of Administration|Char|Perm
CMSTDTC|Start Date/Time of Medication|Char|Perm
CMENDTC|End Date/Time of Medication|Char|Perm
CMSTDY|Study Day of Start of Medication|Num|Perm
""")),
    "EX": ("Exposure", _v(ID + """
EXSEQ|Sequence Number|Num|Req
EXTRT|Name of Treatment|Char|Req
EXDOSE|Dose|Num|Exp
EXDOSU|Dose Units|Char|Exp
EXDOSFRQ|Dosing Frequency per Interval|Char|Perm
EXROUTE|Route of Administration|Char|Perm
EXADJ|Reason for Dose Adjustment|Char|Perm
EPOCH|Epoch|Char|Perm
EXSTDTC|Start Date/Time of Treatment|Char|Exp
EXENDTC|End Date/Time of Treatment|Char|Perm
EXSTDY|Study Day of Start of Treatment|Num|Perm
EXENDY|Study Day of End of Treatment|Num|Perm
""")),
    "DS": ("Disposition", _v(ID + """
DSSEQ|Sequence Number|Num|Req
DSTERM|Reported Term for the Disposition Event|Char|Req
DSDECOD|Standardized Disposition Term|Char|Req
DSCAT|Category for Disposition Event|Char|Exp
EPOCH|Epoch|Char|Perm
DSSTDTC|Start Date/Time of Disposition Event|Char|Exp
DSSTDY|Study Day of Start of Disposition Event|Num|Perm
""")),
    "MH": ("Medical History", _v(ID + """
MHSEQ|Sequence Number|Num|Req
MHTERM|Reported Term for the Medical History|Char|Req
MHDECOD|Dictionary-Derived Term|Char|Perm
MHCAT|Category for Medical History|Char|Perm
MHSTDTC|Start Date/Time of Medical History Event|Char|Perm
MHENRTPT|End Relative to Reference Time Point|Char|Perm
MHENTPT|End Reference Time Point|Char|Perm
""")),
    "SV": ("Subject Visits", _v(ID + """
VISITNUM|Visit Number|Num|Req
VISIT|Visit Name|Char|Perm
VISITDY|Planned Study Day of Visit|Num|Perm
SVSTDTC|Start Date/Time of Visit|Char|Exp
SVENDTC|End Date/Time of Visit|Char|Exp
SVSTDY|Study Day of Start of Visit|Num|Perm
SVENDY|Study Day of End of Visit|Num|Perm
""")),
    "DV": ("Protocol Deviations", _v(ID + """
DVSEQ|Sequence Number|Num|Req
DVTERM|Protocol Deviation Term|Char|Req
DVCAT|Category for Protocol Deviation|Char|Perm
DVSTDTC|Start Date/Time of Deviation|Char|Perm
""")),
    "TA": ("Trial Arms", _v("""
STUDYID|Study Identifier|Char|Req
DOMAIN|Domain Abbreviation|Char|Req
ARMCD|Planned Arm Code|Char|Req
ARM|Description of Planned Arm|Char|Req
TAETORD|Planned Order of Element within Arm|Num|Req
ETCD|Element Code|Char|Req
ELEMENT|Description of Element|Char|Perm
EPOCH|Epoch|Char|Req
""")),
    "TE": ("Trial Elements", _v("""
STUDYID|Study Identifier|Char|Req
DOMAIN|Domain Abbreviation|Char|Req
ETCD|Element Code|Char|Req
ELEMENT|Description of Element|Char|Req
TESTRL|Rule for Start of Element|Char|Req
TEENRL|Rule for End of Element|Char|Perm
TEDUR|Planned Duration of Element|Char|Perm
""")),
    "TV": ("Trial Visits", _v("""
STUDYID|Study Identifier|Char|Req
DOMAIN|Domain Abbreviation|Char|Req
VISITNUM|Visit Number|Num|Req
VISIT|Visit Name|Char|Perm
VISITDY|Planned Study Day of Visit|Num|Perm
TVSTRL|Visit Start Rule|Char|Req
TVENRL|Visit End Rule|Char|Perm
""")),
    "TI": ("Trial Inclusion/Exclusion Criteria", _v("""
STUDYID|Study Identifier|Char|Req
DOMAIN|Domain Abbreviation|Char|Req
IETESTCD|Incl/Excl Criterion Short Name|Char|Req
IETEST|Inclusion/Exclusion Criterion|Char|Req
IECAT|Inclusion/Exclusion Category|Char|Req
""")),
    "TS": ("Trial Summary", _v("""
STUDYID|Study Identifier|Char|Req
DOMAIN|Domain Abbreviation|Char|Req
TSSEQ|Sequence Number|Num|Req
TSPARMCD|Trial Summary Parameter Short Name|Char|Req
TSPARM|Trial Summary Parameter|Char|Req
TSVAL|Parameter Value|Char|Exp
""")),
}

# written only when the protocol's schedule produces them (a visit naming "ecg" for EG, "eq5d" for QS,
# "tumour" for TU, TR and RS)
OPTIONAL = {"EG", "QS", "TU", "TR", "RS"}
