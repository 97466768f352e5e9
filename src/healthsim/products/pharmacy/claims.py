"""Pharmacy claims (NCPDP B1 shape) from medication orders: fills, prices, copays.

For each order of an insured member: fills on the adherence schedule
(fills.py), only on days the member is covered and not after as_of; the NDC
package of the ordered RxNorm concept (ndc.py); the member's pharmacy (nearest
retail store, the mail-order pharmacy for maintenance fills of the members
who use mail, a specialty pharmacy for tier-4 drugs); the prescriber from the
ordering encounter (renewals: the member's PCP).

Pricing follows PBM contracts: generics at a MAC above NADAC, brands at AWP
minus a discount, plus a dispensing fee. The member pays the tier's copay
(never more than the cost); brand tiers first go to the plan's pharmacy
deductible, accumulated per member and year in fill order. A small share of
claims is rejected (refill too soon, code 79) or reversed after payment.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthsim.engine.columns import dates, digits, labels, sort_order
from healthsim.engine.members import MemberBlock
from healthsim.products.claims.accumulate import capped_increments
from healthsim.products.claims.assemble import ClaimContext
from healthsim.products.claims.benefits import NO_COPAY
from healthsim.products.claims.denials import COVERED, coverage_status
from healthsim.products.claims.inputs import day_numbers, ints, plain
from healthsim.products.claims.tables import member_ids
from healthsim.products.network.lookup import pick_pharmacies
from healthsim.products.pharmacy.fills import schedule_fills
from healthsim.products.pharmacy.ndc import products_for_orders
from healthsim.reference.claims import ndc_products, payment_parameters
from healthsim.spec.coverage import SERVICE_TYPES

MAIL_ORDER_SHARE = 0.15
"""Members who get maintenance drugs by mail (PBM data: roughly 10-20% of maintenance fills)."""
REJECT_RATE, REVERSAL_RATE = 0.02, 0.015
TIER_SERVICE = np.array([-1, SERVICE_TYPES.index("generic_rx"), SERVICE_TYPES.index("preferred_brand_rx"),
                         SERVICE_TYPES.index("nonpreferred_brand_rx"), SERVICE_TYPES.index("specialty_rx")])
STATUSES = ("paid", "rejected", "reversed")
MEDICAID_FEE = ("medicaid", "dual")


def pharmacy_claims_table(ctx: ClaimContext, m: MemberBlock, tables: dict[str, pa.Table],
                          rng: np.random.Generator) -> pa.Table | None:
    orders = tables["medication_orders"]
    person = ints(orders.column("person_id"))
    member = person - m.person_id[0]
    insured = np.flatnonzero(m.plan_index[member] >= 0)
    if len(insured) == 0:
        return None
    orders, person, member = orders.take(pa.array(insured)), person[insured], member[insured]
    enr = tables["enrollments"]
    span = (ints(enr.column("person_id")), day_numbers(enr.column("start_date")),
            day_numbers(enr.column("end_date")))
    # no fill after the cohort's as_of, the prescription's stop date or the member's death
    last = np.full(len(person), ctx.as_of_day, np.int64)
    stop = orders.column("stop_date")
    if stop.null_count < len(stop):
        last = np.minimum(last, np.where(pc.is_valid(stop).to_numpy(zero_copy_only=False),
                                         day_numbers(pc.fill_null(stop, 0)), last))
    if m.state is not None:
        last = np.minimum(last, m.state.death_day[member])
    fills = schedule_fills(day_numbers(orders.column("start_date")), ints(orders.column("days_supply")),
                           ints(orders.column("refills")), last, rng)
    covered = coverage_status(person[fills.order], fills.day, *span) == COVERED
    o, fill_no, day = fills.order[covered], fills.fill_no[covered], fills.day[covered]
    product = products_for_orders(plain(orders.column("rxnorm")).to_numpy(zero_copy_only=False),
                                  plain(orders.column("drug_name")).to_numpy(zero_copy_only=False))[o]
    p = ndc_products()
    plan = m.plan_index[member[o]]
    qty = plain(orders.column("quantity")).to_numpy(zero_copy_only=False)[o] * p.billing_per_dispense[product]
    ingredient, fee = _price(product, qty, np.isin(np.array(ctx.coverage_types, str), MEDICAID_FEE)[plan])
    status = rng.choice(3, len(o), p=[1 - REJECT_RATE - REVERSAL_RATE, REJECT_RATE, REVERSAL_RATE])
    deductible, copay = _member_pay(ctx, person[o], day, o, fill_no, plan, p.tier[product], ingredient + fee,
                                    status == 0)
    order_id = ints(orders.column("order_id"))[o]
    pharmacy = _pharmacies(ctx, m, member[o], p.tier[product], ints(orders.column("refills"))[o], rng)
    rejected = status == 1
    return pa.table({
        "claim_id": order_id * 100 + fill_no, "person_id": person[o],
        "member_id": member_ids(enr, person[o]), "cardholder_id": _cardholders(tables["identities"], person[o]),
        "order_id": order_id, "rxnorm": plain(orders.column("rxnorm")).take(pa.array(o)),
        "ndc": _take("ndc", product), "drug_name": _take("drug_name", product),
        "fill_date": dates(day), "quantity": np.round(qty, 3),
        "quantity_unit": _take("billing_unit", product),
        "days_supply": ints(orders.column("days_supply"))[o].astype(np.int32), "refill_no": fill_no,
        "pharmacy_id": pharmacy, "prescriber_npi": _prescribers(ctx, tables, orders, o),
        "tier": p.tier[product].astype(np.int32),
        "ingredient_cost": ingredient / 100.0, "dispensing_fee": fee / 100.0,
        "deductible": np.where(rejected, 0, deductible) / 100.0, "copay": np.where(rejected, 0, copay) / 100.0,
        "plan_paid": np.where(rejected, 0, ingredient + fee - copay) / 100.0,
        "status": labels(status, STATUSES).cast(pa.string()),
        "reject_code": pa.array(np.full(len(o), "79"), pa.string(), mask=~rejected),
    })


def _take(column: str, rows: np.ndarray) -> pa.Array:
    """ndc_products().<column>[rows] as an Arrow string column, by Arrow's take (no Python string per row)."""
    return _product_strings(column).take(pa.array(np.asarray(rows, np.int64)))


@cache
def _product_strings(column: str) -> pa.Array:
    return pa.array(getattr(ndc_products(), column).tolist(), pa.string())


def _price(product: np.ndarray, qty: np.ndarray, medicaid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ingredient cost, dispensing fee) in cents: generics at MAC, brands at AWP minus a discount;
    `medicaid` marks the claims paid at the Medicaid dispensing fee."""
    p, pp = ndc_products(), payment_parameters()
    brand = p.brand[product]
    unit = np.where(brand, p.awp_unit[product] * (1 - pp["brand_awp_discount"]),
                    p.nadac_unit[product] * pp["generic_mac_over_nadac"])
    ingredient = np.maximum(np.rint(unit * qty * 100), 1).astype(np.int64)
    fee = np.where(medicaid, pp["dispensing_fee_medicaid"],
                   np.where(brand, pp["dispensing_fee_brand"], pp["dispensing_fee_generic"]))
    return ingredient, np.rint(fee * 100).astype(np.int64)


def _member_pay(ctx: ClaimContext, person: np.ndarray, day: np.ndarray, order: np.ndarray, fill_no: np.ndarray,
                plan: np.ndarray, tier: np.ndarray, cost: np.ndarray, paid: np.ndarray) -> tuple[np.ndarray, ...]:
    """(deductible part, patient pay) in cents: brand tiers pay toward the pharmacy deductible first,
    in fill order per member and year; then the tier copay (coinsurance where the design has none)."""
    b = ctx.benefits
    year = day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    group = person * 10_000 + year
    s = sort_order(group, day, order, fill_no)
    starts = np.r_[True, group[s][1:] != group[s][:-1]] if len(s) else np.zeros(0, bool)
    to_deductible = np.where(paid & (tier >= 2), cost, 0)[s]
    deductible = np.zeros(len(cost), np.int64)
    deductible[s] = capped_increments(to_deductible, b.rx_deductible_cents[plan[s]], starts)
    rest = cost - deductible
    copay_amount = b.copay_cents[plan, TIER_SERVICE[tier]]
    share = np.where(copay_amount == NO_COPAY, np.rint(b.coinsurance[plan] * rest).astype(np.int64),
                     np.minimum(copay_amount, rest))
    return deductible, deductible + share


def _pharmacies(ctx: ClaimContext, m: MemberBlock, member: np.ndarray, tier: np.ndarray, refills: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:
    net = ctx.network
    uniq, inverse = np.unique(member, return_inverse=True)
    retail = pick_pharmacies(net, "retail_pharmacy", m.zip_row[uniq], rng)[0][inverse]
    specialty = pick_pharmacies(net, "specialty_pharmacy", m.zip_row[uniq], rng)[0][inverse]
    mail_user = (rng.random(len(uniq)) < MAIL_ORDER_SHARE)[inverse]
    mail = pick_pharmacies(net, "mail_pharmacy", m.zip_row[uniq[:1]], rng)[0][0]
    return np.where(tier == 4, specialty, np.where(mail_user & (refills >= 2), mail, retail))


def _prescribers(ctx: ClaimContext, tables: dict[str, pa.Table], orders: pa.Table, o: np.ndarray) -> pa.Array:
    """NPI of the ordering encounter's clinician; for renewals, the member's attributed PCP."""
    net = ctx.network
    enc = tables["encounters"]
    enc_id, enc_provider = ints(enc.column("encounter_id")), ints(enc.column("provider_id"))
    order_enc = ints(orders.column("encounter_id"))[o]
    srt = np.argsort(enc_id)
    pos = srt[np.minimum(np.searchsorted(enc_id, order_enc, sorter=srt), len(srt) - 1)] if len(srt) else \
        np.zeros(len(o), np.int64)
    provider = np.where((order_enc > 0) & (enc_id[pos] == order_enc), enc_provider[pos], 0) if len(srt) else \
        np.zeros(len(o), np.int64)
    pcp = tables.get("pcp_attributions")
    if pcp is not None and pcp.num_rows:
        pid, prov = ints(pcp.column("person_id")), ints(pcp.column("provider_id"))
        person = ints(orders.column("person_id"))[o]
        at = np.minimum(np.searchsorted(pid, person), len(pid) - 1)
        provider = np.where((provider == 0) & (pid[at] == person), prov[at], provider)
    uniq, row = np.unique(provider, return_inverse=True)  # format each prescriber's NPI once
    npi = digits(net.providers.npi[np.maximum(uniq, 1) - 1], 10)
    return npi.take(pa.array(row.astype(np.int64), mask=provider <= 0))


def _cardholders(identities: pa.Table, person: np.ndarray) -> pa.Array:
    rx = identities.filter(pc.equal(plain(identities.column("product")), "rxmembersim"))
    pid = ints(rx.column("person_id"))
    at = np.minimum(np.searchsorted(pid, person), max(len(pid) - 1, 0))
    return plain(rx.column("identifier")).take(pa.array(at))
