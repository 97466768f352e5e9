"""`healthsim` command line: a thin edge over healthsim.api.

Every user-caused problem is a HealthSimError, shown as a red panel with exit
code 2 and no traceback; Typer reports its own usage errors with exit code 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from healthsim import api, interrupts
from healthsim.cli import conversation
from healthsim.cli import lake as lake_cli
from healthsim.cli.render import LazyProgress, console, error_panel, summary
from healthsim.errors import HealthSimError, UsageError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="HealthSim: reproducible synthetic healthcare data from a spec.")
templates_app = typer.Typer(no_args_is_help=True, help="Ready-made profiles and journeys.")
cohorts_app = typer.Typer(no_args_is_help=True, help="Cohorts stored in a DuckDB file.")
app.add_typer(templates_app, name="templates")
app.add_typer(cohorts_app, name="cohorts")
app.command("parse")(conversation.parse)
app.command("chat")(conversation.chat)
app.command("mcp")(conversation.mcp)
app.command("preview")(conversation.preview)
app.command("import")(lake_cli.import_lake)

DbOption = Annotated[Path, typer.Option("--db", help="DuckDB cohort file.")]


@app.command()
def generate(
    spec: Annotated[str | None, typer.Argument(
        help="Spec file (.yaml/.json), template name, or a request in quotes: '200 Medicare diabetics'.")] = None,
    template: Annotated[str | None, typer.Option("--template", "-t", help="Profile template name.")] = None,
    count: Annotated[int | None, typer.Option("--count", "-n", help="Number of members.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", "-s", help="Random seed.")] = None,
    db: DbOption = api.DEFAULT_DB,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", help="Processes making blocks (default: CPU count, max 4). Output is identical.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Directory for exports a request asks for.")] = None,
    journey: Annotated[list[str] | None, typer.Option(
        "--journey", "-j", help="Journey template name or journey spec file, for every member (repeatable).")] = None,
    lake: Annotated[Path | None, typer.Option(
        "--lake", help="Write a Parquet lake to this directory instead of the DuckDB store.")] = None,
    engine: lake_cli.EngineOption = "local",
    scheduler: lake_cli.SchedulerOption = None,
    overwrite: lake_cli.OverwriteOption = False,
) -> None:
    """Generate a cohort from a spec file, a template or a request sentence into the DuckDB store."""
    if bool(spec) == bool(template):
        raise UsageError("give either a spec file, a template name or a request, or --template NAME")
    if spec and journey:
        raise UsageError("--journey goes with --template; in a spec file, list journeys under `journeys:`")
    if lake is None and (engine != "local" or scheduler or overwrite):
        raise UsageError("--engine, --scheduler and --overwrite go with --lake DIR")
    if lake is not None:
        request = api.load_request(spec, count=count, seed=seed) if spec else None
        profile = request.profile if request else api.load_profile(template, count=count, seed=seed,
                                                                    journeys=journey)
        return lake_cli.generate_lake(profile, lake, engine, workers, scheduler, overwrite,
                                      formats=list(request.outputs.formats) if request else [])
    if spec:  # a spec or request file, a template name, or a sentence
        request = api.load_request(spec, count=count, seed=seed)
        if request.request is not None:
            conversation.show_spec(request)
        return conversation.run_request(request, db, out, workers)
    profile = api.load_profile(template, count=count, seed=seed, journeys=journey)
    progress = LazyProgress(f"generating {profile.count:,} members")
    try:
        result = api.generate(profile, db, progress=progress, workers=api.default_workers(profile, workers))
    finally:
        progress.close()
    try:
        summary(result)
    except KeyboardInterrupt as exc:
        raise interrupts.mark_committed(exc, f"cohort {result.cohort_id} in {result.db}") from None


@app.command()
def schema(kind: Annotated[str, typer.Argument(help="profile, journey or request")] = "profile") -> None:
    """Print the JSON Schema of a spec kind."""
    console.print_json(json.dumps(api.json_schema(kind)))


@app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="Format: " + ", ".join(api.list_formats()))],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")],
    db: DbOption = api.DEFAULT_DB,
    cohort: Annotated[int | None, typer.Option("--cohort", "-c", help="Cohort id (default: the latest).")] = None,
    option: Annotated[list[str] | None, typer.Option(
        "--option", "-O", help="Export option KEY=VALUE (repeatable), e.g. claims_per_st=1000, sender_id=MYCLEARING, "
                               "usage=P, bundle_type=batch, sending_facility=MAIN; see docs/formats.md.")] = None,
    segment_newlines: Annotated[bool, typer.Option("--segment-newlines", help="X12: newline after each segment.")] = False,
    feed: Annotated[bool, typer.Option("--feed", help="HL7 v2: one chronological stream of all messages.")] = False,
    mllp: Annotated[bool, typer.Option("--mllp", help="HL7 v2: MLLP framing.")] = False,
    gzip: Annotated[bool, typer.Option("--gzip", help="FHIR: gzip the NDJSON files or Bundles.")] = False,
) -> None:
    """Export a cohort in a standard format; files appear only if the whole export succeeds."""
    from rich.table import Table

    from healthsim.formats.options import parse_options

    flags = {k: True for k, v in (("segment_newlines", segment_newlines), ("feed", feed), ("mllp", mllp),
                                  ("gzip", gzip)) if v}
    options = parse_options(flags, option)
    progress = LazyProgress(f"exporting {fmt}")
    try:
        result = api.export_cohort(db, fmt, out, cohort_id=cohort, progress=progress, options=options)
    finally:
        progress.close()
    console.print(f"cohort [bold]{result.cohort_id}[/] as {fmt}: {len(result.files):,} files in {result.out} "
                  f"({result.seconds:.2f} s)")
    t = Table(show_edge=False)
    t.add_column("item")
    t.add_column("count", justify="right")
    for name, n in result.counts.items():
        t.add_row(name, f"{n:,}")
    console.print(t)


@templates_app.command("list")
def templates_list() -> None:
    """List the shipped templates."""
    from rich.table import Table

    t = Table(show_edge=False)
    for col in ("name", "kind", "title", "description"):
        t.add_column(col)
    for info in api.list_templates():
        t.add_row(info.name, info.kind, info.title, info.description.split("\n")[0][:80])
    console.print(t)


@templates_app.command("show")
def templates_show(name: str) -> None:
    """Print a template's YAML."""
    from healthsim.templates import template_text

    print(template_text(name), end="")


@cohorts_app.command("list")
def cohorts_list(db: DbOption = api.DEFAULT_DB) -> None:
    """List the cohorts in a store."""
    from rich.table import Table

    t = Table(show_edge=False)
    for col in ("id", "name", "members", "seed", "as_of", "created", "rows"):
        t.add_column(col)
    for c in api.list_cohorts(db):
        total = sum((c.get("row_counts") or {}).values())
        t.add_row(str(c["cohort_id"]), c["name"], f"{c['member_count']:,}", str(c["seed"]),
                  str(c["as_of"]), str(c["created_at"]), f"{total:,}")
    console.print(t)


@cohorts_app.command("show")
def cohorts_show(cohort_id: int, db: DbOption = api.DEFAULT_DB) -> None:
    """Show one cohort: spec, row counts and realised-vs-target checks."""
    from healthsim.cli.render import checks_table
    from healthsim.engine.stats import Check

    c = api.show_cohort(db, cohort_id)
    console.print(f"cohort [bold]{c['cohort_id']}[/] '{c['name']}': {c['member_count']:,} members, "
                  f"seed {c['seed']}, as_of {c['as_of']}, healthsim {c['package_version']}")
    console.print_json(json.dumps(c.get("row_counts") or {}))
    checks = [Check(**{k: v for k, v in x.items() if k != "ok"}) for x in (c.get("summary") or {}).get("checks", [])]
    checks_table(checks)


@cohorts_app.command("delete")
def cohorts_delete(cohort_id: int, db: DbOption = api.DEFAULT_DB) -> None:
    """Delete one cohort (other cohorts are untouched)."""
    c = api.delete_cohort(db, cohort_id)
    console.print(f"deleted cohort {c['cohort_id']} '{c['name']}'")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; render our errors as panels (exit 2), Ctrl-C as 130."""
    interrupts.install()
    try:
        app(args=argv, prog_name="healthsim")
    except SystemExit as exc:  # Typer exits with the command's code (2 for usage errors)
        interrupt = _interrupt_behind(exc)
        if interrupt is not None:  # Typer turns Ctrl-C into a bare exit 130: report it properly
            return _interrupted(interrupt)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except HealthSimError as exc:
        error_panel(str(exc))
        return exc.exit_code
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (healthsim.interrupts): 130 / 143
        return _interrupted(exc)
    except Exception as exc:  # an error raised because a signal cut a statement short
        interrupt = interrupts.as_interrupt(exc)
        if interrupt is exc:
            raise
        return _interrupted(interrupt)
    return 0


def _interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, KeyboardInterrupt):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _interrupted(exc: KeyboardInterrupt) -> int:
    """Say truthfully what an interrupt left behind; exit 128 + signal (130 Ctrl-C, 143 SIGTERM)."""
    committed = getattr(exc, "committed", None)
    if committed:
        error_panel(f"interrupted after {committed} was committed: it is complete "
                    "(do not generate it again)", "interrupted")
    else:
        error_panel("interrupted: the unfinished cohort was rolled back, nothing was written", "aborted")
    return interrupts.exit_code(exc)


if __name__ == "__main__":
    sys.exit(main())


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
