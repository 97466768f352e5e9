"""PatientSim tables made by the journey executor: the provider's EMR view of each journey.

Identifiers are BIGINT `person_id * 1,000,000 + n`, where n numbers a person's
rows of that table in time order: unique in a cohort, stable for a seed, and
readable (encounter 4200000003 is person 4200's third visit). provider_id and
facility_id are left empty here: NetworkSim fills them from `specialty` and
`facility_type`.
"""

from __future__ import annotations

import pyarrow as pa

from healthsim.canonical.table import Column as C
from healthsim.canonical.table import table

S, D, I64, I32, F64, B, TS = (pa.string(), pa.date32(), pa.int64(), pa.int32(), pa.float64(), pa.bool_(),
                              pa.timestamp("s"))
P = "patientsim"

ENCOUNTERS = table("encounters", "One row per visit or stay made by a journey.", [
    C("encounter_id", I64, "Encounter key (person_id * 1e6 + visit number).", False),
    C("person_id", I64, "The patient.", False),
    C("journey", S, "Journey that made it (journey_name)."),
    C("journey_event", S, "Event id in the journey spec, e.g. diagnosis_visit."),
    C("type", S, "Setting: office, telehealth, urgent_care, emergency, inpatient, observation, outpatient_surgery, "
                 "ambulatory_surgery, home, lab, therapy, dialysis, snf (a skilled nursing stay), home_health (a "
                 "30-day period), hospice (a month of care) or dme (equipment and supplies).", False),
    C("encounter_class", S, "FHIR/HL7 v3 ActCode class: AMB, EMER, IMP, OBSENC, VR, HH or NONAC (skilled nursing)."),
    C("patient_class", S, "HL7 v2 PV1-2 patient class: O (outpatient), E (emergency), I (inpatient)."),
    C("status", S, "'finished'."),
    C("start_time", TS, "Arrival / admission time (local, no zone).", False),
    C("end_time", TS, "Departure / discharge time; after start_time.", False),
    C("admit_date", D, "Inpatient/observation admission date (null otherwise)."),
    C("discharge_date", D, "Inpatient/observation discharge date, on or after admit_date (null otherwise)."),
    C("length_of_stay", I32, "Inpatient/observation nights (discharge_date - admit_date)."),
    C("admission_type", S, "Inpatient: emergency, urgent, elective or labor (UB-04 FL14 / HL7 PV1-4)."),
    C("admitted_from_encounter_id", I64, "The ED encounter an admission came from."),
    C("discharge_disposition", S, "UB-04 patient status (FL17): 01 home, 03 SNF, 06 home health, 20 expired..."),
    C("place_of_service", S, "CMS place of service code (11 office, 23 ED, 21 inpatient...)."),
    C("em_code", S, "CPT/HCPCS evaluation and management (or preventive) code billed for the visit."),
    C("new_patient", B, "Whether the E/M is a new-patient visit."),
    C("specialty", S, "Specialty of the rendering clinician (NetworkSim matches a provider)."),
    C("facility_type", S, "clinic, hospital, asc, urgent_care, laboratory, virtual, home, dialysis, snf, home_health, "
                          "hospice or dme."),
    C("provider_id", I64, "Rendering provider (providers.provider_id, filled by NetworkSim: the attributed "
                          "PCP for primary care; null for a lab draw)."),
    C("facility_id", I64, "Facility (facilities.facility_id, filled by NetworkSim; null for office, "
                          "telehealth and home visits)."),
    C("reason_code", S, "ICD-10-CM reason for the visit (the principal diagnosis)."),
], key=("encounter_id",), product=P)

DIAGNOSES = table("diagnoses", "Diagnoses coded at each encounter (ICD-10-CM), ranked.", [
    C("encounter_id", I64, "The encounter.", False),
    C("person_id", I64, "The patient.", False),
    C("code", S, "ICD-10-CM code with the dot; valid for the patient's sex and age.", False),
    C("description", S, "ICD-10-CM description."),
    C("rank", I32, "1 = principal/first-listed, then secondary diagnoses in order.", False),
    C("present_on_admission", S, "Inpatient only: Y (present on admission) or N."),
    C("diagnosis_date", D, "Date of the encounter."),
], key=("encounter_id", "rank"), product=P)

PROCEDURES = table("procedures", "Procedures performed (CPT/HCPCS for professional and outpatient, ICD-10-PCS "
                   "for inpatient), including inpatient daily visits and discharge management.", [
    C("procedure_id", I64, "Procedure key (person_id * 1e6 + n).", False),
    C("encounter_id", I64, "The encounter.", False),
    C("person_id", I64, "The patient.", False),
    C("code", S, "The code.", False),
    C("code_system", S, "CPT, HCPCS or ICD-10-PCS.", False),
    C("description", S, "Label (HealthSim's own for CPT; official for HCPCS and ICD-10-PCS)."),
    C("date", D, "Date performed, within the encounter.", False),
    C("units", I32, "Units of service."),
    C("modifier", S, "CPT/HCPCS modifier (e.g. RT, LT, 95)."),
], key=("procedure_id",), product=P)

LAB_ORDERS = table("lab_orders", "Lab orders: what was ordered at an encounter, collected and resulted when.", [
    C("order_id", I64, "Order key (person_id * 1e6 + n); observations refer to it.", False),
    C("encounter_id", I64, "The ordering encounter.", False),
    C("person_id", I64, "The patient.", False),
    C("panel", S, "HealthSim panel key (a1c, bmp, lipid, cbc...)."),
    C("loinc", S, "LOINC of the ordered panel or test.", False),
    C("display", S, "LOINC long common name."),
    C("cpt_codes", S, "CPT codes billed for it, space-separated (e.g. '82043 82570')."),
    C("ordered_time", TS, "When ordered.", False),
    C("collected_time", TS, "Specimen collection, at or after ordered_time.", False),
    C("resulted_time", TS, "Result released, after collected_time.", False),
    C("status", S, "'final'."),
], key=("order_id",), product=P)

OBSERVATIONS = table("observations", "Lab results, vital signs and survey scores (LOINC), one row per value.", [
    C("observation_id", I64, "Observation key (person_id * 1e6 + n).", False),
    C("encounter_id", I64, "The encounter.", False),
    C("order_id", I64, "The lab order (null for vitals and surveys)."),
    C("person_id", I64, "The patient.", False),
    C("category", S, "laboratory, vital-signs or survey (FHIR observation-category).", False),
    C("loinc", S, "LOINC code.", False),
    C("display", S, "LOINC long common name."),
    C("value", F64, "Numeric value (null for coded results)."),
    C("value_text", S, "Coded result (e.g. 'Negative', 'O Pos'); null for numeric ones."),
    C("unit", S, "UCUM unit."),
    C("ref_low", F64, "Reference interval low (sex-specific where it differs)."),
    C("ref_high", F64, "Reference interval high."),
    C("abnormal_flag", S, "HL7 table 0078: N, L, H, LL, HH (critical), A (abnormal coded); null for vitals."),
    C("time", TS, "Effective time (specimen collection or measurement).", False),
    C("issued_time", TS, "When the result was released (labs: after the order's collection)."),
], key=("observation_id",), product=P)

MEDICATION_ORDERS = table("medication_orders", "Medication orders (prescriptions) with RxNorm codes.", [
    C("order_id", I64, "Order key (person_id * 1e6 + n).", False),
    C("encounter_id", I64, "Ordering encounter (null for renewals outside a visit)."),
    C("person_id", I64, "The patient.", False),
    C("journey_event", S, "Medication id or event id in the journey spec (e.g. metformin_start)."),
    C("rxnorm", S, "RxNorm RXCUI (clinical or branded drug); null only for an investigational product "
                   "(a trial's study drug or placebo: drug_class 'investigational product', journey_event "
                   "'trial <study_id>'), which has no RxNorm concept."),
    C("drug_name", S, "RxNorm normalised name."),
    C("ingredient", S, "Active ingredient(s)."),
    C("drug_class", S, "Therapeutic class label (biguanide, statin...)."),
    C("generic", B, "True for a multi-source generic, False for a brand."),
    C("dose", F64, "Dose per administration."),
    C("dose_unit", S, "UCUM unit of the dose."),
    C("route", S, "oral, subcutaneous, intravenous, inhalation..."),
    C("frequency", S, "QD, BID, TID, QHS, Q6H PRN..."),
    C("sig", S, "Directions as written, e.g. '500 mg oral BID'."),
    C("quantity", F64, "Quantity per fill, in quantity_unit."),
    C("quantity_unit", S, "tablet, capsule, mL, pen, syringe, inhaler."),
    C("days_supply", I32, "Days per fill.", False),
    C("refills", I32, "Refills authorised.", False),
    C("authored_time", TS, "When the order was written.", False),
    C("start_date", D, "First day of therapy.", False),
    C("end_date", D, "Last day covered by the fill and all refills (or the stop date)."),
    C("stop_date", D, "Day the drug was stopped (a stop rule such as eGFR < 30 for metformin, a pregnancy, "
                      "death); null when the order runs its course."),
    C("status", S, "'stopped' if stopped by as_of, 'active' if end_date is after as_of, else 'completed'."),
], key=("order_id",), product=P)

REFERRALS = table("referrals", "Referrals to another specialty.", [
    C("referral_id", I64, "Referral key (person_id * 1e6 + n).", False),
    C("encounter_id", I64, "Referring encounter (null for referrals outside a visit)."),
    C("person_id", I64, "The patient.", False),
    C("referral_date", D, "Date written.", False),
    C("from_specialty", S, "Referring specialty."),
    C("to_specialty", S, "Specialty referred to.", False),
    C("reason_code", S, "ICD-10-CM reason."),
], key=("referral_id",), product=P)

MEMBER_EVENTS = table("member_events", "Non-clinical journey events: enrollment add/term, outreach, health risk "
                      "assessment, PCP selection, care management.", [
    C("event_id", I64, "Event key (person_id * 1e6 + n).", False),
    C("person_id", I64, "The member.", False),
    C("journey", S, "Journey that made it."),
    C("journey_event", S, "Event id in the journey spec."),
    C("event_type", S, "enrollment_add, enrollment_term, welcome_outreach, health_risk_assessment, pcp_selection...",
      False),
    C("event_date", D, "Date.", False),
    C("outcome", S, "Outcome label drawn from the spec (e.g. reached, voicemail), if any."),
], key=("event_id",), product="membersim")

JOURNEY_STATES = table("journey_states", "Lifecycle journeys: each stay of a member in a state.", [
    C("person_id", I64, "The patient.", False),
    C("journey", S, "Journey name.", False),
    C("state", S, "State name from the spec.", False),
    C("start_date", D, "Day the state was entered.", False),
    C("end_date", D, "Last day in the state (the journey's end, or death, if never left)."),
], key=("person_id", "journey", "start_date", "state"), product=P)

DEATHS = table("deaths", "Deaths in the window, from the member state (SSA life table x condition hazards).", [
    C("person_id", I64, "The person.", False),
    C("death_date", D, "Date of death: after birth; nothing but claims for earlier services follows it.", False),
    C("cause_code", S, "ICD-10-CM underlying cause: one of the member's conditions or a general cause."),
    C("journey", S, "Lifecycle journey whose death state the member entered, if any."),
    C("in_hospital", B, "True when the member died as a hospital inpatient (the stay ends with status 20)."),
], key=("person_id",), product=P)
