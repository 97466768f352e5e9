"""The identity crosswalk: one person, one identifier per product.

PatientSim knows a person by MRN, MemberSim by member ID (with the
subscriber's ID), RxMemberSim by cardholder ID and person code. Every product
table joins back to persons through this table, which is what makes the same
synthetic person line up across clinical, payer and pharmacy views.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from healthsim.engine.columns import digits, join, labels
from healthsim.engine.coverage import member_ids
from healthsim.engine.members import MemberBlock
from healthsim.plan.population import COVERAGE_PREFIX, PopulationPlan

PRODUCTS = ("patientsim", "membersim", "rxmembersim")
ID_TYPES = ("MRN", "MEMBER_ID", "CARDHOLDER_ID")


def identities_table(plan: PopulationPlan, m: MemberBlock) -> pa.Table:
    """MRN for everyone; member and cardholder IDs for the insured."""
    mrn = join("MRN", digits(member_ids(plan, m.person_id, salt=2) % 100_000_000, 8))
    insured = np.flatnonzero(m.plan_index >= 0)
    prefixes = [COVERAGE_PREFIX[o.coverage_type] for o in plan.options]
    member = join(labels(m.plan_index[insured], prefixes).cast(pa.string()),
                  digits(m.member_id[insured], 9))
    card = join("RX", digits(member_ids(plan, m.person_id[insured], salt=3), 9))
    n = m.n
    nulls = pa.nulls(n, pa.string())
    head = _head_positions(m)
    subscriber = join(labels(m.plan_index[head[insured]], prefixes).cast(pa.string()),
                      digits(m.member_id[head[insured]], 9))
    code = person_codes(m).take(pa.array(insured))
    parts = [
        (m.person_id, 0, mrn, nulls, pa.nulls(n, pa.string())),
        (m.person_id[insured], 1, member, subscriber, code),
        (m.person_id[insured], 2, card, subscriber, code),
    ]
    person = np.concatenate([p[0] for p in parts])
    kind = np.concatenate([np.full(len(p[0]), p[1], np.int32) for p in parts])
    order = np.lexsort((kind, person))
    return pa.table({
        "person_id": person[order],
        "product": labels(kind[order], PRODUCTS),
        "id_type": labels(kind[order], ID_TYPES),
        "identifier": pa.concat_arrays([p[2] for p in parts]).take(order),
        "subscriber_id": pa.concat_arrays([p[3] for p in parts]).take(order),
        "person_code": pa.concat_arrays([p[4] for p in parts]).take(order),
    })


def _head_positions(m: MemberBlock) -> np.ndarray:
    """Block position of each member's subscriber (themselves when no households)."""
    if m.household is None:
        return np.arange(m.n)
    return (m.household - m.person_id[0]).astype(np.int64)


def person_codes(m: MemberBlock) -> pa.Array:
    """NCPDP/plan person codes: '01' subscriber, '02' spouse, '03', '04', ... children by age."""
    if m.relationship is None:
        return pa.array(np.full(m.n, "01", dtype=object), pa.string())
    rel = m.relationship.astype(np.int64)
    head = _head_positions(m)
    code = np.where(rel == 0, 1, 2).astype(np.int64)
    child = np.flatnonzero(rel == 2)
    if len(child):
        order = np.lexsort((-m.age[child], head[child]))
        h = head[child][order]
        first = np.r_[0, np.flatnonzero(np.diff(h)) + 1]
        rank = np.arange(len(h)) - np.repeat(first, np.diff(np.r_[first, len(h)]))
        code[child[order]] = 3 + rank
    return digits(code, 2)
