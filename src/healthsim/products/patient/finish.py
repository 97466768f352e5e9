"""Buffers -> the PatientSim Arrow tables of one block, with identifiers and code checks.

Rows whose encounter was cut off (death, termination) go with it; every
diagnosis and procedure code is checked against the patient's sex and age on
the day (ICD-10-CM rules from reference/code_rules.py; CPT/HCPCS ranges from the
shipped subset), and rows that fail are dropped, so no cohort carries a
prostate code for a woman or a maternity code for a child.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from healthsim.engine.columns import dates
from healthsim.engine.members import MemberBlock
from healthsim.products.patient.clinical_rows import FLAGS
from healthsim.products.patient.context import BlockRecords
from healthsim.products.patient.rows import Vocab, nullable, nullable_dates, person_ids, ts
from healthsim.reference.clinical import drugs, lab_panels, observables, pcs_codes, procedure_codes
from healthsim.state.model import NEVER

DAYS_PER_YEAR = 365.25


def _labels(vocab: Vocab, codes: np.ndarray, mapping=None) -> pa.Array:
    if mapping is None:
        return vocab.column(codes)
    mapped = Vocab()
    codes = np.asarray(codes, np.int64)
    remap = np.zeros(len(vocab.values), np.int32)
    used = np.flatnonzero(np.bincount(codes, minlength=len(vocab.values))) if len(codes) else codes
    for c in used:  # only the values used (in order): the vocabulary is shared by several columns
        v = vocab.values[c]
        remap[c] = mapped.code(None if v is None else mapping(v))
    return mapped.column(remap[codes])


def _age_ok(m: MemberBlock, member, day, sex_rule, lo, hi) -> np.ndarray:
    age = (day - m.birth_day[member]) / DAYS_PER_YEAR
    return ((sex_rule == "") | (sex_rule == m.sex[member])) & (age >= lo) & (age < hi + 1)


def finish_tables(rec: BlockRecords, m: MemberBlock) -> dict[str, pa.Table]:
    enc_id, out = _encounters(rec, m)
    if not len(enc_id):  # rows outside any visit (the state's prescriptions) look up index 0
        enc_id = np.full(1, -1, np.int64)
    out["diagnoses"] = _diagnoses(rec, m, enc_id)
    out["procedures"] = _procedures(rec, m, enc_id)
    order_id, out["lab_orders"] = _lab_orders(rec, m, enc_id)
    out["observations"] = _observations(rec, m, enc_id, order_id)
    out["medication_orders"] = _medications(rec, m, enc_id)
    out["referrals"] = _referrals(rec, m, enc_id)
    out["member_events"] = _member_events(rec, m)
    out["journey_states"] = _states(rec, m)
    return out


def _encounters(rec: BlockRecords, m: MemberBlock) -> tuple[np.ndarray, dict]:
    e = rec.enc
    keep = e.get("keep", bool)
    rows = np.flatnonzero(keep)
    member, start, end = e.get("member")[rows], e.get("start_ts")[rows], e.get("end_ts")[rows]
    pid = m.person_id[member]
    order, ids = person_ids(pid, start, e.get("node")[rows])
    rows, member, start, end = rows[order], member[order], start[order], end[order]
    enc_id = np.full(e.rows, -1, np.int64)
    enc_id[rows] = ids
    g = {k: e.get(k)[rows] for k in ("type", "fhir_class", "patient_class", "admission_type", "disposition", "pos",
                                       "em", "new_patient", "specialty", "facility_type", "reason", "journey",
                                       "event", "stay", "los", "admitted_row")}
    stay = g["stay"].astype(bool)
    label, dx, proc = rec.vocab["label"], rec.vocab["dx"], rec.vocab["proc"]
    admitted = np.where(g["admitted_row"] >= 0, enc_id[np.maximum(g["admitted_row"], 0)], -1)
    n = len(rows)
    table = pa.table({
        "encounter_id": ids, "person_id": m.person_id[member],
        "journey": label.column(g["journey"]), "journey_event": label.column(g["event"]),
        "type": label.column(g["type"]), "encounter_class": label.column(g["fhir_class"]),
        "patient_class": label.column(g["patient_class"]),
        "status": pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array(["finished"])),
        "start_time": ts(start), "end_time": ts(end),
        "admit_date": nullable_dates(start // 86400, stay), "discharge_date": nullable_dates(end // 86400, stay),
        "length_of_stay": nullable(g["los"].astype(np.int32), stay, pa.int32()),
        "admission_type": label.column(g["admission_type"]),
        "admitted_from_encounter_id": nullable(admitted, admitted >= 0, pa.int64()),
        "discharge_disposition": label.column(g["disposition"]), "place_of_service": label.column(g["pos"]),
        "em_code": proc.column(g["em"]), "new_patient": g["new_patient"].astype(bool),
        "specialty": label.column(g["specialty"]), "facility_type": label.column(g["facility_type"]),
        "provider_id": pa.nulls(n, pa.string()), "facility_id": pa.nulls(n, pa.string()),
        "reason_code": dx.column(g["reason"]),
    })
    return enc_id, {"encounters": table}


def _unspecified_beside_specific(vocab: np.ndarray, code: np.ndarray, enc: np.ndarray) -> np.ndarray:
    """Rows of a family's default code (E11.9) on an encounter that also carries a more specific code of
    that family (E11.22, E11.65): ICD-10-CM codes the specific one instead (guideline I.C.4.a)."""
    from healthsim.conditions import library

    lib = library()
    defaults = {f.codes.default: f.id for f in lib.families.values() if f.codes.complications}
    if not len(code):
        return np.zeros(0, bool)
    is_default = np.isin(vocab, list(defaults))[code]
    if not is_default.any():
        return np.zeros(len(code), bool)
    # family index per vocabulary entry, only for the families that have such a default
    targets = sorted(set(defaults.values()))
    fam_of = np.full(len(vocab), -1, np.int64)
    used = np.unique(code)
    fam_of[used] = [targets.index(f) if (f := lib.family_of(v)) in targets else -1 for v in vocab[used]]
    fam = fam_of[code]
    rows = np.flatnonzero(fam >= 0)
    out = np.zeros(len(code), bool)
    if not len(rows):
        return out
    group = enc[rows] * len(targets) + fam[rows]
    _, inverse, counts = np.unique(group, return_inverse=True, return_counts=True)
    out[rows] = is_default[rows] & (counts[inverse] > 1)
    return out


def _diagnoses(rec: BlockRecords, m: MemberBlock, enc_id: np.ndarray) -> pa.Table:
    from healthsim.reference.code_rules import rules_for
    from healthsim.reference.icd10 import descriptions

    d = rec.dx
    dx = rec.vocab["dx"]
    enc_row = d.get("enc_row")
    code, member, day = d.get("code"), d.get("member"), d.get("day")
    vocab = np.array([v or "Z00.00" for v in dx.values], dtype=object)
    rules = rules_for(vocab.astype(str))
    ok = d.get("keep", bool) & (enc_id[enc_row] >= 0) & (code != rec.dx_null) if d.rows else np.zeros(0, bool)
    ok &= _age_ok(m, member, day, rules.sex[code], rules.min_age[code], rules.max_age[code]) if d.rows else ok
    rows = np.flatnonzero(ok)
    rows = rows[np.lexsort((d.get("order")[rows], enc_id[enc_row[rows]]))]
    key = enc_id[enc_row[rows]] * 1_000_003 + code[rows]
    _, first = np.unique(key, return_index=True)
    rows = rows[np.sort(first)]
    rows = rows[~_unspecified_beside_specific(vocab.astype(str), code[rows], enc_id[enc_row[rows]])]
    enc = enc_id[enc_row[rows]]
    starts = np.r_[0, np.flatnonzero(enc[1:] != enc[:-1]) + 1] if len(enc) else np.zeros(0, np.int64)
    rank = np.arange(len(enc)) - np.repeat(starts, np.diff(np.r_[starts, len(enc)])) + 1 if len(enc) else enc
    texts = dict(zip(dx.values, descriptions(vocab.astype(str)), strict=True))
    poa = d.get("poa", bool)[rows]
    return pa.table({
        "encounter_id": enc, "person_id": m.person_id[member[rows]], "code": dx.column(code[rows]),
        "description": _labels(dx, code[rows], lambda v: str(texts[v])), "rank": rank.astype(np.int32),
        "present_on_admission": pa.array(np.where(poa, "Y", None).tolist(), pa.string()) if len(rows) else
        pa.nulls(0, pa.string()),
        "diagnosis_date": dates(day[rows]),
    })


def _procedures(rec: BlockRecords, m: MemberBlock, enc_id: np.ndarray) -> pa.Table:
    p, proc = rec.proc, rec.vocab["proc"]
    cat, pcs = procedure_codes(), pcs_codes()
    sex = np.array([(cat[v].sex or "") if v in cat else "" for v in proc.values], dtype="<U1")
    lo = np.array([cat[v].min_age if v in cat else 0 for v in proc.values])
    hi = np.array([cat[v].max_age if v in cat else 124 for v in proc.values])
    enc_row, code, member, day = p.get("enc_row"), p.get("code"), p.get("member"), p.get("day")
    ok = p.get("keep", bool) & (enc_id[enc_row] >= 0) if p.rows else np.zeros(0, bool)
    ok &= _age_ok(m, member, day, sex[code], lo[code], hi[code]) if p.rows else ok
    rows = np.flatnonzero(ok)
    order, ids = person_ids(m.person_id[member[rows]], day[rows], code[rows])
    rows = rows[order]

    def system(v: str) -> str:
        return cat[v].system if v in cat else "ICD-10-PCS" if v in pcs else "CPT"

    def description(v: str) -> str:
        return cat[v].description if v in cat else pcs.get(v, "")

    return pa.table({
        "procedure_id": ids, "encounter_id": enc_id[enc_row[rows]], "person_id": m.person_id[member[rows]],
        "code": proc.column(code[rows]), "code_system": _labels(proc, code[rows], system),
        "description": _labels(proc, code[rows], description), "date": dates(day[rows]),
        "units": p.get("units")[rows].astype(np.int32), "modifier": rec.vocab["label"].column(p.get("modifier")[rows]),
    })


def _lab_orders(rec: BlockRecords, m: MemberBlock, enc_id: np.ndarray) -> tuple[np.ndarray, pa.Table]:
    lab, label = rec.lab, rec.vocab["label"]
    enc_row = lab.get("enc_row")
    ok = lab.get("keep", bool) & (enc_id[enc_row] >= 0) if lab.rows else np.zeros(0, bool)
    rows = np.flatnonzero(ok)
    member, ordered = lab.get("member")[rows], lab.get("ordered")[rows]
    order, ids = person_ids(m.person_id[member], ordered)
    rows = rows[order]
    order_id = np.full(lab.rows, -1, np.int64)
    order_id[rows] = ids
    panels = lab_panels()
    panel = lab.get("panel")[rows]
    return order_id, pa.table({
        "order_id": ids, "encounter_id": enc_id[enc_row[rows]], "person_id": m.person_id[lab.get("member")[rows]],
        "panel": label.column(panel), "loinc": _labels(label, panel, lambda v: panels[v].loinc),
        "display": _labels(label, panel, lambda v: panels[v].display),
        "cpt_codes": _labels(label, panel, lambda v: " ".join(panels[v].cpt)),
        "ordered_time": ts(lab.get("ordered")[rows]), "collected_time": ts(lab.get("collected")[rows]),
        "resulted_time": ts(lab.get("resulted")[rows]),
        "status": pa.DictionaryArray.from_arrays(pa.array(np.zeros(len(rows), np.int32)), pa.array(["final"])),
    })


def _observations(rec: BlockRecords, m: MemberBlock, enc_id: np.ndarray, order_id: np.ndarray) -> pa.Table:
    o, label = rec.obs, rec.vocab["label"]
    enc_row, order_row = o.get("enc_row"), o.get("order_row")
    order_id = np.append(order_id, -1)  # a block with observations but no lab orders: index 0 must exist
    ok = o.get("keep", bool) & (enc_id[enc_row] >= 0) if o.rows else np.zeros(0, bool)
    order_id = np.append(order_id, -1)  # vitals have no order (order_row -1); a block may have no lab order
    ok &= (order_row < 0) | (order_id[np.maximum(order_row, 0)] >= 0) if o.rows else ok
    rows = np.flatnonzero(ok)
    member, time, key = o.get("member")[rows], o.get("time")[rows], o.get("key")[rows]
    order, ids = person_ids(m.person_id[member], time, key)
    rows, member, key = rows[order], member[order], key[order]
    cat = observables()
    value, flag, orow = o.get("value")[rows], o.get("flag")[rows], order_row[rows]
    flag_codes = np.where(flag >= 0, flag, len(FLAGS)).astype(np.int32)
    return pa.table({
        "observation_id": ids, "encounter_id": enc_id[enc_row[rows]],
        "order_id": nullable(np.where(orow >= 0, order_id[np.maximum(orow, 0)], 0), orow >= 0, pa.int64()),
        "person_id": m.person_id[member], "category": _labels(label, key, lambda v: cat[v].category),
        "loinc": _labels(label, key, lambda v: cat[v].loinc), "display": _labels(label, key, lambda v: cat[v].display),
        "value": nullable(value, ~np.isnan(value), pa.float64()),
        "value_text": rec.vocab["text"].column(o.get("text")[rows]),
        "unit": _labels(label, key, lambda v: cat[v].unit or None),
        "ref_low": nullable(o.get("low")[rows], ~np.isnan(o.get("low")[rows]), pa.float64()),
        "ref_high": nullable(o.get("high")[rows], ~np.isnan(o.get("high")[rows]), pa.float64()),
        "abnormal_flag": _flag_column(flag_codes),
        "time": ts(o.get("time")[rows]), "issued_time": ts(o.get("issued")[rows]),
    })


def _flag_column(codes: np.ndarray) -> pa.Array:
    v = Vocab()
    for f in (*FLAGS, None):
        v.code(f)
    return v.column(codes)


def _medications(rec: BlockRecords, m: MemberBlock, enc_id: np.ndarray) -> pa.Table:
    md, label = rec.med, rec.vocab["label"]
    enc_row = md.get("enc_row")
    ok = md.get("keep", bool) & ((enc_row < 0) | (enc_id[np.maximum(enc_row, 0)] >= 0)) if md.rows else \
        np.zeros(0, bool)
    rows = np.flatnonzero(ok)
    member, authored = md.get("member")[rows], md.get("authored")[rows]
    order, ids = person_ids(m.person_id[member], authored, md.get("rxnorm")[rows])
    rows, member, authored = rows[order], member[order], authored[order]
    rx = md.get("rxnorm")[rows]
    table = drugs()
    start = authored // 86400
    supply, refills = md.get("supply")[rows], md.get("refills")[rows]
    stop = md.get("stop")[rows]
    end = np.minimum(start + supply * (refills + 1) - 1, stop)
    # a stop is recorded whenever one happened (late refills can run past the supply's nominal end)
    stopped = (stop < NEVER) & (stop <= rec.as_of)
    er = enc_row[rows]
    status = Vocab()
    status.code("active")
    status.code("completed")
    status.code("stopped")
    return pa.table({
        "order_id": ids, "encounter_id": nullable(np.where(er >= 0, enc_id[np.maximum(er, 0)], 0), er >= 0, pa.int64()),
        "person_id": m.person_id[member], "journey_event": label.column(md.get("event")[rows]),
        "rxnorm": label.column(rx), "drug_name": _labels(label, rx, lambda v: table[v].name),
        "ingredient": _labels(label, rx, lambda v: table[v].ingredient),
        "drug_class": _labels(label, rx, lambda v: table[v].drug_class),
        "generic": np.array([table[label.values[c]].generic for c in rx], bool) if len(rx) else np.zeros(0, bool),
        "dose": md.get("dose")[rows], "dose_unit": _labels(label, rx, lambda v: table[v].dose_unit),
        "route": _labels(label, rx, lambda v: table[v].route), "frequency": label.column(md.get("frequency")[rows]),
        "sig": label.column(md.get("sig")[rows]), "quantity": md.get("quantity")[rows].astype(float),
        "quantity_unit": _labels(label, rx, lambda v: table[v].unit),
        "days_supply": supply.astype(np.int32), "refills": refills.astype(np.int32), "authored_time": ts(authored),
        "start_date": dates(start), "end_date": dates(end),
        "stop_date": nullable_dates(np.where(stopped, stop, 0), stopped),
        "status": status.column(np.where(stopped & (stop <= rec.as_of), 2, (end <= rec.as_of).astype(np.int32))),
    })


def _referrals(rec: BlockRecords, m: MemberBlock, enc_id: np.ndarray) -> pa.Table:
    r, label = rec.ref, rec.vocab["label"]
    enc_row = r.get("enc_row")
    ok = r.get("keep", bool) & ((enc_row < 0) | (enc_id[np.maximum(enc_row, 0)] >= 0)) if r.rows else \
        np.zeros(0, bool)
    rows = np.flatnonzero(ok)
    member, day = r.get("member")[rows], r.get("day")[rows]
    order, ids = person_ids(m.person_id[member], day)
    rows, member, day = rows[order], member[order], day[order]
    er = enc_row[rows]
    return pa.table({
        "referral_id": ids, "encounter_id": nullable(np.where(er >= 0, enc_id[np.maximum(er, 0)], 0), er >= 0,
                                                     pa.int64()),
        "person_id": m.person_id[member], "referral_date": dates(day),
        "from_specialty": label.column(r.get("src")[rows]), "to_specialty": label.column(r.get("dst")[rows]),
        "reason_code": rec.vocab["dx"].column(r.get("reason")[rows]),
    })


def _member_events(rec: BlockRecords, m: MemberBlock) -> pa.Table:
    e, label = rec.mev, rec.vocab["label"]
    rows = np.flatnonzero(e.get("keep", bool)) if e.rows else np.zeros(0, np.int64)
    member, day = e.get("member")[rows], e.get("day")[rows]
    order, ids = person_ids(m.person_id[member], day, e.get("kind")[rows])
    rows, member, day = rows[order], member[order], day[order]
    return pa.table({
        "event_id": ids, "person_id": m.person_id[member], "journey": label.column(e.get("journey")[rows]),
        "journey_event": label.column(e.get("event")[rows]), "event_type": label.column(e.get("kind")[rows]),
        "event_date": dates(day), "outcome": label.column(e.get("outcome")[rows]),
    })


def _states(rec: BlockRecords, m: MemberBlock) -> pa.Table:
    s, label = rec.states, rec.vocab["label"]
    rows = np.flatnonzero(s.get("keep", bool)) if s.rows else np.zeros(0, np.int64)
    return pa.table({
        "person_id": m.person_id[s.get("member")[rows]], "journey": label.column(s.get("journey")[rows]),
        "state": label.column(s.get("state")[rows]), "start_date": dates(s.get("start")[rows]),
        "end_date": dates(s.get("end")[rows]),
    })
