"""Lab orders and results, vitals and medication orders at encounters.

Results are recorded at collection time from the member's trajectories and
flagged against the sex-specific reference interval (H/L, HH/LL beyond critical
limits); results are released a panel-typical turnaround after collection, so
results always follow orders. Inpatient `daily_labs` are drawn every morning of
the stay. Medication orders take dose, route and frequency from the drug unless
the spec overrides them; quantity = units per day x days supply.
"""

from __future__ import annotations

import numpy as np

from healthsim.episodes.timing import sample_number
from healthsim.products.patient.context import BlockRecords, EncounterRows
from healthsim.reference.clinical import drugs, lab_panels, observables

FLAGS = ("N", "L", "H", "LL", "HH", "A")


def _flags(obs, value: np.ndarray, female: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(flag index into FLAGS or -1, ref_low, ref_high) for numeric results."""
    low = np.where(female & (obs.ref_low_f is not None), obs.ref_low_f or 0.0,
                   obs.ref_low if obs.ref_low is not None else np.nan)
    high = np.where(female & (obs.ref_high_f is not None), obs.ref_high_f or 0.0,
                    obs.ref_high if obs.ref_high is not None else np.nan)
    if obs.category != "laboratory":
        return np.full(len(value), -1), low, high
    flag = np.zeros(len(value), np.int64)
    flag = np.where(value < low, 1, flag)
    flag = np.where(value > high, 2, flag)
    if obs.crit_low is not None:
        flag = np.where(value < obs.crit_low, 3, flag)
    if obs.crit_high is not None:
        flag = np.where(value > obs.crit_high, 4, flag)
    return flag, low, high


def _record(rec: BlockRecords, run, keys, values: dict, rows: EncounterRows, idx, time, issued, order_row) -> None:
    catalog = observables()
    female = run.m.sex[rows.member[idx]] == "F"
    for key in keys:
        obs = catalog[key]
        v = values[key][idx] if len(values[key]) != len(idx) else values[key]
        n = len(idx)
        if obs.value_type == "text":
            text = rec.vocab["text"].codes(v)
            normal = np.array([x in ("Negative",) or key == "abo_rh" for x in v], bool) if n else np.zeros(0, bool)
            flag = np.where(normal, 0, 5)
            num, low, high = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        else:
            num = v.astype(float)
            flag, low, high = _flags(obs, num, female)
            text = np.full(n, rec.vocab["text"].code(None), np.int32)
        rec.obs.add(n, enc_row=rows.row[idx], member=rows.member[idx], order_row=order_row,
                    key=rec.vocab["label"].code(key), value=num, text=text, low=low, high=high,
                    flag=np.asarray(flag, np.int64), time=time, issued=issued, keep=rows.keep[idx])


def add_vitals(rec: BlockRecords, run, node, rows: EncounterRows, keys) -> None:
    if not keys:
        return
    occ = run.occ[node.key]
    values = run.measures.observe(node.key, list(keys), occ.member, occ.day)
    idx = np.arange(len(occ))
    t = rows.start_ts + 300
    _record(rec, run, keys, values, rows, idx, t, t, np.full(len(idx), -1, np.int64))


def add_labs(rec: BlockRecords, run, node, rows: EncounterRows, occ, items, rng, kind: str,
             adjust: dict[str, np.ndarray] | None = None) -> None:
    panels = lab_panels()
    n = len(occ)
    if kind == "daily":
        los = occ.extra["los"]
        idx_all = np.repeat(np.arange(n), los)
        nth = np.arange(len(idx_all)) - np.repeat(np.cumsum(los) - los, los) + 1
        day = occ.day[idx_all] + nth
        alive = day <= rec.cutoff[occ.member[idx_all]]  # a stay the member dies in ends that day
        idx_all, nth, day = idx_all[alive], nth[alive], day[alive]
        tag = f"{node.key}#daily"
        base_ts = day * 86400 + 5 * 3600 + rng.integers(0, 7200, len(idx_all))
    else:
        idx_all = np.arange(n)
        nth = np.ones(n)
        day = occ.day
        tag = node.key
        base_ts = rows.start_ts + rng.integers(5, 25, n) * 60
    member = occ.member[idx_all]
    keys = [k for item in items for k in panels[item.panel].members]
    fade = 0.7 ** (nth - 1) if kind == "daily" else np.ones(len(idx_all))  # an acute change fades day by day
    changes = {k: v[idx_all] * fade for k, v in (adjust or {}).items()}
    values = run.measures.observe(tag, list(dict.fromkeys(keys)), member, day, adjust=changes)
    for item in items:
        panel = panels[item.panel]
        mask = rng.random(len(idx_all)) < item.probability
        if item.when is not None:
            from healthsim.episodes.members import when_mask

            mask &= when_mask(item.when, run.m, member, day, run.flags, run.ctx)
        sel = np.flatnonzero(mask)
        ordered = base_ts[sel]
        collected = ordered + rng.integers(0, 20, len(sel)) * 60
        hours = panel.turnaround_hours * rng.uniform(0.5, 1.5, len(sel))
        resulted = collected + np.maximum((hours * 3600).astype(np.int64), 600)
        order_rows = rec.lab.rows + np.arange(len(sel))
        enc_idx = idx_all[sel]
        rec.lab.add(len(sel), enc_row=rows.row[enc_idx], member=rows.member[enc_idx],
                    panel=rec.vocab["label"].code(item.panel), ordered=ordered, collected=collected,
                    resulted=resulted, keep=rows.keep[enc_idx])
        sub = {k: values[k][sel] for k in panel.members}
        _record(rec, run, panel.members, sub, rows, enc_idx, collected, resulted, order_rows)


def add_medications(rec: BlockRecords, run, node, rows: EncounterRows, occ) -> None:
    ev = node.event
    items = list(ev.medications) + list(getattr(ev, "discharge_medications", []))
    n_adm = len(ev.medications)
    for i, item in enumerate(items):
        idx = np.flatnonzero(occ.extra[f"med{i}"])
        when = rows.end_ts[idx] - 600 if i >= n_adm else rows.start_ts[idx] + 900
        add_order(rec, run, item, rows.row[idx], rows.member[idx], when, rows.keep[idx],
                  item.id or f"{node.key}.medications.{i}", node.stream + i)


def add_order(rec: BlockRecords, run, item, enc_row, member, authored, keep, event: str, salt: int) -> None:
    from healthsim.engine.seeds import Stream, block_rng

    n = len(member)
    rng = block_rng(rec.seed, run.m.block, Stream.CLINICAL, salt)
    ctx = run.sub_ctx(member)
    supply = np.maximum(np.rint(sample_number(item.days_supply, n, rng, ctx)), 1).astype(np.int64)
    refills = np.maximum(np.rint(sample_number(item.refills, n, rng, ctx)), 0).astype(np.int64)
    stop = run.m.state.therapy.stop_day(item.drug, member, authored // 86400)
    order_rows(rec, item.drug, enc_row, member, authored, keep, event, supply, refills, stop,
               dose=item.dose, frequency=item.frequency)


def order_rows(rec: BlockRecords, rxcui: str, enc_row, member, authored, keep, event: str, supply, refills, stop,
               dose=None, frequency=None) -> None:
    """Medication order rows: dose, route and frequency from the drug unless given; quantity per fill."""
    drug = drugs()[rxcui]
    n = len(member)
    dose = dose or drug.dose
    per_day = drug.units_per_day * dose / drug.dose
    quantity = np.ceil(per_day * supply * 10) / 10
    if drug.unit in ("tablet", "capsule", "pen", "syringe", "inhaler"):
        quantity = np.ceil(per_day * supply)
    label = rec.vocab["label"].code
    freq = frequency or drug.frequency
    rec.med.add(n, enc_row=enc_row, member=member, authored=authored, keep=keep, event=label(event),
                rxnorm=label(drug.rxcui), dose=np.full(n, float(dose)), frequency=label(freq),
                sig=label(f"{dose:g} {drug.dose_unit} {drug.route} {freq}"), quantity=quantity,
                supply=supply, refills=refills, stop=np.asarray(stop, np.int64))
