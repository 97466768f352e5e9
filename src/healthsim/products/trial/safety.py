"""Adverse events: the protocol's event model per arm, on each subject's exposure.

Each listed event happens to a subject with its arm's incidence, once, with an onset in its
onset range (study days after the first dose), a CTCAE grade from the protocol's distribution,
seriousness and relatedness shares; grade >= 3 interrupts (or, in cycles, reduces) the drug.
Events after the subject's last contact are not observed. A subject stopped for an adverse
event has one (their worst, or a grade-3 event drawn from the arm's model) on the stop day; a
death during the study is a grade-5, serious, fatal event named for the member state's cause.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthsim.products.trial.conduct import FAR, Course
from healthsim.spec.trial import ProtocolSpec

SEVERITY = {1: "MILD", 2: "MODERATE", 3: "SEVERE", 4: "SEVERE", 5: "SEVERE"}
SOC_BY_CHAPTER = {  # ICD-10 chapter letter of a death's cause -> MedDRA system organ class
    "I": "Cardiac disorders", "C": "Neoplasms benign, malignant and unspecified (incl cysts and polyps)",
    "J": "Respiratory, thoracic and mediastinal disorders", "N": "Renal and urinary disorders",
    "E": "Metabolism and nutrition disorders", "G": "Nervous system disorders", "F": "Psychiatric disorders",
    "K": "Gastrointestinal disorders", "A": "Infections and infestations", "B": "Infections and infestations",
}


@dataclass
class Events:
    subject: np.ndarray
    term: np.ndarray
    soc: np.ndarray
    start: np.ndarray      # study day
    end: np.ndarray        # study day (FAR: ongoing)
    grade: np.ndarray
    serious: np.ndarray
    related: np.ndarray
    action: np.ndarray
    outcome: np.ndarray


def draw_events(protocol: ProtocolSpec, arm: np.ndarray, course: Course, death_sd: np.ndarray,
                death_cause: np.ndarray, rng: np.random.Generator) -> Events:
    n = arm.size
    codes = [a.armcd for a in protocol.arms]
    parts: list[dict[str, np.ndarray]] = []
    cycles = protocol.cycles is not None
    for ae in protocol.adverse_events:
        inc = np.array([ae.incidence.get(c, 0.0) for c in codes])[arm]
        has = rng.random(n) < inc
        idx = np.flatnonzero(has)
        lo, hi = ae.onset_days
        start = rng.integers(lo, hi + 1, size=idx.size)
        dur = rng.integers(ae.duration_days[0], ae.duration_days[1] + 1, size=idx.size)
        grades = np.array(sorted(ae.grades))
        grade = rng.choice(grades, size=idx.size, p=np.array([ae.grades[g] for g in grades]))
        serious = (rng.random(idx.size) < ae.serious) | (grade >= 4)
        rel_share = np.array([ae.related.get(c, 0.0) for c in codes])[arm[idx]]
        related = rng.random(idx.size) < rel_share
        parts.append({"subject": idx, "term": np.full(idx.size, ae.term, dtype=object),
                      "soc": np.full(idx.size, ae.soc, dtype=object), "start": start, "end": start + dur,
                      "grade": grade, "serious": serious, "related": related})
    ev = _concat(parts)
    # stopped for an adverse event: the worst event by then, or a new grade-3 one, on the stop day
    stopped_ae = np.flatnonzero(course.disposition == "ADVERSE EVENT")
    stop_day = course.last_dose
    withdrawn = np.zeros(ev["subject"].size, dtype=bool)
    if stopped_ae.size:
        have = _worst_before(ev, stopped_ae, stop_day)
        missing = stopped_ae[have < 0]
        if missing.size:
            weights = np.array([[ae.incidence.get(c, 0.0) for ae in protocol.adverse_events] for c in codes])
            w = weights[arm[missing]] + 1e-9
            pick = (w.cumsum(axis=1) / w.sum(axis=1, keepdims=True) > rng.random((missing.size, 1))).argmax(axis=1)
            terms = np.array([ae.term for ae in protocol.adverse_events] or ["Adverse event"], dtype=object)
            socs = np.array([ae.soc for ae in protocol.adverse_events] or ["General disorders"], dtype=object)
            extra = {"subject": missing, "term": terms[pick], "soc": socs[pick], "start": stop_day[missing],
                     "end": stop_day[missing] + 14, "grade": np.full(missing.size, 3),
                     "serious": np.zeros(missing.size, dtype=bool), "related": np.ones(missing.size, dtype=bool)}
            ev = _concat([ev, extra])
            withdrawn = np.concatenate([withdrawn, np.ones(missing.size, dtype=bool)])
            have = _worst_before(ev, stopped_ae, stop_day)
        withdrawn[have[have >= 0]] = True
    # deaths: a fatal event on the death day
    dead = np.flatnonzero(death_sd < FAR)
    dead = dead[death_sd[dead] <= course.end[dead]]
    if dead.size:
        cause = death_cause[dead]
        soc = np.array([SOC_BY_CHAPTER.get((c or "R")[:1], "General disorders and administration site conditions")
                        for c in cause], dtype=object)
        term = np.array(["Death" if not c else f"Death ({c})" for c in cause], dtype=object)
        fatal = {"subject": dead, "term": term, "soc": soc, "start": death_sd[dead], "end": death_sd[dead],
                 "grade": np.full(dead.size, 5), "serious": np.ones(dead.size, dtype=bool),
                 "related": np.zeros(dead.size, dtype=bool)}
        ev = _concat([ev, fatal])
        withdrawn = np.concatenate([withdrawn, np.zeros(dead.size, dtype=bool)])
    # observed only up to the last contact; onset on or after day 1
    s = ev["subject"]
    seen = (ev["start"] <= course.end[s]) & (ev["start"] >= 1)
    ev = {k: v[seen] for k, v in ev.items()}
    withdrawn = withdrawn[seen]
    s = ev["subject"]
    ongoing = ev["end"] > course.end[s]
    end = np.where(ongoing, FAR, ev["end"])
    fatal = ev["grade"] == 5
    after_dose = ev["start"] > course.last_dose[s]
    action = np.where(withdrawn, "DRUG WITHDRAWN",
                      np.where(after_dose | fatal, "NOT APPLICABLE",
                               np.where(ev["grade"] >= 3, "DOSE REDUCED" if cycles else "DRUG INTERRUPTED",
                                        "DOSE NOT CHANGED")))
    outcome = np.where(fatal, "FATAL", np.where(ongoing, "NOT RECOVERED/NOT RESOLVED", "RECOVERED/RESOLVED"))
    order = np.lexsort((ev["term"].astype(str), ev["start"], s))
    return Events(s[order], ev["term"][order], ev["soc"][order], ev["start"][order], end[order],
                  ev["grade"][order], ev["serious"][order], ev["related"][order], action[order].astype(object),
                  outcome[order].astype(object))


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    keys = ("subject", "term", "soc", "start", "end", "grade", "serious", "related")
    if not parts:
        return {k: np.array([], dtype=object if k in ("term", "soc") else np.int64) for k in keys}
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def _worst_before(ev: dict[str, np.ndarray], subjects: np.ndarray, stop_day: np.ndarray) -> np.ndarray:
    """For each subject, the index of their highest-grade event starting on or before their stop day (-1)."""
    out = np.full(subjects.size, -1, dtype=np.int64)
    s = ev["subject"]
    ok = np.isin(s, subjects) & (ev["start"] <= stop_day[s])
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return out
    order = idx[np.lexsort((-ev["grade"][idx], s[idx]))]
    first = order[np.r_[True, s[order][1:] != s[order][:-1]]]
    pos = np.searchsorted(subjects, s[first])
    sorter = np.argsort(subjects)
    pos = sorter[np.clip(np.searchsorted(subjects[sorter], s[first]), 0, subjects.size - 1)]
    out[pos] = first
    return out
