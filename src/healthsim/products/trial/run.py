"""One protocol run: candidates in, the trial tables and the EMR rows it adds out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthsim.canonical import TABLES
from healthsim.engine.seeds import Stream, block_rng
from healthsim.products.trial import allocation, conduct, findings, safety, screening, tumours
from healthsim.products.trial.inputs import VITALS, TrialInputs, days
from healthsim.spec.trial import LAB_TESTS, ProtocolSpec

EPOCH = date(1970, 1, 1)
VISIT_ENCOUNTER_BASE = 900_000  # trial visit n of a person: encounter person_id * 1e6 + 900000 + n
CODE_TO_TEST = {v[1]: (k, v) for k, v in LAB_TESTS.items()}


@dataclass
class TrialResult:
    tables: dict[str, pa.Table]            # trial tables (canonical/trial.py)
    emr: dict[str, pa.Table]               # rows added to encounters, diagnoses, identities
    summary: dict = field(default_factory=dict)


def study_span_days(protocol: ProtocolSpec) -> int:
    """Days from the first consent to the last possible contact (delays included)."""
    delays = 7 * (protocol.cycles.count - 1) if protocol.cycles else 0
    last = max(v.day for v in protocol.visits) + max(v.window[1] for v in protocol.visits)
    if protocol.cycles:
        last = max(last, protocol.treatment_days())
    return protocol.recruitment.enrollment_months * 30 + 60 + last + delays + protocol.follow_up_days


def run_trial(protocol: ProtocolSpec, inputs: TrialInputs, as_of: date) -> TrialResult:
    seed = protocol.seed

    def rng(sub: int) -> np.random.Generator:
        return block_rng(seed, 0, Stream.TRIALS, sub)

    end_day = (as_of - EPOCH).days
    start_day = end_day - study_span_days(protocol)
    sites = screening.choose_sites(protocol, inputs)
    scr = screening.screen(protocol, inputs, sites, start_day, rng(1))
    persons = inputs.persons
    p_pid = persons["person_id"].to_numpy()
    p_idx = screening.index_of(p_pid, scr.person_id)
    sex_all = persons["sex"].to_numpy(zero_copy_only=False).astype(str)[p_idx]
    rand = ~scr.failed
    r = np.flatnonzero(rand)
    n = r.size
    # screening visit -> day 1: the screening window's distance before the first dose
    first = protocol.visits[0]
    gap = -(first.day + rng(2).integers(first.window[0], first.window[1] + 1, size=n))
    day1 = scr.screening_day[r] + np.maximum(gap, 1)
    stratum = allocation.strata(protocol, sex_all[r], scr.age[r], scr.labs["hba1c"][r], sites.state[scr.site[r]])
    arm, block = allocation.allocate(protocol, stratum, rng(3))
    death_abs = screening.death_day(inputs, scr.person_id[r])
    death_sd = np.where(death_abs >= conduct.FAR, conduct.FAR, death_abs - day1 + 1)
    visits = conduct.planned_visits(protocol)
    course = conduct.run_course(protocol, visits, arm, day1, death_abs, rng(4))
    stays = (inputs.stays["person_id"].to_numpy(), days(inputs.stays["admit_date"]),
             days(inputs.stays["discharge_date"]))
    done = conduct.schedule(protocol, visits, course, day1, stays, scr.person_id[r], death_sd, rng(5))
    completed = course.disposition == "COMPLETED"
    if done.subject.size:  # completers end at their last visit, as it fell
        last_seen = np.zeros(n, dtype=np.int64)
        np.maximum.at(last_seen, done.subject[~done.missed], done.study_day[~done.missed])
        course.end = np.where(completed, np.maximum(course.end, last_seen), course.end)
    cause = _death_causes(inputs, scr.person_id[r])
    events = safety.draw_events(protocol, arm, course, death_sd, cause, rng(6))
    # screening visits of the randomised (study day = screening - day 1, negative)
    scr_sd = scr.screening_day[r] - day1
    v_subject = np.concatenate([np.arange(n), done.subject[~done.missed]])
    v_index = np.concatenate([np.zeros(n, dtype=np.int64), done.visit[~done.missed]])
    v_day = np.concatenate([scr_sd, done.study_day[~done.missed]])
    base = findings.Baseline(
        hba1c=scr.labs["hba1c"][r], egfr=scr.labs["egfr"][r],
        vitals=_latest_vitals(inputs, scr.person_id[r], scr.screening_day[r]), sex=sex_all[r], age=scr.age[r],
        conditions=_active_conditions(inputs, scr.person_id[r], scr.screening_day[r]))
    rows = findings.measure(protocol, base, arm, v_subject, v_index, v_day, visits.assessments, events, rng(7))

    study_id = protocol.study_id
    arms = protocol.arms
    armcd = np.array([a.armcd for a in arms], dtype=object)
    usubjid = np.array([f"{study_id}-{sites.site_id[s]}-{i + 1:04d}" for i, s in enumerate(scr.site)], dtype=object)
    tables: dict[str, pa.Table] = {}
    tables["studies"] = _table("studies", {
        "study_id": [study_id], "title": [protocol.title], "phase": [protocol.phase],
        "indication": [", ".join(protocol.indication)], "sponsor": [protocol.sponsor],
        "planned_subjects": [protocol.subjects], "start_date": [_date(int(scr.consent_day.min()) if scr.person_id.size
                                                                      else start_day)],
        "end_date": [as_of], "protocol": [json.dumps(protocol.model_dump(mode="json"), sort_keys=True)]})
    tables["trial_arms"] = _table("trial_arms", {
        "study_id": [study_id] * len(arms), "armcd": [a.armcd for a in arms], "arm": [a.name for a in arms],
        "ratio": [a.ratio for a in arms], "treatment": [a.treatment.name for a in arms],
        "dose": [a.treatment.dose for a in arms], "dose_unit": [a.treatment.unit for a in arms],
        "route": [a.treatment.route for a in arms], "frequency": [a.treatment.frequency for a in arms]})
    tables["trial_sites"] = _table("trial_sites", {
        "study_id": [study_id] * sites.site_id.size, "site_id": sites.site_id.tolist(),
        "facility_id": sites.facility_id.tolist(), "name": sites.name.tolist(), "state": sites.state.tolist(),
        "country": ["USA"] * sites.site_id.size,
        "activation_date": _dates(start_day + sites.activation) if sites.activation is not None else None,
        "screening_rate": sites.rate, "screened": np.bincount(scr.site, minlength=sites.site_id.size),
        "randomized": np.bincount(scr.site[r], minlength=sites.site_id.size)})
    tables["trial_visits"] = _table("trial_visits", {
        "study_id": [study_id] * len(visits), "visitnum": visits.visitnum, "visit": visits.name.tolist(),
        "target_day": visits.target, "window_low": visits.low, "window_high": visits.high,
        "epoch": visits.epoch.tolist(), "assessments": [", ".join(a) for a in visits.assessments]})
    m = scr.person_id.size
    full = lambda values, fill=None: _scatter(m, r, values, fill)
    to_date = lambda sd: np.where(sd >= conduct.FAR, None, day1 + sd - 1)
    disposition = np.where(scr.failed, "SCREEN FAILURE", full(course.disposition, None))
    tables["trial_subjects"] = _table("trial_subjects", {
        "person_id": scr.person_id, "study_id": [study_id] * m, "usubjid": usubjid,
        "subjid": [u.rsplit("-", 1)[1] for u in usubjid], "site_id": sites.site_id[scr.site],
        "consent_date": _dates(scr.consent_day), "screening_date": _dates(scr.screening_day),
        "screen_failed": scr.failed, "screen_fail_reason": np.where(scr.failed, scr.reason, None),
        "randomized_date": _dates(full(day1)), "rand_block": full(block), "stratum": full(stratum),
        "armcd": full(armcd[arm]), "first_dose_date": _dates(full(day1)),
        "last_dose_date": _dates(full(day1 + course.last_dose - 1)), "end_date": _dates(full(day1 + course.end - 1)),
        "event_date": _dates(full(to_date(course.event_day))), "disposition": disposition, "age": scr.age})
    # planned visits of every randomised subject: done, missed
    sv_s = np.concatenate([np.arange(n), done.subject])
    sv_v = np.concatenate([np.zeros(n, dtype=np.int64), done.visit])
    sv_day = np.concatenate([scr_sd, done.study_day])
    sv_planned = np.concatenate([visits.target[0] + np.zeros(n, dtype=np.int64), done.planned_day])
    sv_missed = np.concatenate([np.zeros(n, dtype=bool), done.missed])
    sv_in = np.concatenate([np.ones(n, dtype=bool), done.in_window])
    pid_r = scr.person_id[r]
    order = np.lexsort((sv_v, sv_s))
    sv_s, sv_v, sv_day, sv_planned, sv_missed, sv_in = (a[order] for a in (sv_s, sv_v, sv_day, sv_planned,
                                                                          sv_missed, sv_in))
    enc_id = pid_r[sv_s] * 1_000_000 + VISIT_ENCOUNTER_BASE + visits.visitnum[sv_v].astype(np.int64)
    tables["subject_visits"] = _table("subject_visits", {
        "person_id": pid_r[sv_s], "study_id": [study_id] * sv_s.size, "visitnum": visits.visitnum[sv_v],
        "visit": visits.name[sv_v], "planned_date": _dates(absolute(day1[sv_s], sv_planned)),
        "visit_date": _dates(np.where(sv_missed, None, absolute(day1[sv_s], np.minimum(sv_day, 10**6)))),
        "study_day": np.where(sv_missed, None, sv_day), "status": np.where(sv_missed, "missed", "done"),
        "in_window": sv_in, "encounter_id": np.where(sv_missed, None, enc_id)})
    tables["exposures"] = _exposures(protocol, visits, done, course, arm, day1, pid_r)
    if protocol.cycles is not None:  # first and last doses are the infusions given (a cycle can be missed)
        ex = tables["exposures"]
        first_d = np.full(m, None, dtype=object)
        last = np.full(m, None, dtype=object)
        if ex.num_rows:
            e_idx = screening.index_of(scr.person_id, ex["person_id"].to_numpy())
            best = np.full(m, -1, dtype=np.int64)
            np.maximum.at(best, e_idx, days(ex["end_date"]))
            last = np.where(best >= 0, best, None)
            low = np.full(m, 10**9, dtype=np.int64)
            np.minimum.at(low, e_idx, days(ex["start_date"]))
            first_d = np.where(low < 10**9, low, None)
        subj = tables["trial_subjects"]
        for name, values in (("first_dose_date", first_d), ("last_dose_date", last)):
            col = subj.schema.get_field_index(name)
            subj = subj.set_column(col, subj.schema.field(col), _dates(values))
        tables["trial_subjects"] = subj
    tables["trial_findings"] = _findings(protocol, rows, day1, pid_r, visits, base.sex)
    ev = events
    tables["adverse_events"] = _table("adverse_events", {
        "ae_id": pid_r[ev.subject] * 1000 + _rank_within(ev.subject), "person_id": pid_r[ev.subject],
        "study_id": [study_id] * ev.subject.size, "term": ev.term, "decod": ev.term, "soc": ev.soc,
        "start_date": _dates(day1[ev.subject] + ev.start - 1),
        "end_date": _dates(np.where(ev.end >= conduct.FAR, None, day1[ev.subject] + ev.end - 1)),
        "grade": ev.grade, "severity": [safety.SEVERITY[int(g)] for g in ev.grade], "serious": ev.serious,
        "related": np.where(ev.related, "RELATED", "NOT RELATED"), "action": ev.action, "outcome": ev.outcome})
    tables["dispositions"] = _dispositions(protocol, scr, r, day1, course, disposition)
    tables["deviations"] = _deviations(study_id, done, visits, day1, pid_r)
    tum = tumours.assess(protocol, visits, done, course, arm, scr_sd, rng(8))
    tables.update(_tumour_tables(study_id, tum, visits, day1, pid_r))
    emr = _emr(protocol, inputs, scr, r, sites, tables["subject_visits"], usubjid)
    emr["medication_orders"] = study_drug_orders(protocol, tables["exposures"], tables["subject_visits"],
                                                 tables["trial_subjects"], as_of)
    summary = {"study_id": study_id, "screened": int(m), "randomised": int(n),
               "screen_failure_rate": round(float(scr.failed.mean()) if m else 0.0, 3),
               "arms": {str(a): int((armcd[arm] == a).sum()) for a in armcd},
               "completed": int(completed.sum()), "deaths": int((course.disposition == "DEATH").sum()),
               "adverse_events": int(ev.subject.size), "sites": int(sites.site_id.size)}
    if n < protocol.subjects:
        if protocol.recruitment.site_rate is not None and scr.limited_by_rate:
            summary["shortfall"] = (f"only {n} of {protocol.subjects} subjects randomised: the sites' screening "
                                    "rates reached too few candidates in the enrollment period; raise "
                                    "recruitment.site_rate, sites or enrollment_months")
        else:
            summary["shortfall"] = (f"only {n} of {protocol.subjects} subjects qualified among the candidates: "
                                    "raise recruitment.candidates_per_subject or widen the criteria")
    return TrialResult(tables, emr, summary)


def absolute(day1: np.ndarray, study_day: np.ndarray) -> np.ndarray:
    """Epoch day of a study day: day 1 is day1, day -1 the day before (there is no day 0)."""
    return day1 + study_day - (study_day > 0)


def _table(name: str, columns: dict) -> pa.Table:
    t = TABLES[name]
    n = len(next(iter(columns.values())))
    arrays = []
    for c in t.columns:
        v = columns.get(c.name)
        if v is None:
            arrays.append(pa.nulls(n, c.type))
            continue
        if isinstance(v, np.ndarray) and v.dtype == object:
            v = v.tolist()
        arrays.append(pa.array(v, type=c.type, from_pandas=True) if not isinstance(v, pa.Array) else v.cast(c.type))
    return pa.Table.from_arrays(arrays, schema=t.schema)


def _date(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def _dates(values) -> pa.Array:
    arr = np.asarray(values, dtype=object)
    mask = np.array([v is None for v in arr.tolist()], dtype=bool) if arr.dtype == object else np.zeros(arr.size, bool)
    ints = np.where(mask, 0, arr).astype(np.int64)
    return pa.array(ints.astype(np.int32), type=pa.int32(), mask=mask).cast(pa.date32())


def _scatter(m: int, idx: np.ndarray, values, fill=None) -> np.ndarray:
    out = np.full(m, fill, dtype=object)
    out[idx] = np.asarray(values, dtype=object)
    return out


def _rank_within(group: np.ndarray) -> np.ndarray:
    """1, 2, 3... within runs of equal values of a sorted group column."""
    if group.size == 0:
        return np.array([], dtype=np.int64)
    starts = np.r_[True, group[1:] != group[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(group.size), 0))
    return np.arange(group.size) - first + 1


def _latest_vitals(inputs: TrialInputs, person: np.ndarray, when: np.ndarray) -> dict[str, np.ndarray]:
    return {code: screening.latest_before(inputs, person, when, loinc, 730) for loinc, code in VITALS.items()}


def _active_conditions(inputs: TrialInputs, person: np.ndarray, when: np.ndarray) -> np.ndarray:
    """How many conditions each person's member state has active on their day."""
    c = inputs.conditions
    out = np.zeros(person.size)
    if c.num_rows == 0 or person.size == 0:
        return out
    idx = screening.index_of(person, c["person_id"].to_numpy())
    ok = idx >= 0
    on = ok & (days(c["onset_date"]) <= np.where(ok, when[np.clip(idx, 0, None)], 0)) & \
        (days(c["abatement_date"]) >= np.where(ok, when[np.clip(idx, 0, None)], 0))
    np.add.at(out, idx[on], 1)
    return out


def _death_causes(inputs: TrialInputs, person: np.ndarray) -> np.ndarray:
    d = inputs.deaths
    out = np.full(person.size, None, dtype=object)
    if d.num_rows == 0:
        return out
    idx = screening.index_of(person, d["person_id"].to_numpy())
    ok = idx >= 0
    out[idx[ok]] = np.asarray(d["cause_code"].to_numpy(zero_copy_only=False), dtype=object)[ok]
    return out


def _exposures(protocol, visits, done, course, arm, day1, pid_r) -> pa.Table:
    arms = protocol.arms
    if protocol.cycles is None:
        s = np.arange(arm.size)
        start = day1
        end = day1 + course.last_dose - 1
        cycle = np.ones(arm.size, dtype=np.int64)
        dose = np.array([a.treatment.dose for a in arms], dtype=float)[arm]
        adjust = np.full(arm.size, None, dtype=object)
    else:
        sel = (~done.missed) & (visits.cycle[done.visit] > 0) & (done.study_day <= course.last_dose[done.subject])
        s = done.subject[sel]
        cycle = visits.cycle[done.visit[sel]]
        start = day1[s] + done.study_day[sel] - 1
        end = start
        base_dose = np.array([a.treatment.dose for a in arms], dtype=float)[arm[s]]
        reduced = (course.reduced_from[s] > 0) & (cycle >= course.reduced_from[s])
        dose = np.where(reduced, np.round(base_dose * 0.8, 1), base_dose)
        delayed = np.zeros(s.size, dtype=bool)
        k = np.clip(cycle, 0, course.delay.shape[1] - 1)
        delayed[cycle > 1] = course.delay[s[cycle > 1], k[cycle > 1]] > course.delay[s[cycle > 1], k[cycle > 1] - 1]
        adjust = np.where(reduced & (cycle == course.reduced_from[s]), "DOSE REDUCED: toxicity",
                          np.where(delayed, "DRUG INTERRUPTED: cycle delayed 7 days for toxicity", None))
    order = np.lexsort((start, s))
    s, start, end, cycle, dose, adjust = (a[order] for a in (s, start, end, cycle, dose, adjust))
    return _table("exposures", {
        "exposure_id": pid_r[s] * 1000 + _rank_within(s), "person_id": pid_r[s],
        "study_id": [protocol.study_id] * s.size, "treatment": [arms[i].treatment.name for i in arm[s]],
        "dose": dose, "dose_unit": [arms[i].treatment.unit for i in arm[s]],
        "route": [arms[i].treatment.route for i in arm[s]], "frequency": [arms[i].treatment.frequency for i in arm[s]],
        "start_date": _dates(start), "end_date": _dates(end), "cycle": cycle, "adjustment": adjust})


def _findings(protocol, rows, day1, pid_r, visits, sex) -> pa.Table:
    if not rows.subject:
        return _table("trial_findings", {"finding_id": np.array([], dtype=np.int64)})
    s = np.concatenate(rows.subject)
    v = np.concatenate(rows.visit)
    d = np.concatenate(rows.day)
    domain = np.concatenate(rows.domain)
    testcd = np.concatenate(rows.testcd)
    value = np.concatenate(rows.value)
    order = np.lexsort((testcd.astype(str), domain.astype(str), d, s))
    s, v, d, domain, testcd, value = (a[order] for a in (s, v, d, domain, testcd, value))
    test = np.empty(s.size, dtype=object)
    unit = np.empty(s.size, dtype=object)
    loinc = np.empty(s.size, dtype=object)
    lo = np.full(s.size, np.nan)
    hi = np.full(s.size, np.nan)
    for code in np.unique(testcd.astype(str)):
        k = testcd == code
        if code in findings.VITAL_TESTS:
            name, u, ln, _, _ = findings.VITAL_TESTS[code]
        elif code in findings.EG_TESTS:
            name, u, ln = findings.EG_TESTS[code]
        elif code in findings.QS_TESTS:
            name, u, ln = findings.QS_TESTS[code], None, None
        else:
            key, (ln, _, name, u) = CODE_TO_TEST[code]
            lo[k], hi[k] = findings.ref_range(code, sex[s[k]])
        test[k], unit[k], loinc[k] = name, u, ln
    # baseline: the last value of each test before the first dose (study day <= 1)
    pre = d <= 1
    key = np.char.add(s.astype(str), np.char.add("|", testcd.astype(str)))
    baseline = np.zeros(s.size, dtype=bool)
    idx = np.flatnonzero(pre)
    if idx.size:
        idx = idx[np.lexsort((d[idx], key[idx]))]  # by test within subject, then day: the last of each is baseline
        last = idx[np.r_[key[idx][1:] != key[idx][:-1], True]]
        baseline[last] = True
    return _table("trial_findings", {
        "finding_id": pid_r[s] * 10000 + _rank_within(s), "person_id": pid_r[s],
        "study_id": [protocol.study_id] * s.size, "domain": domain, "testcd": testcd, "test": test,
        "loinc": loinc, "value": value, "unit": unit, "ref_low": np.where(np.isnan(lo), None, lo),
        "ref_high": np.where(np.isnan(hi), None, hi), "visitnum": visits.visitnum[v],
        "date": _dates(absolute(day1[s], d)), "baseline": baseline})


def _dispositions(protocol, scr, r, day1, course, disposition) -> pa.Table:
    pid, seq, cat, epoch, decod, term, when = [], [], [], [], [], [], []

    def add(p, k, c, e, dcd, t, w):
        pid.append(p)
        seq.append(k)
        cat.append(c)
        epoch.append(e)
        decod.append(dcd)
        term.append(t)
        when.append(w)

    m = scr.person_id.size
    add(scr.person_id, np.ones(m, dtype=np.int64), np.full(m, "PROTOCOL MILESTONE", dtype=object),
        np.full(m, "SCREENING", dtype=object), np.full(m, "INFORMED CONSENT OBTAINED", dtype=object),
        np.full(m, "INFORMED CONSENT OBTAINED", dtype=object), scr.consent_day)
    f = np.flatnonzero(scr.failed)
    add(scr.person_id[f], np.full(f.size, 2), np.full(f.size, "DISPOSITION EVENT", dtype=object),
        np.full(f.size, "SCREENING", dtype=object), np.full(f.size, "SCREEN FAILURE", dtype=object),
        scr.reason[f].astype(object), scr.screening_day[f])
    n = r.size
    add(scr.person_id[r], np.full(n, 2), np.full(n, "PROTOCOL MILESTONE", dtype=object),
        np.full(n, "TREATMENT", dtype=object), np.full(n, "RANDOMIZED", dtype=object),
        np.full(n, "RANDOMIZED", dtype=object), day1)
    dec = course.disposition.astype(object)
    add(scr.person_id[r], np.full(n, 3), np.full(n, "DISPOSITION EVENT", dtype=object),
        np.where(dec == "COMPLETED", "FOLLOW-UP", "TREATMENT").astype(object), dec, dec,
        day1 + np.where(dec == "COMPLETED", course.end, course.last_dose) - 1)
    pid_a = np.concatenate(pid)
    seq_a = np.concatenate(seq)
    order = np.lexsort((seq_a, pid_a))
    return _table("dispositions", {
        "person_id": pid_a[order], "study_id": [protocol.study_id] * pid_a.size, "seq": seq_a[order],
        "category": np.concatenate(cat)[order], "epoch": np.concatenate(epoch)[order],
        "decod": np.concatenate(decod)[order], "term": np.concatenate(term)[order],
        "date": _dates(np.concatenate(when)[order])})


def _tumour_tables(study_id, tum, visits, day1, pid_r) -> dict[str, pa.Table]:
    """tumor_lesions, tumor_measurements, tumor_responses (empty without tumour scans)."""
    if tum is None:
        return {name: _table(name, {"person_id": np.array([], dtype=np.int64)})
                for name in ("tumor_lesions", "tumor_measurements", "tumor_responses")}

    def visitnum(v: np.ndarray, day: np.ndarray) -> np.ndarray:
        # an unscheduled scan: the last planned visit on or before its day + 0.01
        last = np.searchsorted(visits.target, day, side="right") - 1
        return np.where(v >= 0, visits.visitnum[np.clip(v, 0, None)],
                        visits.visitnum[np.clip(last, 0, None)] + 0.01)

    lesion = lambda k: np.char.add("T", np.char.zfill(np.asarray(k).astype(str), 2))
    ls, ms, rs = tum.lesion_subject, tum.m_subject, tum.r_subject
    o = np.lexsort((tum.lesion_number, ls))
    lesions = _table("tumor_lesions", {
        "person_id": pid_r[ls[o]], "study_id": [study_id] * ls.size, "lesion_id": lesion(tum.lesion_number[o]),
        "location": tum.lesion_location[o], "visitnum": visits.visitnum[tum.lesion_visit[o]],
        "date": _dates(absolute(day1[ls[o]], tum.lesion_day[o]))})
    o = np.lexsort((tum.m_lesion, tum.m_day, ms))
    measurements = _table("tumor_measurements", {
        "person_id": pid_r[ms[o]], "study_id": [study_id] * ms.size, "lesion_id": lesion(tum.m_lesion[o]),
        "visitnum": visitnum(tum.m_visit[o], tum.m_day[o]), "date": _dates(absolute(day1[ms[o]], tum.m_day[o])),
        "diameter": tum.m_diameter[o]})
    o = np.lexsort((tum.r_day, rs))
    responses = _table("tumor_responses", {
        "person_id": pid_r[rs[o]], "study_id": [study_id] * rs.size, "visitnum": visitnum(tum.r_visit[o], tum.r_day[o]),
        "date": _dates(absolute(day1[rs[o]], tum.r_day[o])), "sum_diameters": tum.r_sum[o],
        "response": tum.r_response[o]})
    return {"tumor_lesions": lesions, "tumor_measurements": measurements, "tumor_responses": responses}


def _deviations(study_id, done, visits, day1, pid_r) -> pa.Table:
    bad = done.missed | ~done.in_window
    s = done.subject[bad]
    v = done.visit[bad]
    missed = done.missed[bad]
    when = np.where(missed, day1[s] + done.planned_day[bad] - 1, day1[s] + done.study_day[bad] - 1)
    order = np.lexsort((when, s))
    s, v, missed, when = s[order], v[order], missed[order], when[order]
    names = visits.name[v]
    return _table("deviations", {
        "person_id": pid_r[s], "study_id": [study_id] * s.size, "seq": _rank_within(s),
        "category": np.where(missed, "MISSED VISIT", "VISIT WINDOW"),
        "term": np.where(missed, "Visit " + names.astype(str) + " not done",
                         "Visit " + names.astype(str) + " outside its window"),
        "date": _dates(when)})


def _emr(protocol, inputs, scr, r, sites, sv: pa.Table, usubjid) -> dict[str, pa.Table]:
    """Trial visits as PatientSim encounters at the site, with Z00.6 (clinical research examination)
    and the indication the member has; the USUBJID in the identity crosswalk."""
    done = sv.filter(pc.equal(sv["status"], "done"))
    pid = done["person_id"].to_numpy()
    visit_date = days(done["visit_date"])
    site_idx = scr.site[screening.index_of(scr.person_id, pid)]
    start = (visit_date * 86400 + 9 * 3600 + (pid % 16) * 900).astype("datetime64[s]")
    enc = done["encounter_id"].to_numpy()
    n = pid.size
    encounters = _emr_table("encounters", n, {
        "encounter_id": enc, "person_id": pid, "journey": [f"trial {protocol.study_id}"] * n,
        "journey_event": done["visit"].to_pylist(), "type": ["office"] * n, "encounter_class": ["AMB"] * n,
        "patient_class": ["O"] * n, "status": ["finished"] * n, "start_time": start,
        "end_time": start + np.timedelta64(90, "m"), "place_of_service": ["22"] * n,
        "new_patient": [False] * n, "specialty": ["clinical research"] * n, "facility_type": ["hospital"] * n,
        "facility_id": sites.facility_id[site_idx], "reason_code": ["Z00.6"] * n})
    # the indication code the member has on the visit day (their own condition), second
    cond = inputs.conditions
    prefixes = protocol.indication
    codes = cond["code"].to_numpy(zero_copy_only=False).astype(str)
    match = np.zeros(codes.size, dtype=bool)
    for p in prefixes:
        match |= np.char.startswith(codes, p)
    c_pid = cond["person_id"].to_numpy()[match]
    c_code = codes[match]
    c_desc = np.asarray(cond["description"].to_numpy(zero_copy_only=False), dtype=object)[match]
    c_on, c_off = days(cond["onset_date"])[match], days(cond["abatement_date"])[match]
    order = np.lexsort((c_on, c_pid))
    c_pid, c_code, c_desc, c_on, c_off = (a[order] for a in (c_pid, c_code, c_desc, c_on, c_off))
    key_c = c_pid.astype(np.int64) * (1 << 22) + c_on
    pos = np.searchsorted(key_c, pid.astype(np.int64) * (1 << 22) + visit_date, side="right") - 1
    ok = pos >= 0
    p = np.clip(pos, 0, None)
    ok &= (c_pid[p] == pid) & (c_off[p] >= visit_date) if c_pid.size else np.zeros(n, dtype=bool)
    dx_enc = np.concatenate([enc, enc[ok]])
    dx_pid = np.concatenate([pid, pid[ok]])
    dx_rank = np.concatenate([np.ones(n, dtype=np.int64), np.full(int(ok.sum()), 2)])
    dx_code = np.concatenate([np.full(n, "Z00.6", dtype=object), c_code[p[ok]].astype(object)])
    dx_desc = np.concatenate([np.full(n, "Encounter for examination for normal comparison and control in "
                                         "clinical research program", dtype=object), c_desc[p[ok]]])
    dx_date = np.concatenate([visit_date, visit_date[ok]])
    order = np.lexsort((dx_rank, dx_enc))
    diagnoses = _emr_table("diagnoses", dx_enc.size, {
        "encounter_id": dx_enc[order], "person_id": dx_pid[order], "code": dx_code[order],
        "description": dx_desc[order], "rank": dx_rank[order], "diagnosis_date": _dates(dx_date[order])})
    m = scr.person_id.size
    identities = _emr_table("identities", m, {
        "person_id": scr.person_id, "product": ["trialsim"] * m, "id_type": ["USUBJID"] * m,
        "identifier": usubjid})
    return {"encounters": encounters, "diagnoses": diagnoses, "identities": identities}


STUDY_DRUG_ORDER_BASE = 950_000  # study drug order n of a person: order_id person_id * 1e6 + 950000 + n
INVESTIGATIONAL = "investigational product"


def study_drug_orders(protocol, exposures: pa.Table, sv: pa.Table, subjects: pa.Table, as_of: date) -> pa.Table:
    """The study drug in the subject's medical record: one medication order per exposure (the dose given
    from a visit: the whole treatment period for a daily/weekly drug, each infusion for a cycle),
    written at that visit's encounter. An investigational product has no RxNorm concept: `rxnorm` is
    null, `drug_class` is 'investigational product' and `journey_event` names the trial ('trial
    T2D-301', as the visits' encounters do); placebo is recorded as such."""
    n = exposures.num_rows
    pid = exposures["person_id"].to_numpy()
    start = days(exposures["start_date"])
    end = days(exposures["end_date"])
    # the visit encounter on the dosing day (day 1, a cycle's infusion); none when the day had no visit
    done = sv.filter(pc.equal(sv["status"], "done"))
    v_key = done["person_id"].to_numpy().astype(np.int64) * (1 << 22) + days(done["visit_date"])
    v_enc = done["encounter_id"].to_numpy(zero_copy_only=False)
    order = np.argsort(v_key, kind="stable")
    v_key, v_enc = v_key[order], v_enc[order]
    q = pid.astype(np.int64) * (1 << 22) + start
    pos = np.clip(np.searchsorted(v_key, q), 0, max(v_key.size - 1, 0))
    hit = (v_key[pos] == q) if v_key.size else np.zeros(n, dtype=bool)
    enc = np.where(hit, v_enc[pos] if v_key.size else None, None)
    # an early stop (discontinued before completing): the last dose's order is stopped on its last day
    s_pid = subjects["person_id"].to_numpy()
    early = np.isin(subjects["disposition"].to_numpy(zero_copy_only=False).astype(str),
                    ["COMPLETED", "SCREEN FAILURE"], invert=True)
    stopped_people = s_pid[early]
    last = np.r_[pid[1:] != pid[:-1], True] if n else np.zeros(0, dtype=bool)
    stopped = last & np.isin(pid, stopped_people)
    arms = {a.treatment.name: a for a in protocol.arms}
    treat = exposures["treatment"].to_numpy(zero_copy_only=False).astype(str)
    dose = pc.fill_null(exposures["dose"], np.nan).to_numpy(zero_copy_only=False).astype(float)
    unit = exposures["dose_unit"].to_numpy(zero_copy_only=False).astype(str)
    route = np.char.lower(exposures["route"].to_numpy(zero_copy_only=False).astype(str))
    freq = exposures["frequency"].to_numpy(zero_copy_only=False).astype(str)
    placebo = np.array([arms[t].placebo if t in arms else False for t in treat], dtype=bool)
    dose_txt = np.array([f"{d:g} {u}" for d, u in zip(dose, unit, strict=True)], dtype=object)
    name = np.where(placebo, "PLACEBO (" + route.astype(object) + ")", treat.astype(object) + " " + dose_txt)
    sig = np.where(placebo, "placebo", dose_txt) + " " + route.astype(object) + " " + freq.astype(object) + \
        f" (investigational product, protocol {protocol.study_id})"
    as_of_day = (as_of - EPOCH).days
    seconds = start * 86400 + 9 * 3600 + (pid % 16) * 900
    return _emr_table("medication_orders", n, {
        "order_id": pid * 1_000_000 + STUDY_DRUG_ORDER_BASE + _rank_within(pid), "encounter_id": enc,
        "person_id": pid, "journey_event": [f"trial {protocol.study_id}"] * n, "rxnorm": pa.nulls(n, pa.string()),
        "drug_name": name, "ingredient": np.where(placebo, "placebo", np.char.lower(treat)).astype(object),
        "drug_class": [INVESTIGATIONAL] * n, "dose": np.where(placebo, None, dose), "dose_unit": unit,
        "route": route, "frequency": freq, "sig": sig, "days_supply": (end - start + 1).astype(np.int32),
        "refills": np.zeros(n, dtype=np.int32), "authored_time": seconds.astype("datetime64[s]"),
        "start_date": _dates(start), "end_date": _dates(end), "stop_date": _dates(np.where(stopped, end, None)),
        "status": np.where(stopped, "stopped", np.where(end > as_of_day, "active", "completed"))})


def _emr_table(name: str, n: int, columns: dict) -> pa.Table:
    t = TABLES[name]
    arrays = []
    for c in t.columns:
        v = columns.get(c.name)
        if v is None:
            arrays.append(pa.nulls(n, c.type))
        elif isinstance(v, pa.Array):
            arrays.append(v.cast(c.type))
        else:
            if isinstance(v, np.ndarray) and v.dtype == object:
                v = v.tolist()
            arrays.append(pa.array(v, type=c.type))
    return pa.Table.from_arrays(arrays, schema=t.schema)
