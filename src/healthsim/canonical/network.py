"""Tables of NetworkSim: providers, facilities, pharmacies, and PCP attribution.

Providers, facilities and pharmacies are made once per cohort (static tables);
pcp_attributions is made block by block with the members. Identifiers are
generated, never looked up: NPIs carry a valid Luhn check digit under the
80840 prefix, CCNs and NCPDP IDs follow their published formats, and every
name and street address is fictional (see products/network/) -- except the
hospitals, which are real Medicare-certified hospitals near the members
(facilities.source = 'cms': their own CCN, name, address and beds).
"""

from __future__ import annotations

import pyarrow as pa

from healthsim.canonical.table import Column as C
from healthsim.canonical.table import table

S, D, I64, I32, F64, B = pa.string(), pa.date32(), pa.int64(), pa.int32(), pa.float64(), pa.bool_()


def _address(what: str, real: bool = False) -> list[C]:
    own = "; a real hospital's own" if real else ""
    return [
        C("address_line", S, f"Street address of the {what} (fictional house number and street{own})."),
        C("city", S, "USPS city of the ZIP."),
        C("state", S, "USPS state code."),
        C("zip", S, f"5-digit ZIP code, near the members it serves{own}."),
        C("county_fips", S, "5-digit county FIPS code of the ZIP."),
        C("latitude", F64, f"Latitude (ZIP centroid with ~1 km of jitter{own})."),
        C("longitude", F64, f"Longitude (ZIP centroid with ~1 km of jitter{own})."),
        C("phone", S, "Phone in the fictional 555-01xx range."),
    ]


PROVIDERS = table("providers", "Individual practitioners (NPI entity type 1) of the cohort's network.", [
    C("provider_id", I64, "Provider key within the cohort (1..n); encounters and claims refer to it.", False),
    C("npi", S, "10-digit NPI starting with 1; the last digit is the Luhn check digit over 80840 + "
                "the first 9 digits. Generated, never a real provider's.", False),
    C("first_name", S, "Given name (SSA-derived frequency list)."),
    C("last_name", S, "Family name (Census-derived frequency list)."),
    C("sex", S, "'F' or 'M'; shares by specialty from AAMC 2022."),
    C("credential", S, "MD, DO, NP, PA, DPT, RD or CRNA."),
    C("specialty", S, "HealthSim specialty key, e.g. family_medicine, cardiology, hospitalist.", False),
    C("taxonomy_code", S, "NUCC Health Care Provider Taxonomy code, e.g. 207RC0000X.", False),
    C("taxonomy_display", S, "NUCC classification, specialization."),
    C("role", S, "pcp_adult, pcp_child, pcp_both (can be a member's PCP), specialist, "
                 "hospital_based or clinician."),
    C("practice_npi", S, "Type-2 NPI of the provider's practice or group: the billing provider "
                         "on professional claims."),
    C("practice_name", S, "Practice or group name (fictional)."),
    C("hospital_id", I64, "facility_id of the hospital the provider works at or is affiliated with "
                          "(nearest acute or critical access hospital for office practices)."),
    *_address("practice"),
], key=("provider_id",), product="networksim")

FACILITIES = table("facilities", "Facilities (NPI entity type 2): hospitals, ASCs, labs, SNFs, imaging, "
                                 "dialysis and urgent care centres.", [
    C("facility_id", I64, "Facility key within the cohort (1..n).", False),
    C("npi", S, "10-digit type-2 NPI starting with 2, valid Luhn check digit (generated).", False),
    C("name", S, "Facility name: a real hospital's CMS name, else fictional."),
    C("facility_type", S, "hospital, critical_access_hospital, asc, lab, snf, imaging, dialysis or "
                          "urgent_care.", False),
    C("taxonomy_code", S, "NUCC taxonomy code, e.g. 282N00000X for a general acute care hospital."),
    C("taxonomy_display", S, "NUCC classification, specialization."),
    C("ccn", S, "CMS Certification Number: a real hospital's own; for synthetic facilities "
                "2-digit CMS state code + 4 digits in the type's range "
                "(hospitals 0001-0879, critical access 1300-1399, SNFs 5000-6499, dialysis 2500-2899); "
                "ASCs carry the "
                "10-character supplier form (state + 'C' + 7 digits), labs a CLIA-style number "
                "(state + 'D' + 7 digits); null for imaging and urgent care centres."),
    C("beds", I32, "Beds: a real hospital's (HIFLD, null where unknown), a synthetic hospital's "
                   "(critical access: at most 25) or SNF's; null otherwise."),
    C("source", S, "'cms': a real Medicare-certified hospital (CMS Hospital General Information, "
                   "HIFLD beds and location); 'synthetic': generated."),
    *_address("facility", real=True),
], key=("facility_id",), product="networksim")

PHARMACIES = table("pharmacies", "Dispensing pharmacies of the network: retail, mail order, specialty.", [
    C("pharmacy_id", I64, "Pharmacy key within the cohort (1..n).", False),
    C("npi", S, "10-digit type-2 NPI, valid Luhn check digit (generated).", False),
    C("ncpdp_id", S, "7-digit NCPDP-style provider ID: 2-digit state code, 4 digits, check digit "
                     "(units digit of d1+d3+d5 + 2*(d2+d4+d6)).", False),
    C("name", S, "Store name (fictional chains and independents)."),
    C("pharmacy_type", S, "retail, mail or specialty.", False),
    C("chain", S, "Chain name for chain stores; null for independents, mail and specialty."),
    C("taxonomy_code", S, "NUCC taxonomy: 3336C0003X retail, 3336M0002X mail, 3336S0011X specialty."),
    *_address("pharmacy"),
], key=("pharmacy_id",), product="networksim")

PCP_ATTRIBUTIONS = table("pcp_attributions", "Each covered member's attributed primary care provider.", [
    C("person_id", I64, "The person (members with coverage only).", False),
    C("provider_id", I64, "The PCP (providers.role pcp_*): adults to family or internal medicine, "
                          "children to pediatrics or family medicine, drawn around the member's ZIP "
                          "(products/network/local.py).", False),
    C("provider_npi", S, "The PCP's NPI (denormalised for payer extracts)."),
    C("effective_date", D, "First day of the attribution: the member's first covered day.", False),
    C("distance_km", F64, "Great-circle distance from the member's ZIP centroid to the practice."),
], key=("person_id",), product="networksim")
