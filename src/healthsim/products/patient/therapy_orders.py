"""The member state's chronic medications as prescriptions, and stops on recorded results.

Each medication interval of the state (state/therapy.py) becomes prescriptions: a
member already on a drug when the window opens has it renewed in the first two
months, one started inside the window has it written on the start day, and it is
renewed every year while it lasts; 90-day supplies with 3 refills or 30-day with
11 (the class's `days_supply_90_share`). Every order carries the interval's stop
day, so fills end there (pharmacy) and the order's status says it was stopped.

Doctors act on results: when a recorded value meets a drug class's stop rule
(eGFR below 30 for metformin), orders of that class written after the result are
withdrawn and earlier ones stop on the result's day.
"""

from __future__ import annotations

import numpy as np

from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.products.patient.clinical_rows import order_rows
from healthsim.products.patient.context import BlockRecords
from healthsim.state.model import NEVER

SUB_ORDERS = 6
RENEWAL_DAYS = 365


def add_state_orders(rec: BlockRecords, m: MemberBlock) -> None:
    state = m.state
    rng = block_rng(rec.seed, m.block, Stream.STATE, SUB_ORDERS)
    lo, hi = state.window_lo, min(state.window_hi, rec.as_of)
    for name, cls in sorted(state.therapy.classes.items()):
        u_first, u_supply = rng.random(m.n), rng.random(m.n)
        end = np.minimum(np.minimum(cls.stop, hi), rec.cutoff)
        on = (cls.start < NEVER) & (cls.start <= hi) & (end >= lo)
        first = np.where(cls.start < lo, lo + np.floor(u_first * 60).astype(np.int64), cls.start)
        on &= first <= end
        member = np.flatnonzero(on)
        if not len(member):
            continue
        count = (end[member] - first[member]) // RENEWAL_DAYS + 1
        rows = np.repeat(member, count)
        nth = np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count)
        day = first[rows] + nth * RENEWAL_DAYS
        share90 = cls.entries[0][1].days_supply_90_share
        ninety = u_supply[rows] < share90
        supply = np.where(ninety, 90, 30).astype(np.int64)
        refills = np.where(ninety, 3, 11).astype(np.int64)
        for rxcui in sorted({d for d in cls.drug[member] if d is not None}):
            sel = np.flatnonzero(cls.drug[rows] == rxcui)
            mem = rows[sel]
            order_rows(rec, rxcui, np.full(len(sel), -1, np.int64), mem, day[sel] * 86400 + 10 * 3600,
                       np.ones(len(sel), bool), f"therapy:{name}", supply[sel], refills[sel], cls.stop[mem])


def apply_observed_stops(rec: BlockRecords) -> None:
    """Stop drug classes on the first recorded result that meets their stop rule."""
    state = rec.state
    if not rec.med.rows or not rec.obs.rows:
        return
    label = rec.vocab["label"]
    obs_key, obs_val = rec.obs.get("key"), rec.obs.get("value")
    obs_member, obs_day = rec.obs.get("member"), rec.obs.get("time") // 86400
    obs_keep = rec.obs.get("keep", bool)
    med_rx = np.array([label.values[c] for c in rec.med.get("rxnorm")], dtype=object)
    authored = rec.med.get("authored") // 86400
    med_member = rec.med.get("member")
    stop = rec.med.get("stop").astype(np.int64)
    keep = rec.med.get("keep", bool)
    for cls in state.therapy.classes.values():
        tests = [t for _f, rung in cls.entries for t in rung.stop]
        if not tests:
            continue
        first = np.full(state.n, NEVER, np.int64)
        for t in tests:
            k = label.code(t.measure)
            hit = obs_keep & (obs_key == k)
            if t.below is not None:
                hit &= obs_val < t.below
            if t.above is not None:
                hit &= obs_val > t.above
            np.minimum.at(first, obs_member[hit], obs_day[hit])
        drugs = {d.rxcui for _f, rung in cls.entries for d in rung.drugs}
        mine = np.isin(med_rx, list(drugs))
        when = first[med_member]
        keep &= ~(mine & (authored > when))
        stop[:] = np.where(mine & (when < NEVER), np.minimum(stop, when), stop)
    rec.med.replace("stop", stop)
    rec.med.replace("keep", keep)
