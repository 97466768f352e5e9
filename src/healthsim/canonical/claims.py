"""Tables of MemberSim and RxMemberSim: medical claims, their lines, pharmacy claims.

Amounts are US dollars rounded to the cent. They are computed in integer
cents, so for every line paid + deductible + copay + coinsurance = allowed
exactly, and a claim's amounts are exactly the sums of its lines'.
"""

from __future__ import annotations

import pyarrow as pa

from healthsim.canonical.table import Column as C
from healthsim.canonical.table import table

S, D, I64, I32, F64, B = pa.string(), pa.date32(), pa.int64(), pa.int32(), pa.float64(), pa.bool_()

CLAIMS = table("claims", "Medical claims (837P professional, 837I institutional), adjudicated.", [
    C("claim_id", I64, "Claim key: encounter_id * 10 + kind (0 professional, 1 anesthesia, 2 lab, "
                       "3 institutional).", False),
    C("person_id", I64, "The patient / member.", False),
    C("member_id", S, "Member ID (identities, product membersim).", False),
    C("encounter_id", I64, "The encounter billed (encounters.encounter_id).", False),
    C("claim_type", S, "'professional' or 'institutional'.", False),
    C("billing_npi", S, "Billing provider NPI: the practice (type 2), urgent care centre, lab or facility.", False),
    C("rendering_npi", S, "Rendering clinician NPI (attending physician on institutional claims); null "
                          "for lab claims."),
    C("service_from", D, "First date of service (admission date for stays).", False),
    C("service_to", D, "Last date of service (discharge date for stays).", False),
    C("received_date", D, "Date the payer received the claim: after service_to (claims denied CO-29 "
                          "arrive after the timely filing limit).", False),
    C("paid_date", D, "Adjudication / remittance date, after received_date. Claims for services near "
                      "the cohort's as_of are paid after it (full run-out).", False),
    C("status", S, "'paid' (at least one line allowed) or 'denied' (every line denied).", False),
    C("billed", F64, "Total charges = sum of line billed.", False),
    C("allowed", F64, "Total allowed = sum of line allowed (0 when denied).", False),
    C("paid", F64, "Plan payment = sum of line paid.", False),
    C("member_liability", F64, "Deductible + copay + coinsurance over the lines.", False),
    C("plan_id", S, "The member's plan (plans.plan_id)."),
    C("place_of_service", S, "CMS place of service of the encounter (837P CLM05-1)."),
    C("type_of_bill", S, "UB-04 type of bill for institutional claims: 0111 inpatient, 0131 hospital "
                         "outpatient, 0831 ambulatory surgery, 0721 ESRD facility, 0211 skilled nursing, 0329 home "
                         "health, 0811 hospice."),
    C("drg", S, "MS-DRG of inpatient stays (HealthSim's simplified grouper, products/claims/drg.py)."),
    C("diagnosis_codes", S, "ICD-10-CM codes of the encounter in rank order, space-separated; the first "
                            "is the principal / first-listed diagnosis (saves exporters a join)."),
    C("denial_reason", S, "Group-CARC of a claim whose lines are all denied, e.g. CO-16 or CO-27."),
], key=("claim_id",), product="membersim")

CLAIM_LINES = table("claim_lines", "Service lines of medical claims with their adjudication.", [
    C("claim_id", I64, "The claim.", False),
    C("line_no", I32, "1.. within the claim.", False),
    C("code", S, "CPT/HCPCS code; null on inpatient revenue-code lines."),
    C("code_system", S, "CPT or HCPCS (null with code)."),
    C("modifier", S, "CPT/HCPCS modifier, if any."),
    C("units", F64, "Units of service (nights on room-and-board lines).", False),
    C("revenue_code", S, "UB-04 revenue code on institutional lines."),
    C("billed", F64, "Charge: the Medicare-like base x the billing provider's chargemaster markup.", False),
    C("allowed", F64, "Allowed amount: min(payer rate, billed); 0 when denied or packaged.", False),
    C("paid", F64, "Plan payment: allowed - deductible - copay - coinsurance.", False),
    C("deductible", F64, "Member deductible (CARC PR-1).", False),
    C("copay", F64, "Member copay (PR-3).", False),
    C("coinsurance", F64, "Member coinsurance (PR-2).", False),
    C("carc_codes", S, "Adjustments, space-separated: CO-45 (contractual), PR-1/PR-2/PR-3; a denied line "
                       "has its denial CARC and RARC (e.g. 'CO-197 M62'); a packaged line 'CO-97'."),
    C("service_date", D, "Date of service of the line (its place of service is the claim's).", False),
    C("benefit", S, "Benefit the line was paid under: a plans copay service type, 'preventive' ($0) or "
                    "'deductible_coinsurance'."),
], key=("claim_id", "line_no"), product="membersim")

PHARMACY_CLAIMS = table("pharmacy_claims", "Pharmacy claims (NCPDP D.0 B1 shape): one row per fill of a "
                        "medication order.", [
    C("claim_id", I64, "Claim key: medication_orders.order_id * 100 + refill_no.", False),
    C("person_id", I64, "The member.", False),
    C("member_id", S, "Member ID (identities, product membersim).", False),
    C("cardholder_id", S, "Cardholder ID (identities, product rxmembersim).", False),
    C("order_id", I64, "The prescription (medication_orders.order_id).", False),
    C("rxnorm", S, "RxNorm concept ordered.", False),
    C("ndc", S, "11-digit NDC dispensed (5-4-2; fictional labeler codes, see ndc_products.csv).", False),
    C("drug_name", S, "Drug name of the NDC product."),
    C("fill_date", D, "Date filled: on a covered day, not after the cohort's as_of.", False),
    C("quantity", F64, "Quantity dispensed in quantity_unit (the order's quantity per fill).", False),
    C("quantity_unit", S, "NCPDP unit of measure: EA, ML or GM."),
    C("days_supply", I32, "Days supply (the order's).", False),
    C("refill_no", I32, "0 for the first fill, then 1, 2...; gaps and early refills follow the member's "
                        "adherence (products/pharmacy/fills.py).", False),
    C("pharmacy_id", I64, "Dispensing pharmacy (pharmacies.pharmacy_id).", False),
    C("prescriber_npi", S, "Prescriber NPI: the ordering encounter's clinician, or the attributed PCP for "
                           "renewals."),
    C("tier", I32, "Formulary tier: 1 generic, 2 preferred brand, 3 non-preferred brand, 4 specialty."),
    C("ingredient_cost", F64, "Ingredient cost: generic MAC (NADAC-based) or brand AWP minus a discount.", False),
    C("dispensing_fee", F64, "Dispensing fee.", False),
    C("deductible", F64, "Part of the patient pay applied to the plan's pharmacy deductible (brand tiers).", False),
    C("copay", F64, "Patient pay amount: deductible part + tier copay, never more than the cost; 0 when "
                    "rejected.", False),
    C("plan_paid", F64, "Plan payment: ingredient_cost + dispensing_fee - copay; 0 when rejected.", False),
    C("status", S, "'paid', 'rejected' (reject_code) or 'reversed' (paid, then reversed: a B2 follows).",
      False),
    C("reject_code", S, "NCPDP reject code of rejected claims (79 = refill too soon)."),
], key=("claim_id",), product="rxmembersim")
