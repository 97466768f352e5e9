"""C-CDA R2.1 template identifiers and section codes used by the CCD writer and its checker.

From the HL7 C-CDA R2.1 implementation guide (Companion Guide / templates
"2015-08-01" release, with the entry templates it carries over from 2014-06-09).
Each section: its templateId (root, extension), LOINC section code and title, and
the entry template every entry of the section uses.
"""

from __future__ import annotations

from dataclasses import dataclass

LOINC = "2.16.840.1.113883.6.1"
SNOMED = "2.16.840.1.113883.6.96"
ICD10CM = "2.16.840.1.113883.6.90"
RXNORM = "2.16.840.1.113883.6.88"
CPT = "2.16.840.1.113883.6.12"
HCPCS = "2.16.840.1.113883.6.285"
ICD10PCS = "2.16.840.1.113883.6.4"
CVX = "2.16.840.1.113883.12.292"
UCUM_NULL = "2.16.840.1.113883.5.83"  # ObservationInterpretation
CDC_RACE = "2.16.840.1.113883.6.238"
GENDER = "2.16.840.1.113883.5.1"
NPI = "2.16.840.1.113883.4.6"
ACT_STATUS = "2.16.840.1.113883.5.14"
ACT_CODE = "2.16.840.1.113883.5.4"
ROUTE = "2.16.840.1.113883.3.26.1.1"  # NCI Thesaurus (FDA route of administration)

US_REALM_HEADER = ("2.16.840.1.113883.10.20.22.1.1", "2015-08-01")
CCD = ("2.16.840.1.113883.10.20.22.1.2", "2015-08-01")
TYPE_ID = ("2.16.840.1.113883.1.3", "POCD_HD000040")
CCD_CODE = "34133-9"


@dataclass(frozen=True)
class Section:
    key: str
    template: tuple[str, str]
    code: str
    title: str
    entry: tuple[str, str]          # the entry template of the section's entries
    required: bool                  # a CCD must have it


SECTIONS = (
    Section("allergies", ("2.16.840.1.113883.10.20.22.2.6.1", "2015-08-01"), "48765-2",
            "Allergies and Adverse Reactions", ("2.16.840.1.113883.10.20.22.4.30", "2015-08-01"), True),
    Section("medications", ("2.16.840.1.113883.10.20.22.2.1.1", "2014-06-09"), "10160-0", "Medications",
            ("2.16.840.1.113883.10.20.22.4.16", "2014-06-09"), True),
    Section("problems", ("2.16.840.1.113883.10.20.22.2.5.1", "2015-08-01"), "11450-4", "Problems",
            ("2.16.840.1.113883.10.20.22.4.3", "2015-08-01"), True),
    Section("results", ("2.16.840.1.113883.10.20.22.2.3.1", "2015-08-01"), "30954-2", "Results",
            ("2.16.840.1.113883.10.20.22.4.1", "2015-08-01"), True),
    Section("vital_signs", ("2.16.840.1.113883.10.20.22.2.4.1", "2015-08-01"), "8716-3", "Vital Signs",
            ("2.16.840.1.113883.10.20.22.4.26", "2015-08-01"), True),
    Section("social_history", ("2.16.840.1.113883.10.20.22.2.17", "2015-08-01"), "29762-2", "Social History",
            ("2.16.840.1.113883.10.20.22.4.200", "2016-06-01"), True),
    Section("encounters", ("2.16.840.1.113883.10.20.22.2.22.1", "2015-08-01"), "46240-8", "Encounters",
            ("2.16.840.1.113883.10.20.22.4.49", "2015-08-01"), False),
    Section("immunizations", ("2.16.840.1.113883.10.20.22.2.2.1", "2015-08-01"), "11369-6", "Immunizations",
            ("2.16.840.1.113883.10.20.22.4.52", "2015-08-01"), False),
    Section("procedures", ("2.16.840.1.113883.10.20.22.2.7.1", "2014-06-09"), "47519-4", "Procedures",
            ("2.16.840.1.113883.10.20.22.4.14", "2014-06-09"), False),
    Section("payers", ("2.16.840.1.113883.10.20.22.2.18", "2015-08-01"), "48768-6", "Payers",
            ("2.16.840.1.113883.10.20.22.4.60", "2015-08-01"), False),
)

# entry-level templates nested inside the section entries
ALLERGY_OBSERVATION = ("2.16.840.1.113883.10.20.22.4.7", "2014-06-09")
REACTION_OBSERVATION = ("2.16.840.1.113883.10.20.22.4.9", "2014-06-09")
SEVERITY_OBSERVATION = ("2.16.840.1.113883.10.20.22.4.8", "2014-06-09")
PROBLEM_OBSERVATION = ("2.16.840.1.113883.10.20.22.4.4", "2015-08-01")
MEDICATION_INFORMATION = ("2.16.840.1.113883.10.20.22.4.23", "2014-06-09")
RESULT_OBSERVATION = ("2.16.840.1.113883.10.20.22.4.2", "2015-08-01")
VITAL_SIGN_OBSERVATION = ("2.16.840.1.113883.10.20.22.4.27", "2014-06-09")
IMMUNIZATION_MEDICATION = ("2.16.840.1.113883.10.20.22.4.54", "2014-06-09")
POLICY_ACTIVITY = ("2.16.840.1.113883.10.20.22.4.61", "2015-08-01")
PAYER_PERFORMER = ("2.16.840.1.113883.10.20.22.4.87", None)
COVERED_PARTY = ("2.16.840.1.113883.10.20.22.4.89", None)
SOPT = "2.16.840.1.113883.3.221.5"  # PHDSC Source of Payment Typology
# coverage type -> (SOPT code, display); PHDSC SOPT v9 codes (from memory of the published table)
SOPT_CODES = {
    "medicare": ("121", "Medicare FFS"),
    "medicare_advantage": ("11", "Medicare (Managed Care)"),
    "medicaid": ("2", "MEDICAID"),
    "dual": ("14", "Dual Eligibility Medicare/Medicaid Organization"),
    "commercial": ("5", "PRIVATE HEALTH INSURANCE"),
    "exchange": ("5", "PRIVATE HEALTH INSURANCE"),
}
ENCOUNTER_DIAGNOSIS = ("2.16.840.1.113883.10.20.22.4.80", "2015-08-01")
