"""Journey occurrences -> PatientSim rows: encounters and what happens at them.

One function per event type, each working on all occurrences of one spec
event at once. Items inside an encounter (diagnoses, procedures, labs,
medications, referrals) are kept or dropped per occurrence by their
`probability` and `when`; every coded row is checked against the code's sex and
age rules and dropped if the patient cannot carry it. Lab values come from the
member state's trajectories (state/measures), so results are
consistent with the decisions that were taken on them.
"""

from __future__ import annotations

import numpy as np

from healthsim.conditions.presentations import presentations
from healthsim.engine.seeds import Stream, block_rng
from healthsim.episodes.members import when_mask
from healthsim.episodes.timing import distribution_labels, label_codes
from healthsim.plan.journey import stream_id
from healthsim.products.patient.clinical_rows import add_labs, add_medications, add_vitals
from healthsim.products.patient.context import BlockRecords, EncounterRows
from healthsim.products.patient.dx import condition_item, first_code, gestation_item, plain_code
from healthsim.reference.clinical import settings
from healthsim.spec.journey_events import EncounterEvent, LabEvent

# Preventive E/M by age band (CPT): new patient 99381-99387, established 99391-99397.
PREVENTIVE_BANDS = ((0, "99381", "99391"), (1, "99382", "99392"), (5, "99383", "99393"), (12, "99384", "99394"),
                    (18, "99385", "99395"), (40, "99386", "99396"), (65, "99387", "99397"))
MEDICARE_PREVENTIVE = ("G0402", "G0438", "G0439")  # IPPE, initial and subsequent annual wellness visit
MEDICARE = ("medicare", "medicare_advantage", "dual")
PREVENTIVE_REQUESTS = frozenset(("preventive",) + MEDICARE_PREVENTIVE + tuple(c for _, a, b in PREVENTIVE_BANDS
                                                                            for c in (a, b)))


def materialise_encounters(rec: BlockRecords, run, node, keep: np.ndarray) -> None:
    """Encounter rows (and their diagnoses, procedures, labs, vitals, medications, referrals)."""
    occ = run.occ[node.key]
    ev = node.event
    rng = block_rng(rec.seed, run.m.block, Stream.CLINICAL, stream_id(run.plan.stream_name, node.key, "records"))
    n = len(occ)
    setting = settings()[getattr(ev, "setting", "lab")]
    member = occ.member
    em = _em_codes(rec, run, ev, setting, member, occ.day, rng)
    start_ts, end_ts, los = occ.extra["start_ts"], occ.extra["end_ts"], occ.extra["los"]
    dx_code, dx_valid = _reason(rec, run, ev, member, occ.day, keep)
    stay = setting.setting in ("inpatient", "observation")
    death_day = rec.cutoff_death[member]
    end_day = end_ts // 86400
    expired = stay & (death_day >= start_ts // 86400) & (death_day <= end_day) & (death_day < rec.never)
    # a stay the member dies in ends on the day of death, even one admitted late that evening
    last_minute = (death_day + 1) * 86400 - 60
    end_ts = np.where(expired, np.maximum(death_day * 86400 + 12 * 3600,
                                          np.minimum(start_ts + 3600, np.maximum(last_minute, start_ts + 1))), end_ts)
    disposition = _disposition(rec, ev, setting.setting, n, rng)
    # status 20 (expired) means the member died in the stay, and only then (the member state decides)
    routine = rec.vocab["label"].code("01")
    disposition = np.where(disposition == rec.vocab["label"].code("20"), routine, disposition)
    disposition = np.where(expired, rec.vocab["label"].code("20"), disposition)
    admitted = np.full(n, -1, np.int64)
    if getattr(ev, "admitted_from", None):
        admitted = rec.encounter_rows_of(run, ev.admitted_from)[occ.parent]
    rows = EncounterRows(rec.enc.rows + np.arange(n), member, start_ts, end_ts, keep)
    label = rec.vocab["label"].code
    rec.enc.add(n, member=member, start_ts=start_ts, end_ts=end_ts, keep=keep, node=rec.node_code(run, node),
                journey=label(run.plan.name), event=label(node.key), type=label(setting.setting),
                fhir_class=label(setting.fhir_class), patient_class=label(setting.patient_class),
                stay=np.full(n, stay), los=np.where(expired, (end_ts // 86400) - start_ts // 86400, los),
                admission_type=label(_admission_type(ev, setting.setting)) if stay else label(None),
                admitted_row=admitted, disposition=disposition,
                pos=label(setting.place_of_service), em=em, new_patient=np.full(n, bool(getattr(ev, "new_patient",
                                                                                                  False))),
                specialty=label(getattr(ev, "specialty", None) or setting.default_specialty),
                facility_type=label(setting.facility_type), reason=np.where(dx_valid, dx_code, rec.dx_null))
    adjust = _presentation_changes(rec, _diagnoses(rec, run, ev, rows, rng, stay), n, rng)
    if isinstance(ev, EncounterEvent):
        _procedures(rec, run, ev, rows, occ, rng)
        add_vitals(rec, run, node, rows, ev.vitals or [])
        add_medications(rec, run, node, rows, occ)
        _referrals(rec, run, ev, rows, rng)
    add_labs(rec, run, node, rows, occ, ev.labs, rng, "labs", adjust)
    if isinstance(ev, EncounterEvent) and ev.daily_labs and stay:
        add_labs(rec, run, node, rows, occ, ev.daily_labs, rng, "daily", adjust)


def _presentation_changes(rec: BlockRecords, added, n: int, rng) -> dict[str, np.ndarray]:
    """Per measure, what the visit's acute diagnoses add to the labs drawn at it (0 where none applies)."""
    vocab = np.array([v or "" for v in rec.vocab["dx"].values]).astype(str)
    out: dict[str, np.ndarray] = {}
    for p in presentations():
        starts = np.char.startswith(vocab, p.prefix)
        hit = np.zeros(n, bool)
        for idx, codes in added:
            if len(idx):
                hit[idx[starts[codes]]] = True
        draw = np.asarray(p.change.sample(n, rng), float)  # drawn for every row: same stream use either way
        out[p.measure] = out.get(p.measure, np.zeros(n)) + np.where(hit, draw, 0.0)
    return out


def _admission_type(ev, setting: str) -> str:
    if getattr(ev, "admission_type", None):
        return ev.admission_type
    return "emergency" if getattr(ev, "admitted_from", None) else "elective"


def _disposition(rec: BlockRecords, ev, setting: str, n: int, rng) -> np.ndarray:
    label = rec.vocab["label"]
    if getattr(ev, "disposition", None) is not None:
        names = list(ev.disposition.weights)
        p = np.array([ev.disposition.weights[x] for x in names])
        codes = label.codes(names)
        return codes[np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right").clip(0, len(names) - 1)]
    default = "01" if setting in ("inpatient", "observation", "emergency") else None
    return np.full(n, label.code(default), np.int32)


def _em_codes(rec: BlockRecords, run, ev, setting, member, day, rng) -> np.ndarray:
    """E/M code per occurrence: explicit, drawn, preventive by age, or the setting's mix."""
    vocab = rec.vocab["proc"]
    n = len(member)
    em = getattr(ev, "em", None)
    if isinstance(ev, LabEvent) or em == "none":
        return np.full(n, vocab.code(None), np.int32)
    if em == "preventive":
        return preventive_em(rec, run, member, day, np.full(n, vocab.code("99395"), np.int32), bool(ev.new_patient))
    if isinstance(em, str):
        return preventive_em(rec, run, member, day, np.full(n, vocab.code(em), np.int32), bool(ev.new_patient))
    if em is None:
        mix = setting.em_new if ev.new_patient else setting.em_established
        if not mix:
            return np.full(n, vocab.code(None), np.int32)
        names = [c for c, _ in mix]
        p = np.array([w for _, w in mix])
        idx = np.searchsorted(np.cumsum(p), rng.random(n) * p.sum(), side="right").clip(0, len(names) - 1)
        return vocab.codes(names)[idx]
    labels = distribution_labels(em)
    codes = vocab.codes(labels)[label_codes(em, labels, n, rng, run.sub_ctx(member))]
    return preventive_em(rec, run, member, day, codes, bool(getattr(ev, "new_patient", False)))


def preventive_em(rec: BlockRecords, run, member, day, codes: np.ndarray, new_patient: bool) -> np.ndarray:
    """Preventive visits coded by payer and age: G0402/G0438/G0439 only for Medicare members (G0402, the
    Welcome to Medicare visit, only in the first year of Part B: age under 66), 99381-99397 by age band
    for everyone else."""
    vocab = rec.vocab["proc"]
    asked = np.array([vocab.values[c] in PREVENTIVE_REQUESTS for c in range(len(vocab.values))])
    hit = asked[codes]
    if not hit.any():
        return codes
    age = (day - run.m.birth_day[member]) / 365.25
    medicare = np.isin(np.asarray(run.ctx["coverage_type"])[member].astype(str), MEDICARE)
    requested = np.array(vocab.values, dtype=object)[codes]
    g = np.where(requested == "G0402", np.where(age < 66, "G0402", "G0438"),
                 np.where(requested == "G0438", "G0438", "G0439"))
    band = np.searchsorted([b for b, _, _ in PREVENTIVE_BANDS], age, side="right") - 1
    cpt = np.array([b[1 if new_patient else 2] for b in PREVENTIVE_BANDS], dtype=object)[np.clip(band, 0, 6)]
    mapped = np.where(medicare, g, cpt)
    out = codes.copy()
    uniq, inverse = np.unique(mapped[hit].astype(str), return_inverse=True)
    out[hit] = vocab.codes(list(uniq))[inverse]
    return out


def _item_mask(rec: BlockRecords, run, item, member, day, rng) -> np.ndarray:
    mask = rng.random(len(member)) < item.probability
    if item.when is not None:
        mask &= when_mask(item.when, run.m, member, day, run.flags, run.ctx)
    return mask


def _member_code(rec: BlockRecords, run, prefix: str, member: np.ndarray, day: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The member's own code for this condition on the day (and whether they have it)."""
    return first_code(condition_item(rec, run.m.state, prefix, None, member, day), len(member), rec.dx_null)


def _dx_pairs(rec: BlockRecords, run, item, rows: EncounterRows, day) -> list:
    state = run.m.state
    if item.gestational_weeks is not None:
        return gestation_item(rec, state, item.gestational_weeks, run.start[rows.member], rows.member, day)
    if item.condition is not None:
        return condition_item(rec, state, item.condition, item.code, rows.member, day)
    return plain_code(rec, state, item.code, rows.member, day)


def _reason(rec: BlockRecords, run, ev, member, day, keep):
    reason = getattr(ev, "reason", None)
    if reason is None:
        return np.full(len(member), rec.dx_null, np.int32), np.zeros(len(member), bool)
    state = run.m.state
    if "." in reason or len(reason) > 3:
        pairs = plain_code(rec, state, reason, member, day)
    else:
        pairs = condition_item(rec, state, reason, None, member, day)
    return first_code(pairs, len(member), rec.dx_null)


def _diagnoses(rec: BlockRecords, run, ev, rows: EncounterRows, rng, stay: bool) -> None:
    day = rows.start_ts // 86400
    reason = rec.enc.parts["reason"][-1]
    has_reason = reason != rec.dx_null
    rec.dx.add(int(has_reason.sum()), enc_row=rows.row[has_reason], member=rows.member[has_reason],
               code=reason[has_reason], order=np.zeros(int(has_reason.sum()), np.int32),
               day=day[has_reason], keep=rows.keep[has_reason], poa=np.full(int(has_reason.sum()), stay))
    first_dx = ~has_reason
    added = [(np.flatnonzero(has_reason), reason[has_reason])]
    for k, item in enumerate(ev.diagnoses):
        mask = _item_mask(rec, run, item, rows.member, day, rng)
        for code, valid in _dx_pairs(rec, run, item, rows, day):
            hit = mask & valid
            idx = np.flatnonzero(hit)
            rec.dx.add(len(idx), enc_row=rows.row[idx], member=rows.member[idx], code=code[idx],
                       order=np.full(len(idx), k + 1, np.int32), day=day[idx], keep=rows.keep[idx],
                       poa=np.full(len(idx), stay))
            added.append((idx, code[idx]))
            fill = first_dx & hit
            reason[fill] = code[fill]
            first_dx &= ~hit
    return added


def _procedures(rec: BlockRecords, run, ev: EncounterEvent, rows: EncounterRows, occ, rng) -> None:
    day = rows.start_ts // 86400
    proc = rec.vocab["proc"]
    for item in ev.procedures:
        mask = _item_mask(rec, run, item, rows.member, day, rng)
        idx = np.flatnonzero(mask)
        rec.add_procedure(rows, idx, proc.code(item.code), day[idx], item.units, item.modifier)
    if ev.setting in ("inpatient", "observation"):
        los = occ.extra["los"]
        extra = np.maximum(los - 1, 0)
        idx = np.repeat(np.arange(len(los)), extra)
        nth = np.arange(len(idx)) - np.repeat(np.cumsum(extra) - extra, extra) + 1
        alive = day[idx] + nth <= rows.end_ts[idx] // 86400  # the stay may end early (death)
        idx, nth = idx[alive], nth[alive]
        rec.add_procedure(rows, idx, proc.code("99232"), day[idx] + nth, 1, None)
        dis = np.flatnonzero(los > 0)
        code = np.where(rng.random(len(dis)) < 0.6, proc.code("99238"), proc.code("99239"))
        rec.add_procedure(rows, dis, code, rows.end_ts[dis] // 86400, 1, None)
    if ev.setting == "telehealth":
        pass  # modifier 95 is carried by the E/M line on the claim; nothing extra here
    if ev.labs and ev.setting in ("office", "lab", "home"):
        idx = np.arange(len(day))
        rec.add_procedure(rows, idx, proc.code("36415"), day, 1, None)


def _referrals(rec: BlockRecords, run, ev: EncounterEvent, rows: EncounterRows, rng) -> None:
    day = rows.start_ts // 86400
    label = rec.vocab["label"].code
    for item in ev.referrals:
        mask = _item_mask(rec, run, item, rows.member, day, rng)
        code = np.full(len(day), rec.dx_null, np.int32)
        if item.reason:
            code, has = (_member_code(rec, run, item.reason, rows.member, day) if "." not in item.reason
                         else (np.full(len(day), rec.vocab["dx"].code(item.reason), np.int32), None))
            if has is not None:
                mask &= has  # a referral for a condition goes only to members who have it
        idx = np.flatnonzero(mask)
        rec.ref.add(len(idx), enc_row=rows.row[idx], member=rows.member[idx], day=day[idx],
                    src=label(ev.specialty or settings()[ev.setting].default_specialty), dst=label(item.to),
                    reason=code[idx], keep=rows.keep[idx])
