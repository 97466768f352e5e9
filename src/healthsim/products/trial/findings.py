"""Vitals and labs at trial visits, continuing each subject's member state.

Baselines come from the member's record: the screening HbA1c and eGFR are the latest results
on file, blood pressure, weight and height the latest vitals; values the record lacks are drawn
from adult reference distributions. The endpoint lab moves from baseline toward the arm's
configured change (an exponential approach, ~90% by week 12), with regression toward the mean and
per-subject noise; haematology values fall into the CTCAE grade range of an active neutropenia,
anaemia or thrombocytopenia event, so LB and AE agree. Glucose follows HbA1c (ADAG: eAG =
28.7 x A1c - 46.7, Nathan et al. 2008); creatinine follows eGFR by the inverse of CKD-EPI 2021.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthsim.spec.trial import LAB_TESTS, ProtocolSpec

VITAL_TESTS = {  # VSTESTCD -> (test, unit, LOINC, mean, sd)
    "SYSBP": ("Systolic Blood Pressure", "mmHg", "8480-6", 131.0, 14.0),
    "DIABP": ("Diastolic Blood Pressure", "mmHg", "8462-4", 78.0, 9.0),
    "PULSE": ("Pulse Rate", "beats/min", "8867-4", 74.0, 9.0),
    "WEIGHT": ("Weight", "kg", "29463-7", 88.0, 18.0),
    "HEIGHT": ("Height", "cm", "8302-2", 170.0, 10.0),
    "TEMP": ("Temperature", "C", "8310-5", 36.7, 0.25),
}
# ECG intervals at visits whose assessments name "ecg" (EG). Adult resting values of the order of
# published norms (QTcF ~410 ms, PR ~160 ms, QRS ~90 ms; e.g. Rautaharju et al., Circulation 2009,
# AHA/ACCF/HRS ECG standardisation; figures from memory); LOINC codes from memory.
EG_TESTS = {  # EGTESTCD -> (test, unit, LOINC)
    "EGHRMN": ("ECG Mean Heart Rate", "beats/min", "8867-4"),
    "PRAG": ("PR Interval, Aggregate", "msec", "8625-6"),
    "QRSAG": ("QRS Duration, Aggregate", "msec", "8633-2"),
    "QTAG": ("QT Interval, Aggregate", "msec", "8634-0"),
    "QTCFAG": ("QTcF Interval, Aggregate", "msec", "8636-3"),
}
# EQ-5D-5L at visits whose assessments name "eq5d" (QS): five dimensions scored 1 (no problems) to
# 5 (extreme problems) and the EQ VAS (0-100). CDISC QS codes EQ5D0201-EQ5D0206 (QSCAT EQ-5D-5L) and
# the dimension names are written from memory. Levels follow a per-subject latent health that falls
# with age and with the number of conditions on the member state (population EQ VAS ~75-80 in
# adults, lower with chronic disease; e.g. Janssen et al., Qual Life Res 2013, from memory).
QS_TESTS = {  # QSTESTCD -> (test)
    "EQ5D0201": "EQ5D02-Mobility", "EQ5D0202": "EQ5D02-Self-Care", "EQ5D0203": "EQ5D02-Usual Activities",
    "EQ5D0204": "EQ5D02-Pain/Discomfort", "EQ5D0205": "EQ5D02-Anxiety/Depression", "EQ5D0206": "EQ5D02-EQ VAS Score",
}
QS_CAT = "EQ-5D-5L"
REF = {  # LBTESTCD -> (low, high) adult reference interval (F, M where they differ: see _ref)
    "HBA1C": (4.0, 5.6), "GLUC": (70.0, 99.0), "EGFR": (60.0, None), "CREAT": (0.6, 1.2), "ALT": (7.0, 56.0),
    "HGB": (12.0, 17.5), "NEUT": (1.8, 7.7), "PLAT": (150.0, 450.0),
}
# an active adverse event of this term sets the lab inside its CTCAE v5 grade range
GRADED = {
    "neutrophils": ("Neutropenia", {1: (1.5, 1.99), 2: (1.0, 1.49), 3: (0.5, 0.99), 4: (0.1, 0.49)}),
    "hemoglobin": ("Anaemia", {1: (10.0, 11.9), 2: (8.0, 9.9), 3: (6.5, 7.9), 4: (5.5, 6.4)}),
    "platelets": ("Thrombocytopenia", {1: (75, 149), 2: (50, 74), 3: (25, 49), 4: (5, 24)}),
}


@dataclass
class Baseline:
    hba1c: np.ndarray
    egfr: np.ndarray
    vitals: dict[str, np.ndarray]   # VSTESTCD -> latest EMR value (nan when none)
    sex: np.ndarray
    age: np.ndarray
    conditions: np.ndarray | None = None  # conditions active on the member state at screening


@dataclass
class Rows:
    subject: list[np.ndarray]
    visit: list[np.ndarray]
    day: list[np.ndarray]
    domain: list[np.ndarray]
    testcd: list[np.ndarray]
    value: list[np.ndarray]

    def add(self, subject, visit, day, domain, testcd, value) -> None:
        self.subject.append(subject)
        self.visit.append(visit)
        self.day.append(day)
        self.domain.append(np.full(subject.size, domain, dtype=object))
        self.testcd.append(np.full(subject.size, testcd, dtype=object))
        self.value.append(value)


def measure(protocol: ProtocolSpec, base: Baseline, arm: np.ndarray, visit_subject: np.ndarray,
            visit_index: np.ndarray, visit_day: np.ndarray, assessments: list[list[str]],
            events, rng: np.random.Generator) -> Rows:
    """Findings at every done visit (subject, planned visit index, study day)."""
    n = arm.size
    rows = Rows([], [], [], [], [], [])
    has = {a: np.array([a in assessments[v] for v in range(len(assessments))]) for a in
           ("vitals", *LAB_TESTS)}
    # per-subject latent levels
    hba1c0 = np.where(np.isnan(base.hba1c), rng.normal(7.8, 0.9, n), base.hba1c)
    egfr0 = np.where(np.isnan(base.egfr), np.clip(rng.normal(85, 15, n), 20, 125), base.egfr)
    ep = protocol.endpoint
    final_change = np.zeros(n)
    if ep.kind == "lab_change":
        effect = np.array([ep.effect.get(a.armcd, 0.0) for a in protocol.arms])[arm]
        level0 = hba1c0 if ep.test == "hba1c" else egfr0
        final_change = effect - ep.regression_to_mean * (level0 - level0.mean()) + rng.normal(0, ep.sd, n)
    horizon = max(1, (max(v.day for v in protocol.visits) if ep.visit is None else
                      next(v.day for v in protocol.visits if v.visit == ep.visit)) - 1)
    alt0 = np.exp(rng.normal(np.log(22), 0.35, n))
    hgb0 = np.where(base.sex == "F", rng.normal(13.0, 0.9, n), rng.normal(14.2, 1.0, n))
    neut0 = np.exp(rng.normal(np.log(4.2), 0.3, n))
    plat0 = rng.normal(250, 50, n).clip(155, 420)
    vit0 = {k: np.where(np.isnan(base.vitals.get(k, np.full(n, np.nan))),
                        rng.normal(m, sd, n), base.vitals.get(k, np.full(n, np.nan)))
            for k, (_, _, _, m, sd) in VITAL_TESTS.items()}

    def change(test: str, s: np.ndarray, day: np.ndarray) -> np.ndarray:
        if ep.kind != "lab_change" or ep.test != test:
            return np.zeros(s.size)
        t = np.maximum(day - 1, 0)
        return final_change[s] * (1 - np.exp(-t / 40.0)) / (1 - np.exp(-horizon / 40.0))

    for test, (loinc, code, _, _) in LAB_TESTS.items():
        sel = has[test][visit_index]
        s, v, d = visit_subject[sel], visit_index[sel], visit_day[sel]
        if s.size == 0:
            continue
        noise = rng.normal(0, 1, s.size)
        if test == "hba1c":
            val = hba1c0[s] + change("hba1c", s, d) + 0.1 * noise * (d > 1)
            val = np.round(np.clip(val, 4.0, 16.0), 1)
        elif test == "glucose":
            a1c = hba1c0[s] + change("hba1c", s, d)
            val = np.round(np.clip(28.7 * a1c - 46.7 + 15 * noise, 55, 450))
        elif test == "egfr":
            val = np.round(np.clip(egfr0[s] + change("egfr", s, d) + 3 * noise, 5, 140))
        elif test == "creatinine":
            g = np.clip(egfr0[s] + change("egfr", s, d) + 3 * noise, 5, 140)
            val = np.round(_creatinine(g, base.sex[s], base.age[s]), 2)
        elif test == "alt":
            val = np.round(alt0[s] * np.exp(0.15 * noise))
        elif test == "hemoglobin":
            val = np.round(hgb0[s] + 0.4 * noise, 1)
        elif test == "neutrophils":
            val = np.round(neut0[s] * np.exp(0.15 * noise), 2)
        elif test == "platelets":
            val = np.round(plat0[s] + 15 * noise)
        else:
            continue
        if test in GRADED:
            term, ranges = GRADED[test]
            idx = _active(events, term, s, d)
            hit = idx >= 0
            if hit.any():
                g = np.clip(events.grade[idx[hit]], 1, 4)
                lo = np.array([ranges[int(x)][0] for x in g])
                hi = np.array([ranges[int(x)][1] for x in g])
                val = val.astype(float)
                val[hit] = np.round(lo + rng.random(hit.sum()) * (hi - lo), 2)
        rows.add(s, v, d, "LB", code, val.astype(float))
    ecg = np.array(["ecg" in assessments[v] for v in range(len(assessments))])[visit_index]
    s, v, d = visit_subject[ecg], visit_index[ecg], visit_day[ecg]
    if s.size:  # per-subject intervals, the heart rate from the subject's pulse; QT from QTcF and RR
        qtcf0 = np.where(base.sex == "F", 417.0, 407.0) + rng.normal(0, 15, n)
        pr0 = rng.normal(160, 18, n).clip(110, 240)
        qrs0 = rng.normal(92, 9, n).clip(70, 130)
        hr = np.clip(vit0["PULSE"][s] + rng.normal(0, 5, s.size), 45, 120)
        qtcf = qtcf0[s] + rng.normal(0, 7, s.size)
        qt = qtcf * np.cbrt(60.0 / hr)
        for code, val in (("EGHRMN", hr), ("PRAG", pr0[s] + rng.normal(0, 6, s.size)),
                          ("QRSAG", qrs0[s] + rng.normal(0, 4, s.size)), ("QTAG", qt), ("QTCFAG", qtcf)):
            rows.add(s, v, d, "EG", code, np.round(val))
    sel = has["vitals"][visit_index]
    s, v, d = visit_subject[sel], visit_index[sel], visit_day[sel]
    if s.size:
        for code in VITAL_TESTS:
            if code == "HEIGHT":
                first = d < 1  # height at screening only
                rows.add(s[first], v[first], d[first], "VS", code, np.round(vit0[code][s[first]], 1))
                continue
            jitter = {"SYSBP": 8, "DIABP": 6, "PULSE": 6, "WEIGHT": 0.8, "TEMP": 0.2}[code]
            val = vit0[code][s] + rng.normal(0, jitter, s.size)
            digits = 1 if code in ("WEIGHT", "TEMP") else 0
            rows.add(s, v, d, "VS", code, np.round(val, digits))
    eq = np.array(["eq5d" in a for a in assessments])[visit_index]
    s, v, d = visit_subject[eq], visit_index[eq], visit_day[eq]
    if s.size:  # drawn last: the other findings keep their values whether or not a visit names eq5d
        burden = base.conditions if base.conditions is not None else np.zeros(n)
        health = rng.normal(0, 1, n) - 0.25 * (burden - 3) - 0.02 * (base.age - 55)
        now = health[s] + rng.normal(0, 0.35, s.size)
        # item difficulty: pain and mobility report problems soonest, self-care latest
        for code, shift in (("EQ5D0201", 0.3), ("EQ5D0202", 1.2), ("EQ5D0203", 0.6), ("EQ5D0204", 0.0),
                            ("EQ5D0205", 0.5)):
            z = now + shift + rng.normal(0, 0.6, s.size)
            rows.add(s, v, d, "QS", code, np.digitize(-z, [0.0, 1.0, 2.0, 3.0]).astype(float) + 1)
        rows.add(s, v, d, "QS", "EQ5D0206", np.round(np.clip(78 + 9 * now + rng.normal(0, 5, s.size), 0, 100)))
    return rows


def _creatinine(egfr: np.ndarray, sex: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Serum creatinine (mg/dL) giving this eGFR under CKD-EPI 2021 (the Scr > kappa branch)."""
    female = sex == "F"
    kappa = np.where(female, 0.7, 0.9)
    factor = 142 * 0.9938 ** age * np.where(female, 1.012, 1.0)
    return kappa * (egfr / factor) ** (-1 / 1.2)


def _active(events, term: str, subject: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Index of an event `term` active for each (subject, day), or -1."""
    out = np.full(subject.size, -1, dtype=np.int64)
    sel = np.flatnonzero(events.term == term)
    if sel.size == 0:
        return out
    order = sel[np.lexsort((events.start[sel], events.subject[sel]))]
    key_e = events.subject[order].astype(np.int64) * (1 << 22) + events.start[order]
    key_q = subject.astype(np.int64) * (1 << 22) + day
    pos = np.searchsorted(key_e, key_q, side="right") - 1
    ok = pos >= 0
    p = order[np.clip(pos, 0, None)]
    ok &= (events.subject[p] == subject) & (events.end[p] >= day)
    out[ok] = p[ok]
    return out


def ref_range(testcd: str, sex: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = REF.get(testcd, (np.nan, np.nan))
    lo_a = np.full(sex.size, np.nan if lo is None else lo)
    hi_a = np.full(sex.size, np.nan if hi is None else hi)
    if testcd == "HGB":
        lo_a = np.where(sex == "F", 12.0, 13.5)
        hi_a = np.where(sex == "F", 15.5, 17.5)
    if testcd == "CREAT":
        lo_a = np.where(sex == "F", 0.5, 0.7)
        hi_a = np.where(sex == "F", 1.1, 1.3)
    return lo_a, hi_a
