"""The member state as canonical tables: conditions (with onset and abatement), deaths, enrollments.

The conditions table is read off the same coding function the encounters use
(state/coding.py), evaluated at every day a member's codes can change (onsets,
stage entries, complications, the other families a combination needs): a code's
row starts the first day it applies and ends (abatement_date) the day before it
stops applying, so a CKD stage-3 row ends when stage 4 begins and E11.9 gives way
to E11.22 when kidney disease starts.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from healthsim.engine.columns import dates, labels
from healthsim.engine.members import MemberBlock
from healthsim.state.coding import family_codes
from healthsim.state.model import NEVER, MemberState, Track


def _change_days(state: MemberState, track: Track) -> np.ndarray:
    cols = [track.onset]
    if track.stage_day is not None:
        cols += list(track.stage_day.T)
    if track.complication_day is not None:
        cols += list(track.complication_day.T)
    needs = {r.family for c in list(track.family.codes.combinations) + list(track.family.codes.complications)
             for r in c.requires}
    for fid in sorted(needs):
        other = state.tracks.get(fid)
        if other is not None:
            cols.append(other.onset)
            if other.stage_day is not None:
                cols += list(other.stage_day.T)
    d = np.column_stack(cols)
    d = np.where((d >= track.onset[:, None]) & (d <= np.minimum(state.window_hi, state.death_day)[:, None]), d, NEVER)
    return np.sort(d, axis=1)


def _simple(track: Track) -> bool:
    c = track.family.codes
    return track.stage_day is None and not c.combinations and not c.complications


def conditions_table(state: MemberState, m: MemberBlock) -> pa.Table:
    from healthsim.reference.icd10 import descriptions

    pid, code, onset, abate, source, family = [], [], [], [], [], []
    member = np.arange(state.n)
    for fid, track in sorted(state.tracks.items()):
        visible = track.onset <= np.minimum(state.window_hi, state.death_day)
        if not visible.any():
            continue
        src = np.where(track.established, "encounter", "profile") if track.established is not None \
            else np.full(state.n, "profile")
        if _simple(track):
            rows = np.flatnonzero(visible)
            pid.append(m.person_id[rows])
            code.append(np.array(track.codes, dtype=object)[track.base[rows]])
            onset.append(track.onset[rows])
            abate.append(np.where(track.end[rows] < NEVER, np.minimum(track.end[rows], state.window_hi), NEVER))
            source.append(src[rows])
            family.append(np.full(len(rows), fid, dtype=object))
            continue
        days = _change_days(state, track)
        first: dict[str, np.ndarray] = {}
        gone: dict[str, np.ndarray] = {}
        for k in range(days.shape[1]):
            d = days[:, k]
            live = d < NEVER
            if not live.any():
                continue
            now = dict(family_codes(state, fid, member[live], d[live]))
            for c in set(now) | set(first):
                present = np.zeros(state.n, bool)
                if c in now:
                    present[live] = now[c]
                f = first.setdefault(c, np.full(state.n, NEVER, np.int64))
                g = gone.setdefault(c, np.full(state.n, NEVER, np.int64))
                newly = present & (f == NEVER)
                f[newly] = d[newly]
                ended = live & ~present & (f < NEVER) & (f < d) & (g == NEVER)
                g[ended] = d[ended] - 1
        for c, f in first.items():
            rows = np.flatnonzero(f < NEVER)
            end = np.minimum(gone[c][rows], track.end[rows])
            pid.append(m.person_id[rows])
            code.append(np.full(len(rows), c, dtype=object))
            onset.append(f[rows])
            abate.append(end)
            source.append(src[rows])
            family.append(np.full(len(rows), fid, dtype=object))
    if not pid:
        return empty_conditions()
    pid_a, code_a = np.concatenate(pid), np.concatenate(code).astype(str)
    vocab, code_i = np.unique(code_a, return_inverse=True)
    src_vocab, src_i = np.unique(np.concatenate(source).astype(str), return_inverse=True)
    fam_vocab, fam_i = np.unique(np.concatenate(family).astype(str), return_inverse=True)
    order = np.lexsort((np.concatenate(onset), code_i, pid_a))
    ab = np.concatenate(abate)[order]
    return pa.table({
        "person_id": pid_a[order], "code": labels(code_i[order], vocab),
        "description": labels(code_i[order], descriptions(vocab).astype(str)),
        "onset_date": dates(np.concatenate(onset)[order]),
        "abatement_date": pa.array(np.where(ab < NEVER, ab, 0).astype(np.int32), pa.int32(),
                                   mask=ab >= NEVER).cast(pa.date32()),
        "source": labels(src_i[order], src_vocab), "family": labels(fam_i[order], fam_vocab),
    })


def empty_conditions() -> pa.Table:
    return pa.table({"person_id": pa.array([], pa.int64()), "code": pa.array([], pa.string()),
                     "description": pa.array([], pa.string()), "onset_date": pa.array([], pa.date32()),
                     "abatement_date": pa.array([], pa.date32()), "source": pa.array([], pa.string()),
                     "family": pa.array([], pa.string())})


def deaths_table(state: MemberState, m: MemberBlock, journey: np.ndarray | None = None) -> pa.Table:
    rows = np.flatnonzero(state.death_day < NEVER)
    j = journey[rows] if journey is not None else np.full(len(rows), None, dtype=object)
    return pa.table({
        "person_id": m.person_id[rows],
        "death_date": pa.array(state.death_day[rows].astype(np.int32), pa.int32()).cast(pa.date32()),
        "cause_code": pa.array(state.death_cause[rows].tolist(), pa.string()),
        "journey": pa.array(j.tolist(), pa.string()),
        "in_hospital": pa.array(state.death_in_hospital[rows]),
    })


def _end_of_month(day: np.ndarray) -> np.ndarray:
    month = day.astype("datetime64[D]").astype("datetime64[M]")
    return (month + 1).astype("datetime64[D]").astype(np.int64) - 1


def update_enrollments(enrollments: pa.Table, m: MemberBlock, death: np.ndarray, term: np.ndarray) -> pa.Table:
    """Coverage ends on the last day of the month of death (Medicare and most plans), or at a termination;
    spans that would start after it are dropped."""
    if enrollments.num_rows == 0 or ((death == NEVER) & (term == NEVER)).all():
        return enrollments
    stop = np.minimum(np.where(death < NEVER, _end_of_month(np.minimum(death, 10**6)), NEVER), term)
    idx = enrollments.column("person_id").to_numpy() - m.person_id[0]
    start = enrollments.column("start_date").cast(pa.int32()).to_numpy().astype(np.int64)
    end = enrollments.column("end_date").cast(pa.int32()).to_numpy().astype(np.int64)
    limit = stop[idx]
    keep = start <= limit
    new_end = np.minimum(end, limit)
    out = enrollments.set_column(enrollments.schema.get_field_index("end_date"), "end_date", dates(new_end))
    covered = m.coverage_end >= 0
    m.coverage_end = np.where(covered, np.minimum(m.coverage_end, stop), m.coverage_end)
    return out.filter(pa.array(keep)) if not keep.all() else out
