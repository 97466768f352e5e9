"""TrialSim tables: a protocol's design (studies, arms, sites, planned visits) and what
happened to each subject (screening, randomisation, visits, exposure, findings, adverse
events, disposition, deviations).

Subjects are cohort members: `person_id` joins every row to the member's persons, conditions
and EMR rows, and the identity crosswalk carries the USUBJID (product 'trialsim') beside the MRN
and member id. Trial visits are also PatientSim encounters at the site (encounter ids
person_id * 1e6 + 900000 + visit number). The SDTM exporter (formats/sdtm) reads only these
tables plus persons, conditions and medication_orders.
"""

from __future__ import annotations

import pyarrow as pa

from healthsim.canonical.table import Column as C
from healthsim.canonical.table import table

S, D, I64, I32, F64, B = pa.string(), pa.date32(), pa.int64(), pa.int32(), pa.float64(), pa.bool_()
P = "trialsim"

STUDIES = table("studies", "The protocol a trial cohort ran: one row per study.", [
    C("study_id", S, "Study identifier (SDTM STUDYID), e.g. T2D-301.", False),
    C("title", S, "Protocol title."),
    C("phase", S, "Trial phase in CDISC CT (TPHASE): PHASE II TRIAL, PHASE III TRIAL..."),
    C("indication", S, "Indication (ICD-10-CM category codes, comma-separated)."),
    C("sponsor", S, "Sponsor name (fictional)."),
    C("planned_subjects", I32, "Subjects to randomise."),
    C("start_date", D, "First consent."),
    C("end_date", D, "Data cut-off: the last subject's last visit, or the cohort's as_of."),
    C("protocol", S, "The protocol spec as JSON (what `healthsim schema trial` describes)."),
], key=("study_id",), product=P)

TRIAL_ARMS = table("trial_arms", "Arms of the study (SDTM TA/TE): planned ratio and treatment.", [
    C("study_id", S, "Study.", False),
    C("armcd", S, "Arm code (ARMCD, <= 20 characters).", False),
    C("arm", S, "Arm description (ARM)."),
    C("ratio", I32, "Planned allocation weight (e.g. 2 in a 2:1 design)."),
    C("treatment", S, "Study treatment: drug name, placebo or comparator."),
    C("dose", F64, "Dose per administration."),
    C("dose_unit", S, "Dose unit (CDISC UNIT: mg, mg/m2...)."),
    C("route", S, "Route (CDISC ROUTE: ORAL, SUBCUTANEOUS, INTRAVENOUS)."),
    C("frequency", S, "Dosing frequency (CDISC FREQ: QD, BID, QW, Q3W)."),
], key=("study_id", "armcd"), product=P)

TRIAL_SITES = table("trial_sites", "Investigational sites: a network facility each.", [
    C("study_id", S, "Study.", False),
    C("site_id", S, "Site number (SITEID), e.g. 001.", False),
    C("facility_id", I64, "The facility (facilities.facility_id) where site visits take place."),
    C("name", S, "Site (facility) name."),
    C("state", S, "USPS state of the site."),
    C("country", S, "ISO 3166 alpha-3 country (USA)."),
    C("activation_date", D, "Day the site opened for screening."),
    C("screening_rate", F64, "The site's own rate: candidates screened per month (recruitment.site_rate "
                             "with the sites' gamma spread)."),
    C("screened", I64, "Candidates screened at the site."),
    C("randomized", I64, "Subjects randomised at the site."),
], key=("study_id", "site_id"), product=P)

TRIAL_VISITS = table("trial_visits", "The schedule of assessments: planned visits (SDTM TV).", [
    C("study_id", S, "Study.", False),
    C("visitnum", F64, "Visit number (VISITNUM).", False),
    C("visit", S, "Visit name (VISIT), e.g. WEEK 12."),
    C("target_day", I32, "Planned study day (day 1 = first dose; screening days are negative)."),
    C("window_low", I32, "Earliest allowed study day."),
    C("window_high", I32, "Latest allowed study day."),
    C("epoch", S, "SCREENING, TREATMENT or FOLLOW-UP."),
    C("assessments", S, "Procedures at the visit (vitals, labs by LOINC, ECG...), comma-separated."),
], key=("study_id", "visitnum"), product=P)

TRIAL_SUBJECTS = table("trial_subjects", "Everyone screened: screening outcome, randomisation, arm, dates, "
                       "disposition.", [
    C("person_id", I64, "The member screened.", False),
    C("study_id", S, "Study.", False),
    C("usubjid", S, "Unique subject id (STUDYID-SITEID-SUBJID).", False),
    C("subjid", S, "Subject number within the study."),
    C("site_id", S, "Site."),
    C("consent_date", D, "Informed consent (RFICDTC).", False),
    C("screening_date", D, "Screening visit.", False),
    C("screen_failed", B, "True when the member did not qualify (not randomised).", False),
    C("screen_fail_reason", S, "The first criterion failed, e.g. 'HbA1c 11.2 % above 10.5'."),
    C("randomized_date", D, "Randomisation (day 1 for oral daily drugs)."),
    C("rand_block", I32, "Permuted block number within the stratum."),
    C("stratum", S, "Randomisation stratum, e.g. 'A1C<8.5|AGE<65'."),
    C("armcd", S, "Arm randomised to (null for screen failures)."),
    C("first_dose_date", D, "First exposure (RFXSTDTC)."),
    C("last_dose_date", D, "Last exposure (RFXENDTC)."),
    C("end_date", D, "Last contact (RFENDTC): completion, discontinuation or death."),
    C("event_date", D, "Time-to-event endpoint (e.g. progression): the event's date; null when censored."),
    C("disposition", S, "CDISC NCOMPLT/DS decod: COMPLETED, ADVERSE EVENT, LACK OF EFFICACY, WITHDRAWAL BY "
                        "SUBJECT, LOST TO FOLLOW-UP, DEATH, PROGRESSIVE DISEASE, SCREEN FAILURE, ONGOING."),
    C("age", I32, "Age in years at consent."),
], key=("person_id", "study_id"), product=P)

SUBJECT_VISITS = table("subject_visits", "Visits as they happened (SDTM SV): date, window status, encounter.", [
    C("person_id", I64, "The subject.", False),
    C("study_id", S, "Study.", False),
    C("visitnum", F64, "Planned visit number.", False),
    C("visit", S, "Visit name."),
    C("planned_date", D, "Target date from day 1."),
    C("visit_date", D, "Actual date (null when missed)."),
    C("study_day", I32, "Study day of the visit (no day 0)."),
    C("status", S, "done or missed.", False),
    C("in_window", B, "Whether the visit fell inside its window."),
    C("encounter_id", I64, "The PatientSim encounter at the site (encounters.encounter_id)."),
], key=("person_id", "study_id", "visitnum"), product=P)

EXPOSURES = table("exposures", "Study treatment given (SDTM EX): one row per dosing period or cycle.", [
    C("exposure_id", I64, "Key (person_id * 1000 + n).", False),
    C("person_id", I64, "The subject.", False),
    C("study_id", S, "Study.", False),
    C("treatment", S, "Treatment name (EXTRT)."),
    C("dose", F64, "Dose (EXDOSE)."),
    C("dose_unit", S, "EXDOSU."),
    C("route", S, "EXROUTE."),
    C("frequency", S, "EXDOSFRQ."),
    C("start_date", D, "EXSTDTC.", False),
    C("end_date", D, "EXENDTC."),
    C("cycle", I32, "Treatment cycle (cycle-based protocols), else the dosing period number."),
    C("adjustment", S, "Dose adjusted: DOSE REDUCED or DRUG INTERRUPTED (delay), with the reason."),
], key=("exposure_id",), product=P)

TRIAL_FINDINGS = table("trial_findings", "Vitals, labs and efficacy measurements at trial visits (SDTM VS, LB).", [
    C("finding_id", I64, "Key (person_id * 10000 + n).", False),
    C("person_id", I64, "The subject.", False),
    C("study_id", S, "Study.", False),
    C("domain", S, "VS or LB.", False),
    C("testcd", S, "CDISC test code (VSTESTCD/LBTESTCD), e.g. SYSBP, HBA1C.", False),
    C("test", S, "Test name."),
    C("loinc", S, "LOINC code (LBLOINC)."),
    C("value", F64, "Numeric result in `unit`."),
    C("unit", S, "CDISC UNIT."),
    C("ref_low", F64, "Normal range low."),
    C("ref_high", F64, "Normal range high."),
    C("visitnum", F64, "Visit."),
    C("date", D, "Collection date.", False),
    C("baseline", B, "True for the baseline value (last before first dose)."),
], key=("finding_id",), product=P)

ADVERSE_EVENTS = table("adverse_events", "Adverse events (SDTM AE), MedDRA-style terms, CTCAE grades.", [
    C("ae_id", I64, "Key (person_id * 1000 + n).", False),
    C("person_id", I64, "The subject.", False),
    C("study_id", S, "Study.", False),
    C("term", S, "Reported term (AETERM).", False),
    C("decod", S, "Preferred term (AEDECOD)."),
    C("soc", S, "System organ class (AEBODSYS)."),
    C("start_date", D, "Onset (AESTDTC): after consent, before end of study.", False),
    C("end_date", D, "Resolution (AEENDTC); null if ongoing at the end."),
    C("grade", I32, "CTCAE grade 1-5 (AETOXGR)."),
    C("severity", S, "AESEV: MILD, MODERATE, SEVERE."),
    C("serious", B, "AESER."),
    C("related", S, "AEREL: RELATED or NOT RELATED."),
    C("action", S, "AEACN: DOSE NOT CHANGED, DOSE REDUCED, DRUG INTERRUPTED, DRUG WITHDRAWN, NOT APPLICABLE."),
    C("outcome", S, "AEOUT: RECOVERED/RESOLVED, NOT RECOVERED/NOT RESOLVED, FATAL."),
], key=("ae_id",), product=P)

DISPOSITIONS = table("dispositions", "Disposition events (SDTM DS): consent, randomisation, end of treatment/study.", [
    C("person_id", I64, "The subject.", False),
    C("study_id", S, "Study.", False),
    C("seq", I32, "Order of the subject's events.", False),
    C("category", S, "DSCAT: PROTOCOL MILESTONE or DISPOSITION EVENT."),
    C("epoch", S, "SCREENING, TREATMENT or FOLLOW-UP."),
    C("decod", S, "DSDECOD (CDISC NCOMPLT / PROTMLST)."),
    C("term", S, "DSTERM as reported."),
    C("date", D, "DSSTDTC.", False),
], key=("person_id", "study_id", "seq"), product=P)

DEVIATIONS = table("deviations", "Protocol deviations (SDTM DV): out-of-window visits, missed assessments.", [
    C("person_id", I64, "The subject.", False),
    C("study_id", S, "Study.", False),
    C("seq", I32, "Order within the subject.", False),
    C("category", S, "DVCAT, e.g. VISIT WINDOW, MISSED VISIT."),
    C("term", S, "DVTERM."),
    C("date", D, "DVSTDTC.", False),
], key=("person_id", "study_id", "seq"), product=P)


TUMOR_LESIONS = table("tumor_lesions", "Target lesions identified at the baseline scan (RECIST 1.1; SDTM TU).", [
    C("person_id", I64, "The subject.", False),
    C("study_id", S, "Study.", False),
    C("lesion_id", S, "Lesion link id (TULNKID), T01...", False),
    C("location", S, "Anatomical location (LUNG, LYMPH NODE, LIVER...).", False),
    C("visitnum", F64, "Visit of the baseline scan (screening)."),
    C("date", D, "Date of the baseline scan.", False),
], key=("person_id", "lesion_id"), product=P)

TUMOR_MEASUREMENTS = table("tumor_measurements", "Longest diameter of each target lesion at each scan (SDTM TR).", [
    C("person_id", I64, "The subject.", False),
    C("study_id", S, "Study.", False),
    C("lesion_id", S, "The lesion (tumor_lesions.lesion_id).", False),
    C("visitnum", F64, "Planned visit; the last planned visit before + 0.01 for an unscheduled scan."),
    C("date", D, "Scan date.", False),
    C("diameter", F64, "Longest diameter, mm.", False),
], key=("person_id", "lesion_id", "date"), product=P)

TUMOR_RESPONSES = table("tumor_responses", "Overall response at each post-baseline scan (RECIST 1.1; SDTM RS).", [
    C("person_id", I64, "The subject.", False),
    C("study_id", S, "Study.", False),
    C("visitnum", F64, "As tumor_measurements.visitnum."),
    C("date", D, "Scan date.", False),
    C("sum_diameters", F64, "Sum of the target lesions' diameters, mm."),
    C("response", S, "PR (sum <= 70% of baseline), SD or PD (progression: the time-to-event endpoint).", False),
], key=("person_id", "date"), product=P)
