"""Tables of the population executor: persons, conditions, coverage, identities."""

from __future__ import annotations

import pyarrow as pa

from healthsim.canonical.table import Column as C
from healthsim.canonical.table import table

S, D, I64, I32, F64, B = pa.string(), pa.date32(), pa.int64(), pa.int32(), pa.float64(), pa.bool_()

PERSONS = table("persons", "One row per synthetic person.", [
    C("person_id", I64, "Person key within the cohort (1..count).", False),
    C("first_name", S, "Given name, sampled from SSA-derived frequency lists."),
    C("last_name", S, "Family name, sampled from Census-derived frequency lists."),
    C("sex", S, "Administrative sex: 'F' or 'M'.", False),
    C("birth_date", D, "Date of birth.", False),
    C("age", I32, "Age in whole years at the cohort's as_of date."),
    C("race", S, "OMB race category label (see healthsim.spec.vocab.RACES)."),
    C("ethnicity", S, "'hispanic' or 'not_hispanic'."),
    C("address_line", S, "Street address (synthetic house number and street name)."),
    C("city", S, "USPS city of the ZIP."),
    C("state", S, "USPS state code."),
    C("county_fips", S, "5-digit county FIPS code of the ZIP."),
    C("zip", S, "5-digit ZIP code (a real, active, residential ZIP)."),
    C("urban", B, "True when the ZIP is classed urban (see docs/reference-data.md)."),
    C("latitude", F64, "ZIP centroid latitude."),
    C("longitude", F64, "ZIP centroid longitude."),
    C("phone", S, "Phone in the fictional 555-01xx range, e.g. (312) 555-0147."),
    C("ssn", S, "SSN in the never-issued 9xx range, e.g. 912-34-5678."),
    C("household_id", I64, "The household: person_id of its subscriber (the person's own id when they "
                           "are the subscriber or enroll alone). Members of a household share the "
                           "address, last name, plan and coverage spans."),
], key=("person_id",))

CONDITIONS = table("conditions", "The member state's diagnoses: one row per person and code, with the days the "
                   "code applies (a CKD stage gives way to the next, E11.9 to E11.22 when kidney disease starts).", [
    C("person_id", I64, "The person.", False),
    C("code", S, "ICD-10-CM code with the dot, e.g. E11.9.", False),
    C("description", S, "ICD-10-CM long description."),
    C("onset_date", D, "First day the code applies: after birth, at or after the clinical minimum age, on or before "
                       "as_of and the death date."),
    C("abatement_date", D, "Last day the code applies (null: still applies at as_of or death)."),
    C("source", S, "'profile' for conditions drawn from the profile; 'encounter' for a diagnosis an encounter made."),
    C("family", S, "Condition family in the condition library (conditions/data), e.g. type2_diabetes."),
], key=("person_id", "code"))

PLANS = table("plans", "Benefit plans members are enrolled in, with their cost-sharing design.", [
    C("plan_id", S, "Plan key, e.g. MA-01.", False),
    C("plan_name", S, "Plan name."),
    C("coverage_type", S, "medicare, medicare_advantage, medicaid, commercial, exchange, dual or uninsured."),
    C("plan_year", I32, "Benefit year the design applies to."),
    C("deductible", F64, "Annual medical deductible (USD)."),
    C("oop_max", F64, "Annual out-of-pocket maximum (USD); null = no cap."),
    C("coinsurance", F64, "Member coinsurance share after deductible (0-1)."),
    C("rx_deductible", F64, "Separate pharmacy deductible (USD). Copay columns below: a flat amount per "
                             "claim that replaces deductible and coinsurance; null = the service goes to the "
                             "deductible, then coinsurance."),
    C("copay_pcp", F64, "Copay for a primary-care visit."),
    C("copay_specialist", F64, "Copay for a specialist visit."),
    C("copay_telehealth", F64, "Copay for a telehealth visit."),
    C("copay_urgent_care", F64, "Copay for urgent care."),
    C("copay_er", F64, "Copay for an emergency-room visit."),
    C("copay_inpatient", F64, "Copay per inpatient admission."),
    C("copay_outpatient_surgery", F64, "Copay per outpatient surgery."),
    C("copay_lab", F64, "Copay for lab services."),
    C("copay_imaging", F64, "Copay for imaging."),
    C("copay_generic_rx", F64, "Pharmacy copay, tier 1 (generic)."),
    C("copay_preferred_brand_rx", F64, "Pharmacy copay, tier 2 (preferred brand)."),
    C("copay_nonpreferred_brand_rx", F64, "Pharmacy copay, tier 3 (non-preferred brand)."),
    C("copay_specialty_rx", F64, "Pharmacy copay, tier 4/5 (specialty)."),
], key=("plan_id",), product="membersim")

ENROLLMENTS = table("enrollments", "Coverage spans: one row per continuous enrollment span.", [
    C("person_id", I64, "The person.", False),
    C("member_id", S, "The plan's member ID (also in identities, product 'membersim')."),
    C("coverage_type", S, "Coverage type name (see plans.coverage_type).", False),
    C("plan", S, "Plan name."),
    C("plan_id", S, "Plan key into plans."),
    C("start_date", D, "First day covered.", False),
    C("end_date", D, "Last day covered (inclusive).", False),
    C("span_no", I32, "1 for the first span of the person, 2 for the next (after a gap)."),
    C("relationship", S, "X12 834 INS02 individual relationship code to the subscriber: '18' self, "
                         "'01' spouse, '19' child."),
], key=("person_id", "span_no"), product="membersim")

IDENTITIES = table("identities", "The identity crosswalk: one row per person and product.", [
    C("person_id", I64, "The person.", False),
    C("product", S, "patientsim (MRN), membersim (member ID) or rxmembersim (cardholder ID).", False),
    C("id_type", S, "MRN, MEMBER_ID or CARDHOLDER_ID."),
    C("identifier", S, "The identifier in that product.", False),
    C("subscriber_id", S, "Subscriber (policy holder) ID for payer products; null for patientsim."),
    C("person_code", S, "NCPDP/plan person code: '01' subscriber/cardholder, '02' spouse, '03' and up "
                        "children (oldest first)."),
], key=("person_id", "product"))

PERSON_ATTRIBUTES = table("person_attributes", "Extra per-person attributes from the profile's `attributes`.", [
    C("person_id", I64, "The person.", False),
    C("attribute", S, "Attribute name from the profile spec.", False),
    C("value_text", S, "Value for categorical attributes."),
    C("value_num", F64, "Value for numeric attributes."),
], key=("person_id", "attribute"))

PERSON_SDOH = table("person_sdoh", "Social determinants of health: one row per person. area_* and svi_* are "
                    "the person's county figures (CDC/ATSDR SVI 2022, USDA RUCC 2023, ACS 2015-19: see "
                    "reference/data/MANIFEST.json); income, education and food security are drawn per "
                    "person consistently with the county (docs/populationsim.md).", [
    C("person_id", I64, "The person.", False),
    C("county_fips", S, "5-digit county FIPS code the figures belong to (persons.county_fips)."),
    C("rucc_2023", I32, "USDA Rural-Urban Continuum Code 2023 of the county: 1-3 metro, 4-9 nonmetro."),
    C("rurality", S, "'metro' (RUCC 1-3) or 'nonmetro' (RUCC 4-9)."),
    C("svi_overall", F64, "CDC/ATSDR Social Vulnerability Index, overall national percentile rank (0-1)."),
    C("svi_socioeconomic", F64, "SVI theme 1 rank: socioeconomic status."),
    C("svi_household", F64, "SVI theme 2 rank: household characteristics (age, disability, single "
                            "parents, English)."),
    C("svi_minority", F64, "SVI theme 3 rank: racial and ethnic minority status."),
    C("svi_housing_transport", F64, "SVI theme 4 rank: housing type and transportation."),
    C("svi_quartile", I32, "1-4: quartile of svi_overall (4 = high vulnerability, rank >= 0.75)."),
    C("area_median_household_income", F64, "County median household income, USD (ACS 2015-19)."),
    C("area_poverty_rate", F64, "County share of people below the poverty level (ACS 2015-19)."),
    C("area_below_150_fpl", F64, "County share below 150% of poverty (SVI 2022 EP_POV150)."),
    C("area_uninsured_rate", F64, "County share without health insurance (ACS 2015-19)."),
    C("area_bachelors_rate", F64, "County share of adults 25+ with a bachelor's degree (ACS 2015-19)."),
    C("area_no_hs_diploma", F64, "County share of adults 25+ without a high school diploma (SVI 2022)."),
    C("area_unemployment_rate", F64, "County unemployment rate (SVI 2022)."),
    C("area_housing_burden", F64, "County share of households spending 30%+ of income on housing "
                                  "(SVI 2022 EP_HBURD)."),
    C("area_no_vehicle", F64, "County share of households without a vehicle (SVI 2022)."),
    C("income_fpl_ratio", F64, "The person's household income as a multiple of the federal poverty level "
                               "(shared within a household)."),
    C("income_band", S, "below_100_fpl, 100_138_fpl, 138_200_fpl, 200_400_fpl or 400_fpl_plus."),
    C("education", S, "less_than_high_school, high_school_or_some_college or bachelors_or_higher "
                      "(null under 25)."),
    C("food_insecure", B, "The person's household is food insecure (drawn from income: USDA ERS rates)."),
], key=("person_id",))

HOUSEHOLDS = table("households", "Households that share a policy: one row per household with more than "
                   "one member (members enrolling alone have household_id = their person_id and no row).", [
    C("household_id", I64, "persons.household_id: the subscriber's person_id.", False),
    C("subscriber_id", I64, "person_id of the subscriber.", False),
    C("size", I32, "Members of the household in the cohort.", False),
    C("spouses", I32, "Spouses on the policy (0 or 1)."),
    C("children", I32, "Children on the policy."),
    C("plan_id", S, "The household's plan (plans.plan_id); null when uninsured."),
    C("zip", S, "The household's ZIP (every member's persons.zip)."),
], key=("household_id",), product="membersim")
