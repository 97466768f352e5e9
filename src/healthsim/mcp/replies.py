"""Replies sized for an LLM's context: summaries by default, and `fit` to a character budget.

A client pays for every character a tool returns, and a reply that overflows
its context is worse than a short one. So replies are summaries (an export is
file counts and sizes, a template its population and conditions, a table its
columns), query results stop at a row count, and `fit` cuts whatever is still
too long to `max_chars` — the longest lists first, each cut saying how many
items were left out — so a reply is never silently incomplete.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

DEFAULT_MAX_CHARS = 12_000
MAX_CHARS_CEILING = 200_000
DEFAULT_ROWS = 50


def size(value: Any) -> int:
    return len(json.dumps(value, default=str))


def fit(value: dict[str, Any], max_chars: int = DEFAULT_MAX_CHARS) -> dict[str, Any]:
    """`value` cut until its JSON is at most `max_chars`: the longest list is halved (recursively),
    then long strings are shortened; `truncated` lists what was cut."""
    if size(value) <= max_chars:
        return value
    out = json.loads(json.dumps(value, default=str))
    cuts: list[str] = []
    for _ in range(60):
        if size(out) <= max_chars:
            break
        path, items = _longest_list(out)
        if items is None or len(items) <= 1:
            if not _shorten_strings(out, max(200, max_chars // 10)):
                break
            cuts.append("long text shortened")
            continue
        keep = len(items) // 2
        removed = len(items) - keep
        del items[keep:]
        cuts.append(f"{path}: {removed} more item(s) not shown")
    if cuts:
        advice = (f"reply cut to fit max_chars={max_chars:,}; ask with a larger max_chars (or a narrower "
                  "question) for the rest")
        out["truncated"] = [*_merge(cuts), advice]
    return out


def _merge(cuts: list[str]) -> list[str]:
    """'conditions: 4 more' twice -> one line with the total."""
    totals: Counter = Counter()
    other = []
    for c in cuts:
        if ": " in c and c.endswith("more item(s) not shown"):
            path, rest = c.split(": ", 1)
            totals[path] += int(rest.split()[0])
        elif c not in other:
            other.append(c)
    return [f"{p}: {n} more item(s) not shown" for p, n in totals.items()] + other


def _longest_list(node: Any, path: str = "") -> tuple[str, list | None]:
    best: tuple[str, list | None, int] = ("", None, 0)
    stack = [(path, node)]
    while stack:
        p, x = stack.pop()
        if isinstance(x, dict):
            stack += [(f"{p}.{k}" if p else str(k), v) for k, v in x.items() if k != "truncated"]
        elif isinstance(x, list):
            s = size(x)
            if s > best[2] and len(x) > 1:
                best = (p, x, s)
            stack += [(f"{p}[{i}]", v) for i, v in enumerate(x)]
    return best[0], best[1]


def _shorten_strings(node: Any, limit: int) -> bool:
    changed = False
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str) and len(v) > limit:
                node[k] = v[:limit] + f"... ({len(v) - limit:,} characters not shown)"
                changed = True
            else:
                changed |= _shorten_strings(v, limit)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, str) and len(v) > limit:
                node[i] = v[:limit] + f"... ({len(v) - limit:,} characters not shown)"
                changed = True
            else:
                changed |= _shorten_strings(v, limit)
    return changed


def fit_rows(result: dict[str, Any], max_chars: int = DEFAULT_MAX_CHARS) -> dict[str, Any]:
    """A query result with rows dropped from the end until it fits (cells shortened if one row
    alone is too long); says how many rows were left out."""
    rows = list(result.get("rows") or [])
    if size(result) <= max_chars:
        return result
    out = dict(result)
    kept = len(rows)
    while kept > 1 and size({**out, "rows": rows[:kept]}) > max_chars:
        kept = max(1, int(kept * 0.8)) if kept > 10 else kept - 1
    out["rows"] = rows[:kept]
    out["row_count"] = kept
    out["truncated"] = True
    out["note"] = (f"{len(rows) - kept} of {len(rows)} rows not shown to fit max_chars={max_chars:,}; "
                   "select fewer columns, aggregate, or raise max_chars")
    if size(out) > max_chars:
        out["rows"] = [[(c[:200] + "...") if isinstance(c, str) and len(c) > 200 else c for c in r]
                       for r in out["rows"]]
    return out


def template_summary(doc: dict[str, Any]) -> dict[str, Any]:
    """What a template is, short: a profile's population, or a journey's phases and events."""
    out: dict[str, Any] = {"description": " ".join(str(doc.get("description", "")).split())[:600]}
    if "phases" in doc or "lifecycle" in doc:
        out["kind"] = "journey"
        out["journey"] = {"kind": doc.get("kind", "linear"), "duration": doc.get("duration"),
                          "phases": [{"name": p.get("name"), "window": p.get("window") or p.get("duration"),
                                      "events": [e.get("id") or e.get("type") for e in p.get("events") or []]}
                                     for p in doc.get("phases") or []]}
        if doc.get("lifecycle"):
            out["journey"]["states"] = list(doc["lifecycle"].get("states") or {})
        return out
    out["kind"] = "profile"
    cov = doc.get("coverage")
    options = cov.get("options", [cov]) if isinstance(cov, dict) else (cov or [])
    out["profile"] = {
        "count": doc.get("count"), "seed": doc.get("seed"),
        "age": doc.get("demographics", {}).get("age"),
        "coverage": [{"type": o.get("type"), "plan": o.get("plan"), "share": o.get("share")} for o in options],
        "conditions": [{"code": c.get("code"), "prevalence": c.get("prevalence")
                        if not isinstance(c.get("prevalence"), dict) else "by age/sex"}
                       for c in doc.get("conditions") or []],
        "journeys": doc.get("journeys") or [],
    }
    return out


def describe(table: str | None = None) -> dict[str, Any]:
    """The store's tables (name, what it holds, column names), or one table's columns in full."""
    from healthsim.canonical import TABLES

    cohorts = {"name": "cohorts", "doc": "One row per cohort: name, spec (JSON), seed, member_count, as_of, "
               "created_at, row_counts, summary.",
               "columns": [{"name": n, "type": t} for n, t in (
                   ("cohort_id", "INTEGER"), ("name", "VARCHAR"), ("spec", "JSON"), ("seed", "BIGINT"),
                   ("member_count", "BIGINT"), ("as_of", "DATE"), ("created_at", "TIMESTAMP"),
                   ("row_counts", "JSON"), ("summary", "JSON"))]}
    if table == "cohorts":
        return cohorts
    if table is not None:
        t = TABLES[table]
        return {"name": t.name, "doc": t.doc, "key": list(t.key),
                "columns": [{"name": "cohort_id", "type": "INTEGER", "doc": "the cohort the row belongs to"}]
                + [{"name": c.name, "type": c.sql_type, "doc": c.doc} for c in t.columns]}
    rows = [{"name": t.name, "doc": t.doc, "columns": [c.name for c in t.columns]} for t in TABLES.values()]
    rows.append({"name": "cohorts", "doc": cohorts["doc"], "columns": [c["name"] for c in cohorts["columns"]]})
    return {"tables": rows, "note": "every table has cohort_id; describe_tables(table=...) gives the column "
                                    "types and meanings"}


def export_summary(result: Any) -> dict[str, Any]:
    """An export as counts and sizes: files by extension and the largest files, not every name."""
    out_dir = Path(result.out)
    by_ext: dict[str, dict[str, int]] = {}
    sizes = []
    for name in result.files:
        p = out_dir / name
        n = p.stat().st_size if p.exists() else 0
        ext = "".join(Path(name).suffixes) or "(none)"
        entry = by_ext.setdefault(ext, {"files": 0, "bytes": 0})
        entry["files"] += 1
        entry["bytes"] += n
        sizes.append((n, name))
    sizes.sort(reverse=True)
    return {"format": result.format, "cohort_id": result.cohort_id, "out": str(out_dir),
            "file_count": len(result.files), "total_bytes": sum(n for n, _ in sizes),
            "by_extension": by_ext, "largest_files": [{"file": f, "bytes": n} for n, f in sizes[:5]],
            "counts": result.counts, "seconds": round(getattr(result, "seconds", 0.0), 2)}
