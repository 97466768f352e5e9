"""One block's medical claims: lines -> parties -> prices -> adjudication -> tables.

The pipeline is columnar end to end: lines are built from the journey tables
(lines.py, facility.py), sorted by claim, given their billing and rendering
NPIs (parties.py), priced (pricing.py; inpatient stays by DRG, split over
their revenue-code lines by charge share), adjudicated against the member's
plan in service-date order (adjudication.py), and summed per claim with
`np.add.reduceat`. Claim dates follow realistic lags: submission a few days
after service (longer for facilities), payment about two weeks after receipt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from healthsim.engine.members import MemberBlock
from healthsim.products.claims.adjudication import Adjudication, adjudicate_lines
from healthsim.products.claims.benefits import BenefitArrays
from healthsim.products.claims.denials import DenialPolicy, coverage_status
from healthsim.products.claims.drg import assign_drgs
from healthsim.products.claims.facility import (
    dialysis_lines,
    facility_rows,
    inpatient_lines,
    outpatient_lines,
    post_acute_lines,
)
from healthsim.products.claims.inputs import (
    Diagnoses,
    Encounters,
    LabTests,
    Procedures,
    day_numbers,
    ints,
)
from healthsim.products.claims.lines import (
    INSTITUTIONAL,
    LAB,
    LineSet,
    lab_lines,
    professional_lines,
)
from healthsim.products.claims.parties import claim_parties
from healthsim.products.claims.pricing import (
    PricedLines,
    price_drg_rows,
    price_per_diem_rows,
    price_rows,
)
from healthsim.products.claims.services import benefit_service
from healthsim.products.network.pool import Network
from healthsim.reference.claims import ms_drgs, payment_parameters


@dataclass(frozen=True)
class ClaimContext:
    """What claims generation needs besides the block: fixed for the run."""

    seed: int
    network: Network
    benefits: BenefitArrays
    payer_row: np.ndarray   # payer_multipliers() row per plan option
    plan_ids: tuple[str, ...]
    coverage_types: tuple[str, ...]  # per plan option
    as_of_day: int
    policy: DenialPolicy


@dataclass(frozen=True)
class BlockClaims:
    """Sorted lines with their claim index, prices and adjudication (for tables.py)."""

    lines: LineSet
    line_no: np.ndarray
    claim_start: np.ndarray  # first line of each claim
    claim_id: np.ndarray
    person: np.ndarray       # per claim
    plan: np.ndarray         # per claim
    billing: np.ndarray      # per claim NPI
    rendering: np.ndarray    # per claim NPI (0 = none)
    drg: np.ndarray          # per claim ('' unless an inpatient stay)
    service_from: np.ndarray
    service_to: np.ndarray
    service_type: np.ndarray  # per line
    priced: PricedLines
    adjudication: Adjudication


def build_claims(ctx: ClaimContext, m: MemberBlock, tables: dict[str, pa.Table],
                 rng: np.random.Generator) -> BlockClaims | None:
    enc = Encounters.from_table(tables["encounters"])
    procs = Procedures.from_table(tables["procedures"])
    labs = LabTests.from_table(tables["lab_orders"])
    stays = facility_rows(enc, "inpatient")
    drg = _stay_drgs(enc, stays, tables)
    lines = LineSet.concat([professional_lines(enc, procs), lab_lines(enc, labs),
                            outpatient_lines(enc, procs, labs), dialysis_lines(enc),
                            inpatient_lines(enc, stays, drg, ctx.seed), post_acute_lines(enc)])
    member = enc.person[enc.rows_of(lines.encounter)] - m.person_id[0]
    lines = lines.take(np.flatnonzero(m.plan_index[member] >= 0))  # the payer sees members only
    if len(lines.kind) == 0:
        return None
    order = np.lexsort((np.arange(len(lines.kind)), lines.claim_id))
    lines = lines.take(order)
    cid = lines.claim_id
    start = np.flatnonzero(np.r_[True, cid[1:] != cid[:-1]])
    line_no = (np.arange(len(cid)) - np.repeat(start, np.diff(np.r_[start, len(cid)])) + 1).astype(np.int32)
    erow = enc.rows_of(lines.encounter[start])
    kind = lines.kind[start]
    person = enc.person[erow]
    plan = m.plan_index[person - m.person_id[0]]
    billing, rendering, pcp = claim_parties(ctx.network, m, enc, kind, lines.encounter[start], rng)
    claim_drg = np.full(len(start), "", dtype=object)
    is_stay = (kind == INSTITUTIONAL) & enc.is_setting(("inpatient",))[erow]
    by_id = np.argsort(enc.id[stays])
    claim_drg[is_stay] = drg[by_id[np.searchsorted(enc.id[stays], lines.encounter[start][is_stay], sorter=by_id)]]
    per_line = np.repeat(np.arange(len(start)), np.diff(np.r_[start, len(cid)]))
    at_facility = enc.facility_pos[erow[per_line]] & (lines.kind != LAB) & (lines.kind != INSTITUTIONAL)
    market = market_keys(m, person)
    nights = np.maximum(enc.end_day[erow] - enc.start_day[erow], 0)
    per_diem_days = np.where((kind == INSTITUTIONAL) & enc.is_setting(("snf",))[erow], np.maximum(nights, 1), 0)
    priced = _price(ctx, lines, per_line, plan, billing, claim_drg, at_facility,
                    claim_key=cid[start], nights=nights, market=market, per_diem_days=per_diem_days)
    service_from = np.minimum.reduceat(lines.day, start)
    service_to = np.where(is_stay, enc.end_day[erow], np.maximum.reduceat(lines.day, start))
    setting_vocab = [*enc.setting_vocab, "lab"]
    setting = np.where(lines.kind == LAB, len(enc.setting_vocab), enc.setting_code[erow[per_line]])
    service_type = benefit_service(lines.fee_row, setting, setting_vocab, lines.kind == INSTITUTIONAL,
                                   pcp[per_line])
    enr = tables["enrollments"]
    # Coverage on each line's own day (a professional visit after the plan ended is denied, CARC 27),
    # except a facility stay, which the plan covering the admission pays in full.
    line_day = np.where(lines.kind == INSTITUTIONAL, service_from[per_line], lines.day)
    coverage = coverage_status(person[per_line], line_day, ints(enr.column("person_id")),
                               day_numbers(enr.column("start_date")), day_numbers(enr.column("end_date")))
    adjudicated = adjudicate_lines(
        member=person[per_line], claim=cid, line_no=line_no, service_day=service_from[per_line],
        plan=plan[per_line], service_type=service_type, billed_cents=priced.billed_cents,
        allowed_cents=np.where(lines.packaged, 0, priced.allowed_cents), benefits=ctx.benefits,
        coverage=coverage, policy=ctx.policy, seed=ctx.seed)
    return BlockClaims(lines, line_no, start, cid[start], person, plan, billing, rendering, claim_drg,
                       service_from, service_to, service_type, priced, adjudicated)


def _stay_drgs(enc: Encounters, stays: np.ndarray, tables: dict[str, pa.Table]) -> np.ndarray:
    if len(stays) == 0:
        return np.zeros(0, dtype=object)
    dx = Diagnoses.from_table(tables["diagnoses"])
    procs = Procedures.from_table(tables["procedures"])
    stay_ids = enc.id[stays]
    d = np.isin(dx.encounter, stay_ids)
    p = np.isin(procs.encounter, stay_ids) & (procs.code_system == "ICD-10-PCS")
    order = np.argsort(stay_ids)
    drg = assign_drgs(stay_ids[order], dx.encounter[d], dx.code[d], dx.rank[d], procs.encounter[p],
                      procs.code[p])
    out = np.empty(len(stays), dtype=object)
    out[order] = drg
    return out


def market_keys(m: MemberBlock, person: np.ndarray) -> np.ndarray:
    """The pricing market of each claim's member: an integer per state (price levels differ by state)."""
    from healthsim.reference.geography import zips

    state = zips().state[m.zip_row[person - m.person_id[0]]].astype("U2")
    codes = np.char.ljust(state, 2).view(np.uint32).reshape(-1, 2) if len(state) else np.zeros((0, 2), np.uint32)
    return codes[:, 0].astype(np.int64) * 256 + codes[:, 1].astype(np.int64)


def _price(ctx: ClaimContext, lines: LineSet, per_line: np.ndarray, plan: np.ndarray,
           billing: np.ndarray, claim_drg: np.ndarray, at_facility: np.ndarray, *,
           claim_key: np.ndarray, nights: np.ndarray, market: np.ndarray,
           per_diem_days: np.ndarray) -> PricedLines:
    payer = ctx.payer_row[plan][per_line]
    provider = billing[per_line]
    fee = lines.fee_row >= 0
    inst = lines.kind == INSTITUTIONAL
    medicare, billed, allowed = (np.zeros(len(lines.kind), np.int64) for _ in range(3))
    f = np.flatnonzero(fee)
    p = price_rows(lines.fee_row[f], lines.units[f], payer[f], provider[f], institutional=inst[f],
                   at_facility=at_facility[f], base_scale=lines.base_scale[f],
                   market_key=market[per_line][f], seed=ctx.seed)
    medicare[f], billed[f], allowed[f] = p.medicare_cents, p.billed_cents, p.allowed_cents
    stays = np.flatnonzero(claim_drg != "")
    if len(stays):
        s = price_drg_rows(ms_drgs().rows(claim_drg[stays].astype(str)), ctx.payer_row[plan[stays]],
                           billing[stays], stay_key=claim_key[stays], nights=nights[stays],
                           market_key=market[stays], seed=ctx.seed)
        rows = np.flatnonzero(np.isin(per_line, stays))
        stay_of = np.searchsorted(stays, per_line[rows])
        for out, total in ((medicare, s.medicare_cents), (billed, s.billed_cents), (allowed, s.allowed_cents)):
            out[rows] = _split(total[stay_of], lines.share[rows], per_line[rows])
    snf = np.flatnonzero(per_diem_days > 0)
    if len(snf):
        s = price_per_diem_rows(per_diem_days[snf], payment_parameters()["snf_per_diem"], ctx.payer_row[plan[snf]],
                                billing[snf], market_key=market[snf], seed=ctx.seed)
        rows = np.flatnonzero(np.isin(per_line, snf) & (lines.share > 0))
        stay_of = np.searchsorted(snf, per_line[rows])
        for out, total in ((medicare, s.medicare_cents), (billed, s.billed_cents), (allowed, s.allowed_cents)):
            out[rows] = _split(total[stay_of], lines.share[rows], per_line[rows])
    return PricedLines(medicare, billed, allowed)


def _split(total: np.ndarray, share: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Split each group's total over its rows by share, in whole cents that add up exactly."""
    starts = np.r_[True, group[1:] != group[:-1]]
    cum = np.cumsum(share)
    first = np.maximum.accumulate(np.where(starts, np.arange(len(share)), 0))
    before = np.where(starts, 0.0, np.r_[0.0, cum[:-1]] - np.r_[0.0, cum][first])
    group_sum = np.add.reduceat(share, np.flatnonzero(starts))[np.cumsum(starts) - 1]
    upto = np.rint(total * (before + share) / group_sum).astype(np.int64)
    prior = np.rint(total * before / group_sum).astype(np.int64)
    return upto - prior
