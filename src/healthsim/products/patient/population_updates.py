"""Keeping the population tables true to what journeys did.

- conditions: a journey started at a re-dated onset (`start.if_outside: redate`)
  moves that condition's onset_date to the journey start; diagnoses marked
  `record: true` add a condition row (source 'journey:<name>') unless the person
  already has the code.
- enrollments: coverage ends on the last day of the month of death (Medicare
  and most plans), or on a journey's termination day; spans that would start
  after it are dropped.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthsim.engine.columns import dates
from healthsim.engine.members import MemberBlock
from healthsim.episodes.timing import NEVER


def _end_of_month(day: np.ndarray) -> np.ndarray:
    month = day.astype("datetime64[D]").astype("datetime64[M]")
    return (month + 1).astype("datetime64[D]").astype(np.int64) - 1


def update_conditions(conditions: pa.Table, runs, rec, m: MemberBlock) -> pa.Table:
    pid = conditions.column("person_id").to_numpy()
    onset = conditions.column("onset_date").cast(pa.int32()).to_numpy().astype(np.int64)
    codes = conditions.column("code").cast(pa.string()).to_numpy(zero_copy_only=False).astype(str)
    idx = pid - m.person_id[0]
    for run in runs:
        s = run.plan.spec.start
        if s.anchor != "condition_onset" or s.if_outside != "redate" or not (run.redated >= 0).any():
            continue
        hit = np.char.startswith(np.char.upper(codes), s.condition.upper()) & (run.redated[idx] >= 0)
        onset = np.where(hit, run.redated[idx], onset)
        for code in np.unique(codes[hit]):
            has = run.redated >= 0
            m.onset_day[str(code)] = np.where(has & m.conditions[str(code)], run.redated, m.onset_day[str(code)])
    table = conditions.set_column(conditions.schema.get_field_index("onset_date"), "onset_date",
                                  dates(onset))
    if not rec.recorded.rows:
        return table
    recorded = _recorded(rec, m, set(zip(pid.tolist(), codes.tolist(), strict=True)), conditions.schema)
    return pa.concat_tables([table.cast(recorded.schema), recorded])  # profile rows are dictionary-coded


def _recorded(rec, m: MemberBlock, existing: set, schema: pa.Schema) -> pa.Table:
    from healthsim.reference.icd10 import descriptions

    r = rec.recorded
    keep = r.get("keep", bool)
    member, code, day, journey = (r.get(k)[keep] for k in ("member", "code", "day", "journey"))
    order = np.lexsort((day, code, member))
    member, code, day, journey = member[order], code[order], day[order], journey[order]
    key = member.astype(np.int64) * 100_003 + code
    _, first = np.unique(key, return_index=True)
    member, code, day, journey = member[first], code[first], day[first], journey[first]
    vocab = rec.vocab["dx"].values
    names = np.array([vocab[c] for c in code], dtype=object)
    pid = m.person_id[member]
    new = np.array([(int(p), str(c)) not in existing for p, c in zip(pid, names, strict=True)], bool)
    labels = rec.vocab["label"].values
    source = np.array([f"journey:{labels[j]}" for j in journey], dtype=object)
    return pa.table({
        "person_id": pid[new], "code": pa.array(names[new].tolist(), pa.string()),
        "description": pa.array(descriptions(names[new].astype(str)).tolist() if new.any() else [], pa.string()),
        "onset_date": dates(day[new]), "source": pa.array(source[new].tolist(), pa.string()),
    }).cast(pa.schema([pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type)
                       for f in schema]))


def update_enrollments(enrollments: pa.Table, m: MemberBlock, death: np.ndarray, term: np.ndarray) -> pa.Table:
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


__all__ = ["pc", "update_conditions", "update_enrollments"]
