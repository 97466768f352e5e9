"""Integrity invariants of one clinical truth per member (issue 9), run over a stored cohort.

The checks themselves live in validation/integrity.py (the member state's own definitions, shared
with its tests): SQL that returns the violating rows, with the condition library's reference
tables (family prefixes, indications, pregnancy contraindications) registered beside the cohort's
tables. `validate` counts each check's rows and shows a few; the day pile-up check is the same
`crowded_days` rule, fed with the window's daily counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from healthsim.store.analysis import AnalysisSession
from healthsim.store.query import QueryRefused

EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class InvariantResult:
    id: str
    label: str
    violations: int
    examples: tuple[str, ...]
    skipped: str = ""

    @property
    def passed(self) -> bool:
        return self.violations == 0

    def as_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "violations": self.violations,
                "examples": list(self.examples), "skipped": self.skipped or None}


def check_all(session: AnalysisSession) -> list[InvariantResult]:
    from healthsim.validation.integrity import CHECKS, reference_tables

    for name, table in reference_tables().items():
        session.register(name, table)
    results = []
    for check in CHECKS:
        missing = [t for t in check.needs if not session.has_table(t)]
        if missing:
            results.append(InvariantResult(check.name, check.description, 0, (), f"no {', '.join(missing)} table"))
            continue
        try:
            n = int(session.one(f"SELECT count(*) FROM ({check.sql}) AS v")[0])
        except QueryRefused as exc:  # a store written before the member state (no conditions.family...)
            results.append(InvariantResult(check.name, check.description, 0, (), f"cannot check this store: {exc}"))
            continue
        examples = _examples(session, check.sql) if n else ()
        results.append(InvariantResult(check.name, check.description, n, examples))
    results.append(_crowded(session))
    return results


def _examples(session: AnalysisSession, sql: str, k: int = 3) -> tuple[str, ...]:
    cols = session.columns(f"SELECT * FROM ({sql}) AS v LIMIT {k}")
    names = [c for c in cols if c != "person_id"]
    out = []
    for i in range(len(next(iter(cols.values()), []))):
        what = ", ".join(f"{c} {_show(cols[c][i])}" for c in names)
        out.append(f"person {cols['person_id'][i]}: {what}" if "person_id" in cols else what)
    return tuple(out)


def _show(value) -> str:
    if isinstance(value, np.datetime64):
        text = np.datetime_as_string(value, unit="s")
        return text[:10] if text.endswith("T00:00:00") else text.replace("T", " ")
    return str(value)


def _crowded(session: AnalysisSession) -> InvariantResult:
    """Encounter types piling up on a day (integrity.crowded_days on the window's encounters)."""
    from healthsim.validation.integrity import crowded_days

    label = "a day holding more than 3x its neighbours' mean count of an encounter type"
    if not session.has_table("encounters"):
        return InvariantResult("crowded_days", label, 0, (), "no encounters table")
    lo, hi = session.one("SELECT min(window_start), max(window_end) FROM hs_members")
    cols = session.columns("SELECT type, CAST(CAST(start_time AS DATE) - DATE '1970-01-01' AS BIGINT) AS day, "
                           "count(*) AS n FROM encounters GROUP BY ALL")
    if lo is None or not len(cols.get("type", [])):
        return InvariantResult("crowded_days", label, 0, ())
    n = np.asarray(cols["n"], np.int64)  # daily counts, expanded back to one row per encounter
    table = pa.table({"type": pa.array(np.repeat(np.asarray(cols["type"]).astype(str), n)),
                      "start_time": pa.array(np.repeat(np.asarray(cols["day"], np.int64) * 86400, n),
                                             pa.timestamp("s"))})
    found = crowded_days(table, (lo - EPOCH).days, (hi - EPOCH).days)
    examples = tuple(f"{f['type']}: {f['count']} on {EPOCH + dt.timedelta(days=int(f['day']))} "
                     f"(neighbours {f['neighbours_mean']})" for f in found[:3])
    return InvariantResult("crowded_days", label, len(found), examples)
