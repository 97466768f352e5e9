"""`healthsim validate` and `healthsim report`: a cohort against published benchmarks.

validate prints one table (metric, population, realised, 99% interval, published, tolerance,
status) and the integrity invariants; with --strict it exits 1 when a gating benchmark fails or an
invariant is violated (2 stays for usage errors). report writes one self-contained HTML page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from healthsim import api
from healthsim.cli.progress import say, task
from healthsim.cli.render import out, safe_text
from healthsim.errors import UsageError

_STYLE = {"pass": "green", "fail": "bold red", "few": "dim", "n/a": "dim"}


def validate(
    db: Annotated[Path, typer.Option("--db", help="DuckDB cohort file.")] = api.DEFAULT_DB,
    cohort: Annotated[int | None, typer.Option("--cohort", "-c", help="Cohort id (default: the latest).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 if a benchmark fails or an invariant is violated.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="Also list the rows that do not apply, and why.")] = False,
    sdtm: Annotated[Path | None, typer.Option("--sdtm", help="Validate a CDISC SDTM export directory instead "
                                                            "(TrialSim).")] = None,
) -> None:
    """Compare a cohort with published benchmarks (utilization, prevalence, costs) and check its integrity."""
    if sdtm is not None:
        return _validate_sdtm(sdtm, strict, as_json)
    with task("validating against the benchmark table") as progress:
        result = api.validate(db, cohort_id=cohort, progress=progress)
    if as_json:
        print(json.dumps(result.as_dict(), indent=2, default=str))
    else:
        show_validation(result, show_all=show_all)
    if strict and not result.passed:
        raise typer.Exit(1)


def report(
    path: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write, e.g. report.html.")],
    db: Annotated[Path, typer.Option("--db", help="DuckDB cohort file.")] = api.DEFAULT_DB,
    cohort: Annotated[int | None, typer.Option("--cohort", "-c", help="Cohort id (default: the latest).")] = None,
) -> None:
    """Write one self-contained HTML report about a cohort: plots, benchmarks and invariants."""
    with task("writing the report") as progress:
        result = api.report(db, path, cohort_id=cohort, progress=progress)
    counts = result.validation.counts()
    say(f"report for cohort [bold]{result.cohort_id}[/] written to {safe_text(result.path)} "
                  f"({result.bytes / 1e6:.1f} MB, {len(result.charts)} plots, {result.seconds:.1f} s); "
                  f"benchmarks {counts['pass']} pass, {counts['fail']} fail; "
                  f"{len(result.validation.violations)} invariants violated")


def show_validation(result, show_all: bool = False) -> None:
    counts = result.counts()
    out.print(f"cohort [bold]{result.cohort_id}[/] '{safe_text(result.name)}' in {safe_text(str(result.db))}: {result.members:,} members, "
                  f"window {result.window[0]} to {result.window[1]}"
                  + (f", selected on {', '.join(result.selected_on)}" if result.selected_on else ""))
    t = Table(title="benchmarks (published figures; 99% sampling interval of the realised value)", show_edge=False)
    for col, justify in (("metric", "left"), ("population", "left"), ("realised", "right"), ("99% interval", "right"),
                         ("published", "right"), ("tolerance", "right"), ("", "left")):
        t.add_column(col, justify=justify)
    for b in result.benchmarks:
        if b.status == "n/a":
            continue
        m = b.measurement
        iv = m.interval() if m else None
        status = f"[{_STYLE[b.status]}]{b.status}[/]" + ("" if b.row.gate else " [dim](info)[/]")
        t.add_row(safe_text(b.metric_label), safe_text(b.population_label), _fmt(m.value if m else None, b.unit),
                  f"{_fmt(iv[0], b.unit)}..{_fmt(iv[1], b.unit)}" if iv else "", _fmt(b.row.published, b.unit),
                  b.row.tolerance_text, status)
    out.print(t)
    if result.invariants:
        inv = Table(title="integrity invariants", show_edge=False)
        for col in ("invariant", "violations", "example"):
            inv.add_column(col, justify="right" if col == "violations" else "left")
        for i in result.invariants:
            inv.add_row(safe_text(i.label), f"[{'green' if i.passed else 'bold red'}]{i.violations:,}[/]",
                        safe_text((i.examples[0] if i.examples else i.skipped)[:90]))
        out.print(inv)
    if show_all:
        for b in result.benchmarks:
            if b.status == "n/a":
                out.print(f"[dim]n/a {b.row.id}: {safe_text(b.reason)}[/]")
    out.print(f"benchmarks: {counts['pass']} pass, {counts['fail']} fail, {counts['few']} too few to judge, "
                  f"{counts['n/a']} do not apply (--all lists them); invariants: "
                  f"{len(result.violations)} of {len(result.invariants)} violated; "
                  + ("[green]PASSED[/]" if result.passed else "[bold red]NOT PASSED[/]"))


def _fmt(v, unit: str) -> str:
    if v is None:
        return ""
    if unit.startswith("USD"):
        return f"${v:,.0f}" if abs(v) >= 100 else f"${v:,.2f}"
    if unit == "share":
        return f"{v:.1%}"
    return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.1f}"


def _validate_sdtm(path: Path, strict: bool, as_json: bool) -> None:
    check = getattr(api, "validate_sdtm", None)
    if check is None:
        raise UsageError("validate --sdtm needs TrialSim's SDTM checks, which are not installed in this version")
    result = check(path)
    if as_json or not hasattr(result, "render"):
        print(json.dumps(result.as_dict() if hasattr(result, "as_dict") else result, indent=2, default=str))
    else:
        result.render(out)
    if strict and not getattr(result, "passed", True):
        raise typer.Exit(1)
