"""BlockClaims -> the canonical claims and claim_lines tables.

Strings are made the columnar way: NPIs with Arrow kernels from integers,
CARC strings and benefit labels from a handful of integer patterns turned into
dictionary arrays, a claim's diagnosis list by one Arrow group-by per block.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthsim.engine.columns import dates, digits, labels
from healthsim.products.claims.assemble import BlockClaims, ClaimContext
from healthsim.products.claims.benefits import PREVENTIVE
from healthsim.products.claims.facility import TYPE_OF_BILL
from healthsim.products.claims.lines import CLAIM_KINDS, INSTITUTIONAL
from healthsim.reference.claims import adjustment_codes, payment_parameters
from healthsim.spec.coverage import SERVICE_TYPES

_PR = (("PR-1", "deductible_cents"), ("PR-2", "coinsurance_cents"), ("PR-3", "copay_cents"))


def _dollars(cents: np.ndarray) -> np.ndarray:
    return np.asarray(cents, np.int64) / 100.0


def _npis(values: np.ndarray) -> pa.Array:
    text = digits(np.maximum(values, 0), 10)
    return pc.if_else(pa.array(values > 0), text, pa.nulls(len(values), pa.string()))


def claim_dates(ctx: ClaimContext, b: BlockClaims, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(received day, paid day) per claim: lognormal lags around the payment_parameters medians."""
    p = payment_parameters()
    n = len(b.claim_id)
    inst = b.lines.kind[b.claim_start] == INSTITUTIONAL
    median = np.where(inst, p["institutional_submit_lag_days"], p["professional_submit_lag_days"])
    submit = np.clip(np.rint(median * rng.lognormal(0, 0.6, n)), 1, 80).astype(np.int64)
    late = _claim_carc(b) == "29"  # denied for timely filing: it really did arrive late
    submit[late] = p["timely_filing_days"] + rng.integers(5, 200, int(late.sum()))
    received = b.service_to + submit
    process = np.clip(np.rint(p["processing_lag_days"] * rng.lognormal(0, 0.35, n)), 3, 60).astype(np.int64)
    return received, received + process


def _claim_denial_row(b: BlockClaims) -> np.ndarray:
    """adjustment_codes() row of the first denied line of each claim (-1 if none)."""
    a = b.adjudication
    return np.maximum.reduceat(np.where(a.denied, a.denial_row, -1), b.claim_start)


def _claim_carc(b: BlockClaims) -> np.ndarray:
    """CARC number of each claim's denial ('' if none)."""
    row = _claim_denial_row(b)
    return np.where(row >= 0, adjustment_codes().code[np.maximum(row, 0)], "")


def _carc_strings(b: BlockClaims, billed: np.ndarray) -> pa.Array:
    """One small integer pattern per line -> its adjustment string, as a dictionary array."""
    a, codes = b.adjudication, adjustment_codes()
    flags = ((a.contractual_cents > 0) & (a.allowed_cents > 0)).astype(np.int64)
    for bit, (_, field) in enumerate(_PR, start=1):
        flags |= (getattr(a, field) > 0).astype(np.int64) << bit
    packaged = ~a.denied & (a.allowed_cents == 0) & (billed > 0)
    pattern = np.where(a.denied, 100 + a.denial_row, np.where(packaged, 99, flags))
    uniq, inverse = np.unique(pattern, return_inverse=True)
    vocab = []
    for u in uniq.tolist():
        if u >= 100:
            r = u - 100
            vocab.append(f"{codes.group[r]}-{codes.code[r]}" + (f" {codes.rarc[r]}" if codes.rarc[r] else ""))
        elif u == 99:
            vocab.append("CO-97")
        else:
            parts = (["CO-45"] if u & 1 else []) + [code for bit, (code, _) in enumerate(_PR, 1) if u >> bit & 1]
            vocab.append(" ".join(parts))
    return pc.if_else(pa.array(np.array(vocab, object)[inverse] == ""), pa.nulls(len(inverse), pa.string()),
                      labels(inverse, vocab).cast(pa.string()))


def _diagnosis_lists(diagnoses: pa.Table, encounter: np.ndarray) -> pa.Array:
    """'E11.9 I10 ...' per encounter (rank order), aligned with `encounter`."""
    t = diagnoses.select(["encounter_id", "rank", "code"]).sort_by([("encounter_id", "ascending"),
                                                                     ("rank", "ascending")])
    g = t.group_by("encounter_id", use_threads=False).aggregate([("code", "list")])
    ids = g.column("encounter_id").to_numpy()
    text = pc.binary_join(g.column("code_list"), " ")
    order = np.argsort(ids)
    pos = np.searchsorted(ids, encounter, sorter=order) if len(ids) else np.zeros(len(encounter), int)
    pos = np.minimum(pos, max(len(ids) - 1, 0))
    found = (len(ids) > 0) & (ids[order[pos]] == encounter) if len(ids) else np.zeros(len(encounter), bool)
    if not len(ids):
        return pa.nulls(len(encounter), pa.string())
    out = text.take(pa.array(order[pos]))
    return pc.if_else(pa.array(found), out, pa.nulls(len(encounter), pa.string()))


def member_ids(enrollments: pa.Table, person: np.ndarray) -> pa.Array:
    pid = enrollments.column("person_id").to_numpy()
    order = np.argsort(pid, kind="stable")
    pos = order[np.searchsorted(pid, person, sorter=order)]
    return enrollments.column("member_id").take(pa.array(pos)).combine_chunks().cast(pa.string())


def claims_tables(ctx: ClaimContext, b: BlockClaims, tables: dict[str, pa.Table],
                  rng: np.random.Generator) -> dict[str, pa.Table]:
    a, lines, start = b.adjudication, b.lines, b.claim_start
    billed = b.priced.billed_cents

    def total(x: np.ndarray) -> np.ndarray:
        return _dollars(np.add.reduceat(x, start))

    received, paid_day = claim_dates(ctx, b, rng)
    all_denied = np.minimum.reduceat(a.denied.astype(np.int8), start).astype(bool)
    codes = adjustment_codes()
    denial = np.where(all_denied, _claim_denial_row(b), -1)
    vocab = ["", *(f"{g}-{c}" for g, c in zip(codes.group, codes.code, strict=True))]
    reason = labels(denial + 1, vocab).cast(pa.string())
    kind = lines.kind[start]
    encounter = lines.encounter[start]
    claims = pa.table({
        "claim_id": b.claim_id, "person_id": b.person,
        "member_id": member_ids(tables["enrollments"], b.person),
        "encounter_id": encounter, "claim_type": labels(kind, CLAIM_KINDS).cast(pa.string()),
        "billing_npi": _npis(b.billing), "rendering_npi": _npis(b.rendering),
        "service_from": dates(b.service_from), "service_to": dates(b.service_to),
        "received_date": dates(received), "paid_date": dates(paid_day),
        "status": labels(all_denied.astype(np.int32), ["paid", "denied"]).cast(pa.string()),
        "billed": total(billed), "allowed": total(a.allowed_cents), "paid": total(a.paid_cents),
        "member_liability": total(a.member_cents),
        "plan_id": labels(b.plan, ctx.plan_ids).cast(pa.string()),
        "place_of_service": pa.array(lines.pos[start], pa.string()),
        "type_of_bill": _type_of_bill(b, tables),
        "drg": pa.array(b.drg, pa.string()).cast(pa.string()),
        "diagnosis_codes": _diagnosis_lists(tables["diagnoses"], encounter),
        "denial_reason": reason,
    })
    claims = _nullify(claims, ["drg", "denial_reason", "type_of_bill"])
    benefit = np.where(b.service_type == PREVENTIVE, len(SERVICE_TYPES),
                       np.where(b.service_type < 0, len(SERVICE_TYPES) + 1, b.service_type))
    claim_lines = pa.table({
        "claim_id": lines.claim_id, "line_no": b.line_no,
        "code": pa.array(lines.code, pa.string()), "code_system": pa.array(lines.code_system, pa.string()),
        "modifier": pa.array(lines.modifier, pa.string()), "units": lines.units.astype(float),
        "revenue_code": pa.array(lines.revenue_code, pa.string()),
        "billed": _dollars(billed), "allowed": _dollars(a.allowed_cents), "paid": _dollars(a.paid_cents),
        "deductible": _dollars(a.deductible_cents), "copay": _dollars(a.copay_cents),
        "coinsurance": _dollars(a.coinsurance_cents), "carc_codes": _carc_strings(b, billed),
        "service_date": dates(lines.day),
        "benefit": labels(benefit, [*SERVICE_TYPES, "preventive", "deductible_coinsurance"]).cast(pa.string()),
    })
    claim_lines = _nullify(claim_lines, ["code", "code_system", "modifier", "revenue_code"])
    return {"claims": claims, "claim_lines": claim_lines}


def _type_of_bill(b: BlockClaims, tables: dict[str, pa.Table]) -> pa.Array:
    from healthsim.products.claims.inputs import encode

    enc = tables["encounters"]
    ids = enc.column("encounter_id").to_numpy()
    code, vocab = encode(enc.column("type"))
    order = np.argsort(ids)
    row = order[np.searchsorted(ids, b.lines.encounter[b.claim_start], sorter=order)]
    tob = np.array([TYPE_OF_BILL.get(str(v), "") for v in vocab], object)[code[row]]
    inst = b.lines.kind[b.claim_start] == INSTITUTIONAL
    return pa.array(np.where(inst, tob, "").astype(str))


def _nullify(t: pa.Table, names: list[str]) -> pa.Table:
    """Empty strings -> nulls in the given columns."""
    for name in names:
        col = t.column(name)
        i = t.schema.get_field_index(name)
        t = t.set_column(i, name, pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col))
    return t
