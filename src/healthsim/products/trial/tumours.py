"""Tumour assessments (RECIST 1.1) for protocols whose visits name "tumour": target lesions at the
baseline scan, their longest diameters at each assessment, and the overall response.

Assessments are the done visits naming "tumour" (for cycle visits: every other cycle from cycle 3,
the usual 6-weekly scans of 21-day regimens), plus an unscheduled scan on the day of progression
when the time-to-event endpoint occurs, so the RECIST progression and the disposition agree. Each
subject has 1-5 target lesions (at most 2 per organ) with baseline diameters around 25 mm (lymph
nodes >= 15 mm, others >= 10 mm, RECIST 1.1 measurability). The sum of diameters moves toward a
subject's own depth of response (responders by the arm's `endpoint.response_rate` shrink 30-70%,
the others -25% to +10%) and never meets progression (>= 20% and >= 5 mm over the nadir) before
the event; at the progression scan it does. The overall response is PR (sum <= 70% of baseline),
PD (the progression scan) or SD; complete responses are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthsim.spec.trial import ProtocolSpec

LOCATIONS = np.array(["LUNG", "LUNG", "LYMPH NODE", "LYMPH NODE", "LIVER", "ADRENAL GLAND", "PLEURA"], dtype=object)
MAX_LESIONS = 5
FAR = 10**7


@dataclass
class Tumours:
    lesion_subject: np.ndarray   # per target lesion: subject index, lesion number (1..), location
    lesion_number: np.ndarray
    lesion_location: np.ndarray
    lesion_day: np.ndarray       # study day of the baseline scan
    lesion_visit: np.ndarray     # planned visit index of the baseline scan
    m_subject: np.ndarray        # per measurement: subject, lesion number, study day, visit index (-1: unscheduled)
    m_lesion: np.ndarray
    m_day: np.ndarray
    m_visit: np.ndarray
    m_diameter: np.ndarray       # mm
    r_subject: np.ndarray        # per post-baseline assessment: subject, study day, visit index, sum, response
    r_day: np.ndarray
    r_visit: np.ndarray
    r_sum: np.ndarray
    r_response: np.ndarray


def tumour_visits(protocol: ProtocolSpec, visits) -> np.ndarray:
    """Which planned visits scan the tumour."""
    names = np.array(["tumour" in a for a in visits.assessments])
    cycle = visits.cycle
    return names & ((cycle == 0) | ((cycle >= 3) & (cycle % 2 == 1)))


def assess(protocol: ProtocolSpec, visits, done, course, arm: np.ndarray, screening_sd: np.ndarray,
           rng: np.random.Generator) -> Tumours | None:
    scan = tumour_visits(protocol, visits)
    if not scan.any():
        return None
    n = arm.size
    # assessments: the baseline (the screening visit when it scans), done scheduled scans before the
    # event, and the progression scan on the event day
    base_visit = 0
    sel = (~done.missed) & scan[done.visit] & (done.study_day < course.event_day[done.subject])
    a_subject = np.concatenate([np.arange(n), done.subject[sel]])
    a_day = np.concatenate([screening_sd, done.study_day[sel]])
    a_visit = np.concatenate([np.full(n, base_visit), done.visit[sel]])
    prog = np.flatnonzero(course.event_day < FAR)
    a_subject = np.concatenate([a_subject, prog])
    a_day = np.concatenate([a_day, course.event_day[prog]])
    a_visit = np.concatenate([a_visit, np.full(prog.size, -1)])
    is_pd = np.concatenate([np.zeros(a_subject.size - prog.size, dtype=bool), np.ones(prog.size, dtype=bool)])
    order = np.lexsort((is_pd, a_day, a_subject))
    a_subject, a_day, a_visit, is_pd = a_subject[order], a_day[order], a_visit[order], is_pd[order]
    starts = np.r_[True, a_subject[1:] != a_subject[:-1]]
    col = np.arange(a_subject.size) - np.maximum.accumulate(np.where(starts, np.arange(a_subject.size), 0))
    k = int(col.max()) + 1
    # lesions at baseline
    count = rng.integers(1, MAX_LESIONS + 1, n)
    loc = LOCATIONS[rng.integers(0, LOCATIONS.size, (n, MAX_LESIONS))]
    node = loc == "LYMPH NODE"
    d0 = np.exp(rng.normal(np.log(25), 0.4, (n, MAX_LESIONS)))
    d0 = np.round(np.where(node, np.clip(d0, 15, 90), np.clip(d0, 10, 110)))
    present = np.arange(MAX_LESIONS)[None, :] < count[:, None]
    # each subject's depth of response and the approach to it (~6 weeks)
    rr = np.array([protocol.endpoint.response_rate.get(a.armcd, 0.3) for a in protocol.arms])[arm]
    responder = rng.random(n) < rr
    depth = np.where(responder, rng.uniform(-0.7, -0.3, n), rng.uniform(-0.25, 0.10, n))
    noise = np.exp(rng.normal(0, 0.04, (n, k, MAX_LESIONS)))
    day = np.full((n, k), np.nan)
    day[a_subject, col] = a_day
    t = np.clip(np.nan_to_num(day - screening_sd[:, None], nan=0.0), 0, None)
    factor = 1 + depth[:, None] * (1 - np.exp(-t / 42.0))
    factor[:, 0] = 1.0
    diam = d0[:, None, :] * factor[:, :, None] * np.where(np.arange(k)[None, :, None] == 0, 1.0, noise)
    diam = np.where(present[:, None, :], np.maximum(np.round(diam), 3.0), 0.0)
    pd_mat = np.zeros((n, k), dtype=bool)
    pd_mat[a_subject, col] = is_pd
    valid = ~np.isnan(day)
    # no progression before the event (cap at 15% over the nadir), progression at it (25% and >= 5 mm)
    total = diam.sum(axis=2)
    nadir = np.full(n, np.inf)
    for j in range(k):  # over assessment columns (a handful), every subject at once
        s_j = total[:, j]
        cap = np.where(pd_mat[:, j], np.maximum(np.ceil(1.25 * nadir), nadir + 5), np.floor(1.15 * nadir))
        scale = np.where(pd_mat[:, j] | (s_j > cap), cap / np.maximum(s_j, 1), 1.0)
        scale = np.where(valid[:, j] & (j > 0) & np.isfinite(scale), scale, 1.0)
        diam[:, j, :] = np.where(present, np.maximum(np.round(diam[:, j, :] * scale[:, None]), 3.0), 0.0)
        if pd_mat[:, j].any():  # rounding: make sure the progression sum meets the rule
            short = pd_mat[:, j] & (diam[:, j, :].sum(axis=1) < np.maximum(1.2 * nadir, nadir + 5))
            need = np.maximum(1.2 * nadir[short], nadir[short] + 5)
            diam[short, j, 0] += np.ceil(need - diam[short, j, :].sum(axis=1))
        total[:, j] = diam[:, j, :].sum(axis=1)
        nadir = np.where(valid[:, j], np.minimum(nadir, total[:, j]), nadir)
    baseline = total[:, 0]
    # rows
    ls, ln = np.nonzero(present)
    ms, mc, ml = np.nonzero(valid[:, :, None] & present[:, None, :])
    rs, rc = np.nonzero(valid)
    post = rc > 0
    rs, rc = rs[post], rc[post]
    visit_of = np.full((n, k), -1, dtype=np.int64)
    visit_of[a_subject, col] = a_visit
    response = np.where(pd_mat[rs, rc], "PD", np.where(total[rs, rc] <= 0.7 * baseline[rs], "PR", "SD"))
    return Tumours(
        lesion_subject=ls, lesion_number=ln + 1, lesion_location=loc[ls, ln],
        lesion_day=screening_sd[ls], lesion_visit=np.full(ls.size, base_visit),
        m_subject=ms, m_lesion=ml + 1, m_day=day[ms, mc].astype(np.int64), m_visit=visit_of[ms, mc],
        m_diameter=diam[ms, mc, ml], r_subject=rs, r_day=day[rs, rc].astype(np.int64), r_visit=visit_of[rs, rc],
        r_sum=total[rs, rc], r_response=response.astype(object))
