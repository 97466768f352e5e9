"""How each randomised subject's study runs: visit dates, delays, stopping, death, the
time-to-event endpoint, and the exposure that follows from them.

Study days count from day 1 (the first dose); there is no day 0. A subject's participation
ends at completion (the last scheduled visit), discontinuation (by the protocol's reasons and
rates), progression (time-to-event protocols stop treatment at the event) or death (the member
state's date): no visit, finding, dose or adverse event is dated after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthsim.spec.trial import ProtocolSpec

FAR = 10**7


@dataclass
class PlannedVisits:
    visitnum: np.ndarray
    name: np.ndarray
    target: np.ndarray      # study day
    low: np.ndarray         # window, study days
    high: np.ndarray
    epoch: np.ndarray
    assessments: list[list[str]]
    cycle: np.ndarray       # cycle number (0: not a cycle visit)

    def __len__(self) -> int:
        return self.visitnum.size


def planned_visits(protocol: ProtocolSpec) -> PlannedVisits:
    rows = []
    screening = protocol.visits[0]
    rows.append((screening.visit, screening.day, screening.day + screening.window[0],
                 screening.day + screening.window[1], "SCREENING", screening.assessments, 0))
    if protocol.cycles is not None:
        c = protocol.cycles
        for k in range(1, c.count + 1):
            day = 1 + (k - 1) * c.length_days
            rows.append((f"CYCLE {k} DAY 1", day, day - 3 if k > 1 else day, day + 3 if k > 1 else day,
                         "TREATMENT", c.assessments, k))
    last_treatment = protocol.treatment_days()
    for v in protocol.visits[1:]:
        follow = "FOLLOW" in v.visit.upper() or v.day > last_treatment + 1
        rows.append((v.visit, v.day, v.day + v.window[0], v.day + v.window[1],
                     "FOLLOW-UP" if follow else "TREATMENT", v.assessments, 0))
    rows.sort(key=lambda r: (r[1], r[0]))
    return PlannedVisits(
        visitnum=np.arange(1, len(rows) + 1, dtype=float), name=np.array([r[0] for r in rows], dtype=object),
        target=np.array([r[1] for r in rows]), low=np.array([r[2] for r in rows]),
        high=np.array([r[3] for r in rows]), epoch=np.array([r[4] for r in rows], dtype=object),
        assessments=[list(r[5]) for r in rows], cycle=np.array([r[6] for r in rows]))


@dataclass
class Course:
    """Per subject: the shift of scheduled days from cycle delays, the stop and end days (study days)."""

    delay: np.ndarray         # (subjects, cycles+1) cumulative delay before cycle k (index k)
    last_dose: np.ndarray     # study day of the last dose
    end: np.ndarray           # study day of the last contact
    disposition: np.ndarray   # CDISC decod
    event_day: np.ndarray     # time-to-event: study day of the event (FAR when censored)
    reduced_from: np.ndarray  # cycle from which the dose is reduced (0: never)


REASONS = ("ADVERSE EVENT", "WITHDRAWAL BY SUBJECT", "LOST TO FOLLOW-UP", "LACK OF EFFICACY")


def run_course(protocol: ProtocolSpec, visits: PlannedVisits, arm: np.ndarray, day1: np.ndarray,
               death: np.ndarray, rng: np.random.Generator) -> Course:
    n = arm.size
    cycles = protocol.cycles
    n_cycles = cycles.count if cycles else 0
    delay = np.zeros((n, n_cycles + 1), dtype=np.int64)
    reduced_from = np.zeros(n, dtype=np.int64)
    if cycles is not None and n_cycles > 1:
        delayed = rng.random((n, n_cycles - 1)) < cycles.delay_rate
        delay[:, 2:] = np.cumsum(delayed * 7, axis=1)
        reduce = rng.random((n, n_cycles - 1)) < cycles.reduction_rate
        first = np.where(reduce.any(axis=1), reduce.argmax(axis=1) + 2, 0)
        reduced_from = first
    total_delay = delay[:, -1] if n_cycles else np.zeros(n, dtype=np.int64)
    treatment_end = protocol.treatment_days() + total_delay
    final_visit = int(visits.target.max()) + total_delay
    # discontinuation by reason (one draw per subject), on a day inside treatment
    d = protocol.discontinuation
    shares = np.array([d.adverse_event, d.withdrawal_by_subject, d.lost_to_follow_up, d.lack_of_efficacy])
    if protocol.endpoint.kind == "time_to_event":
        shares[3] = 0.0  # lack of efficacy is progression there
    u = rng.random(n)
    cut = np.cumsum(shares)
    reason_idx = np.searchsorted(cut, u, side="right")  # == 4: no early stop
    stop = np.full(n, FAR, dtype=np.int64)
    early = reason_idx < 4
    lo = np.where(reason_idx == 3, np.minimum(85, treatment_end - 1), 2)
    stop[early] = lo[early] + (rng.random(early.sum()) * np.maximum(treatment_end[early] - lo[early], 1)).astype(
        np.int64)
    disposition = np.where(early, np.array(REASONS + ("",), dtype=object)[np.minimum(reason_idx, 4)], "COMPLETED")
    # time-to-event endpoint (exponential with the arm's hazard ratio)
    event_day = np.full(n, FAR, dtype=np.int64)
    if protocol.endpoint.kind == "time_to_event":
        hr = np.array([protocol.endpoint.effect.get(a.armcd, 1.0) for a in protocol.arms])[arm]
        rate = np.log(2) / protocol.endpoint.control_median_days * hr
        event_day = 1 + np.floor(rng.exponential(1.0 / rate)).astype(np.int64)
        progressed = (event_day <= treatment_end) & (event_day < stop)
        stop = np.where(progressed, event_day, stop)
        disposition = np.where(progressed, protocol.endpoint.event, disposition)
    # death from the member state (absolute day -> study day, no day 0)
    death_sd = np.where(death >= FAR, FAR, death - day1 + 1)
    dies = (death_sd <= np.minimum(stop, final_visit)) & (death_sd < FAR)
    stop = np.where(dies, death_sd, stop)
    disposition = np.where(dies, "DEATH", disposition)
    stopped = stop < FAR
    last_dose = np.where(stopped, np.minimum(stop, treatment_end), treatment_end)
    # completers and those stopped for AE or progression keep the safety follow-up; others end at the stop
    follow = np.isin(disposition, ["ADVERSE EVENT", protocol.endpoint.event])
    end = np.where(~stopped, final_visit,
                   np.where(follow, np.minimum(stop + protocol.follow_up_days, final_visit), stop))
    end = np.where(dies, death_sd, end)
    if protocol.endpoint.kind == "time_to_event":
        event_day = np.where(event_day <= end, event_day, FAR)
        disposition = np.where((disposition == "COMPLETED") & (event_day < FAR), disposition, disposition)
    return Course(delay, last_dose, end, disposition.astype(object), event_day, reduced_from)


@dataclass
class DoneVisits:
    subject: np.ndarray     # index into subjects
    visit: np.ndarray       # index into planned visits
    planned_day: np.ndarray
    study_day: np.ndarray   # actual (FAR when missed)
    missed: np.ndarray
    in_window: np.ndarray


def schedule(protocol: ProtocolSpec, visits: PlannedVisits, course: Course, day1: np.ndarray,
             stays: tuple[np.ndarray, np.ndarray, np.ndarray], subject_pid: np.ndarray, death_sd: np.ndarray,
             rng: np.random.Generator) -> DoneVisits:
    """Every post-randomisation visit inside each subject's participation, with its actual day."""
    n = day1.size
    post = np.flatnonzero(visits.target >= 1)
    s_idx = np.repeat(np.arange(n), post.size)
    v_idx = np.tile(post, n)
    shift = course.delay[s_idx, np.clip(visits.cycle[v_idx], 0, course.delay.shape[1] - 1)]
    after_cycles = (visits.cycle[v_idx] == 0) & (visits.target[v_idx] > 1)
    shift = np.where(after_cycles, course.delay[s_idx, -1], shift)
    planned = visits.target[v_idx] + shift
    half_low = visits.low[v_idx] - visits.target[v_idx]
    half_high = visits.high[v_idx] - visits.target[v_idx]
    width = np.maximum(half_high - half_low, 0)
    offset = np.clip(np.rint(rng.normal(0, np.maximum(width, 1) / 5)), half_low, half_high).astype(np.int64)
    d = protocol.discontinuation
    # a dose cannot come much before the cycle is over: cycle visits fall -1..+3 days, never outside
    is_cycle = visits.cycle[v_idx] > 0
    offset = np.where(is_cycle, np.clip(offset, -1, 3), offset)
    outside = (rng.random(s_idx.size) < d.out_of_window_rate) & (planned > 1) & ~is_cycle
    extra = rng.integers(1, 6, size=s_idx.size)
    offset = np.where(outside, np.where(rng.random(s_idx.size) < 0.5, half_low - extra, half_high + extra), offset)
    actual = planned + offset
    actual = np.where(actual == 0, 1, actual)  # no day 0
    actual = np.where(planned == 1, 1, actual)
    missed = (rng.random(s_idx.size) < d.missed_visit_rate) & (planned > 1)
    # a visit that would fall inside one of the member's hospital stays is missed
    absolute = day1[s_idx] + actual - 1
    missed |= _in_stay(subject_pid[s_idx], absolute, stays)
    completed = course.disposition[s_idx] == "COMPLETED"
    end = course.end[s_idx]
    keep = (planned <= end) & (missed | (actual <= end) | completed)
    keep &= missed | (actual < death_sd[s_idx])
    s_idx, v_idx, planned, actual, missed = s_idx[keep], v_idx[keep], planned[keep], actual[keep], missed[keep]
    in_window = ((actual - planned) >= (visits.low[v_idx] - visits.target[v_idx])) & \
                ((actual - planned) <= (visits.high[v_idx] - visits.target[v_idx]))
    return DoneVisits(s_idx, v_idx, planned, np.where(missed, FAR, actual), missed, in_window | missed)


def _in_stay(pid: np.ndarray, day: np.ndarray, stays: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    s_pid, s_admit, s_discharge = stays
    hit = np.zeros(pid.size, dtype=bool)
    if s_pid.size == 0 or pid.size == 0:
        return hit
    order = np.lexsort((s_admit, s_pid))
    s_pid, s_admit, s_discharge = s_pid[order], s_admit[order], s_discharge[order]
    key_s = s_pid.astype(np.int64) * (1 << 22) + s_admit
    key_q = pid.astype(np.int64) * (1 << 22) + day
    pos = np.searchsorted(key_s, key_q, side="right") - 1
    ok = pos >= 0
    p = np.clip(pos, 0, None)
    return ok & (s_pid[p] == pid) & (day <= s_discharge[p])
