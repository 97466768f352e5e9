"""`healthsim report`: one HTML page about a cohort that people would rather look at than read.

It runs the same validation as `healthsim validate` (benchmarks and invariants), reads the figures
behind the plots from the store, and writes one self-contained page: cohort summary, realised vs
target marginals with their 99% intervals, the benchmark comparison, and plots (age-sex pyramid,
condition prevalence vs target, utilization vs published with error bars, PMPM by service
category, cost concentration curve, A1c distribution, members by state). The page is written to a
temporary file beside `out` and renamed, so a failed run leaves no half-written report.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from healthsim.errors import UsageError
from healthsim.store.analysis import AnalysisSession
from healthsim.validation import cohort as cohort_frame
from healthsim.validation.report import charts, data
from healthsim.validation.report.page import chart_block, esc, page, table
from healthsim.validation.result import ValidationResult
from healthsim.validation.run import Progress, step, validate

CAPTIONS = {  # what each plot shows, under its heading
    "pyramid": "Members by 5-year age band at the cohort's as_of date; men left, women right.",
    "prevalence": ("Bars: realised share with its 99% sampling interval. Black tick: the profile's "
                   'target; orange tick: a published prevalence (CMS CCW) where it applies.'),
    "utilization": ('Dot and line: realised rate with its 99% interval; dark tick: published; green '
                    "band: the row's tolerance."),
    "pmpm": 'Plan paid per member-month of enrollment, medical by claim type, and pharmacy.',
    "concentration": ('Share of total paid held by the costliest members (dashed: equal spending); '
                      'orange diamonds: MEPS where the cohort is unselected.'),
    "a1c": ('Latest A1c per member in the window; published for adults 65+ with diabetes: '
            'about 60% below 7% and about 6% at 9% or more.'),
    "states": 'Members by USPS state of residence.',
    "ratios": ('Every applicable row as realised / published (1 = on target) with its 99% '
               'interval; green band: tolerance.'),
}


@dataclass(frozen=True)
class ReportResult:
    path: Path
    cohort_id: int
    charts: tuple[str, ...]  # ids of the charts drawn
    empty: tuple[str, ...]  # ids of charts with nothing to show
    validation: ValidationResult
    seconds: float
    bytes: int

    def as_dict(self) -> dict:
        return {"path": str(self.path), "cohort_id": self.cohort_id, "charts": list(self.charts),
                "empty": list(self.empty), "passed": self.validation.passed, "counts": self.validation.counts(),
                "seconds": round(self.seconds, 2), "bytes": self.bytes}


def write_report(db: str | Path, out: str | Path, cohort_id: int | None = None, *,
                 progress: Progress = None) -> ReportResult:
    started = time.perf_counter()
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--out {out}: the report is one HTML file; give a path ending in .html")
    if out.exists() and out.is_dir():
        raise UsageError(f"--out {out} is a directory; give a file path ending in .html")
    result = validate(db, cohort_id, progress=progress)
    step(progress, "report")
    head, specs, blocks, empty = _sections(db, result)
    text = page(f"HealthSim cohort {result.cohort_id}: {result.name}",
                f"{Path(db).name} · window {result.window[0]} to {result.window[1]} · validated against "
                f"{sum(1 for b in result.benchmarks if b.status in ('pass', 'fail'))} published figures",
                _kpis(result, head), blocks, specs)
    _write_atomically(out, text)
    return ReportResult(out, result.cohort_id, tuple(specs), tuple(empty), result,
                        time.perf_counter() - started, len(text.encode("utf-8")))


def _sections(db, result: ValidationResult):
    checks = session_checks(db, result.cohort_id)
    with AnalysisSession(db, result.cohort_id) as session:
        cohort_frame.build_frame(session)
        head = data.headline(session)
        prevalence = _prevalence_rows(checks, result)
        made = {
            "pyramid": ("Age-sex pyramid", charts.age_sex_pyramid(data.pyramid(session)), "no members"),
            "prevalence": ("Condition prevalence vs target", charts.prevalence_vs_target(prevalence),
                           "no conditions with a target"),
            "utilization": ("Utilization per member-year vs published", charts.utilization_vs_published(result),
                            "no utilization benchmark applies to this cohort"),
            "pmpm": ("Paid PMPM by service category", charts.pmpm_by_category(data.pmpm_by_category(session)),
                     "no claims in this cohort"),
            "concentration": ("Cost concentration",
                              charts.cost_concentration(data.cost_curve(session), _meps_points(result)), "no paid claims"),
            "a1c": ("A1c distribution", charts.a1c_distribution(data.a1c_values(session)), "no A1c results in this cohort"),
            "states": ("Members by state", charts.members_by_state(data.members_by_state(session)), "no addresses"),
            "ratios": ("Benchmark comparison", charts.benchmark_ratios(result), "no benchmark applies to this cohort"),
        }
    specs = {f"chart-{k}": v[1] for k, v in made.items() if v[1] is not None}
    empty = [f"chart-{k}" for k, v in made.items() if v[1] is None]
    blocks = ['<div class="grid">' + "".join(
        chart_block(f"chart-{k}", t, s, e, CAPTIONS[k]) for k, (t, s, e) in made.items()) + "</div>",
        _benchmark_table(result), _invariant_table(result), _marginals_table(checks)]
    return head, specs, blocks, empty


def session_checks(db, cohort_id: int) -> list[dict]:
    import json

    with AnalysisSession(db, cohort_id) as session:
        raw = session.one("SELECT summary FROM cohorts")[0]
    try:
        summary = json.loads(raw) if isinstance(raw, str) else (raw or {})
    except ValueError:
        summary = {}
    return list(summary.get("checks") or [])


def _prevalence_rows(checks: list[dict], result: ValidationResult) -> list[dict]:
    from healthsim.conditions.library import library

    rows = []
    for c in data.profile_checks(checks):
        rows.append({"label": f"{c['code']} (profile)", "realised": c["realised"], "low": c["low"], "high": c["high"],
                     "target": c["target"], "kind": "profile target"})
    for b in result.benchmarks:
        m = b.measurement
        if b.row.metric != "prevalence" or b.status not in ("pass", "fail") or m is None or m.value is None:
            continue
        lo, hi = m.interval() or (m.value, m.value)
        fam = library().families[b.row.args[0]]
        rows.append({"label": f"{fam.name} · {b.population_label}", "realised": m.value, "low": lo, "high": hi,
                     "target": b.row.published, "kind": "published"})
    return rows


def _meps_points(result: ValidationResult) -> list[dict]:
    out = []
    for b in result.benchmarks:
        if b.row.metric == "cost_share_top" and b.status in ("pass", "fail"):
            pct = float(b.row.args[0]) / 100
            out.append({"members": pct, "paid": b.row.published, "label": f"top {b.row.args[0]}% (MEPS)"})
        elif b.row.metric == "cost_share_bottom" and b.status in ("pass", "fail"):
            pct = float(b.row.args[0]) / 100
            out.append({"members": 1 - pct, "paid": 1 - b.row.published, "label": f"bottom {b.row.args[0]}% (MEPS)"})
    return out


def _kpis(result: ValidationResult, head: dict) -> list[tuple[str, str]]:
    counts = result.counts()
    return [("members", f"{head['members']:,}"), ("mean age", f"{head['mean_age']:.1f}"),
            ("female", f"{head['female']:.0%}"), ("member-years", f"{head['member_years']:,.0f}"),
            ("deaths", f"{head['deaths']:,}"), ("paid PMPM", f"${head['paid_pmpm']:,.0f}"),
            ("benchmarks passed", f"{counts['pass']} of {counts['pass'] + counts['fail']}"),
            ("invariants violated", f"{len(result.violations)} of {len(result.invariants)}")]


def _fmt(v, unit: str = "") -> str:
    if v is None:
        return ""
    if unit.startswith("USD"):
        return f"${v:,.0f}" if abs(v) >= 100 else f"${v:,.2f}"
    if unit == "share":
        return f"{v:.1%}"
    return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def _benchmark_table(result: ValidationResult) -> str:
    rows = []
    for b in result.benchmarks:
        if b.status == "n/a":
            continue
        m = b.measurement
        iv = m.interval() if m else None
        status = f'<span class="{"na" if b.status == "few" else b.status}">{esc(b.status)}</span>'
        src = esc(b.row.source) + (f' (<a href="{esc(b.row.url)}">link</a>)' if b.row.url.startswith("https://") else "")
        rows.append([esc(b.metric_label), esc(b.population_label),
                     esc(_fmt(m.value if m else None, b.unit)),
                     esc(f"{_fmt(iv[0], b.unit)} to {_fmt(iv[1], b.unit)}" if iv else ""),
                     esc(_fmt(b.row.published, b.unit)), esc(b.row.tolerance_text), status + ("" if b.row.gate else " ·info"),
                     src + f" {esc(b.row.year)}" + (f'<div class="note">{esc(b.row.note)}</div>' if b.row.note else "")])
    na = [b for b in result.benchmarks if b.status == "n/a"]
    body = table(["metric", "population", "realised", "99% interval", "published", "tolerance", "status", "source"],
                 rows, {2, 3, 4, 5})
    na_html = ("<details><summary>" + esc(f"{len(na)} rows do not apply to this cohort") + "</summary>"
               + table(["benchmark", "why not"], [[esc(b.row.id), esc(b.reason)] for b in na]) + "</details>") if na else ""
    return f"<section><h2>Benchmarks</h2>{body}{na_html}</section>"


def _invariant_table(result: ValidationResult) -> str:
    rows = [[esc(i.label), f'<span class="{"pass" if i.passed else "fail"}">{i.violations:,}</span>',
             esc("; ".join(i.examples) or i.skipped)] for i in result.invariants]
    badge = ('<span class="badge ok">all hold</span>' if not result.violations
             else f'<span class="badge bad">{len(result.violations)} violated</span>')
    return f"<section><h2>Integrity invariants {badge}</h2>{table(['invariant', 'violations', 'examples'], rows, {1})}</section>"


def _marginals_table(checks: list[dict]) -> str:
    if not checks:
        return ""
    rows = [[esc(c.get("name")), esc(_num(c.get("target"))), esc(_num(c.get("realised"))),
             esc(f"{_num(c.get('low'))} to {_num(c.get('high'))}"),
             '<span class="pass">ok</span>' if c.get("ok") else '<span class="fail">outside</span>'] for c in checks]
    return ("<section><h2>Realised vs target (the profile's marginals, 99% sampling interval)</h2>"
            + table(["marginal", "target", "realised", "interval", ""], rows, {1, 2, 3}) + "</section>")


def _num(v) -> str:
    return "" if v is None else f"{v:,.3f}" if abs(v) < 1000 else f"{v:,.0f}"


def _write_atomically(out: Path, text: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
