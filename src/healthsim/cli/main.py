"""`healthsim` command line: a thin edge over healthsim.api.

Every user-caused problem is a HealthSimError, shown as a red panel with exit
code 2 and no traceback; Typer reports its own usage errors with exit code 2.
`-q` and `-v` are global (cli/progress.py): accepted anywhere on the line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from healthsim import api, interrupts
from healthsim.cli import conversation
from healthsim.cli import lake as lake_cli
from healthsim.cli import validate as validate_cli
from healthsim.cli.progress import NORMAL, QUIET, VERBOSE, say, set_verbosity, task
from healthsim.cli.render import (
    err_console,
    error_panel,
    first_sentence,
    out,
    plural,
    safe_text,
    summary,
)
from healthsim.errors import HealthSimError, UsageError

app = typer.Typer(no_args_is_help=True,
                  help="HealthSim: reproducible synthetic healthcare data from a spec.")
templates_app = typer.Typer(no_args_is_help=True, help="Ready-made profiles and journeys.")
cohorts_app = typer.Typer(no_args_is_help=True, help="Cohorts stored in a DuckDB file.")
app.add_typer(templates_app, name="templates")
app.add_typer(cohorts_app, name="cohorts")

DbOption = Annotated[Path, typer.Option("--db", help="DuckDB cohort file.")]
GLOBAL_FLAGS = {"-q": QUIET, "--quiet": QUIET, "-v": VERBOSE, "--verbose": VERBOSE}


def _version(value: bool) -> None:
    if value:
        v = api.versions()
        out.print(f"healthsim {v.pop('healthsim')}", highlight=False)
        for name, version in v.items():
            out.print(f"  {name} {version}", highlight=False)
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_version,
                                          help="Print the versions of healthsim and its key libraries.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors (and the data a command prints).")]
    = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also time each step.")] = False,
) -> None:
    """HealthSim: reproducible synthetic healthcare data from a spec."""
    if quiet and verbose:
        raise UsageError("-q and -v contradict each other: give one")
    set_verbosity(QUIET if quiet else VERBOSE if verbose else NORMAL)


@app.command()
def generate(
    spec: Annotated[str | None, typer.Argument(
        help="Spec file (.yaml/.json), template name, or a request in quotes: '200 Medicare diabetics'.")] = None,
    template: Annotated[str | None, typer.Option("--template", "-t", help="Profile template name.")] = None,
    count: Annotated[int | None, typer.Option("--count", "-n", help="Number of members.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", "-s", help="Random seed.")] = None,
    db: DbOption = api.DEFAULT_DB,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", help="Processes making blocks (default: 1, or one per CPU up to 4 for journey runs "
                                "of 3+ blocks). Output is identical.")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="Directory for exports a request asks for.")]
    = None,
    journey: Annotated[list[str] | None, typer.Option(
        "--journey", "-j", help="Journey template name or journey spec file, for every member (repeatable).")] = None,
    lake: Annotated[Path | None, typer.Option(
        "--lake", help="Write a Parquet lake to this directory instead of the DuckDB store.")] = None,
    engine: lake_cli.EngineOption = "local",
    scheduler: lake_cli.SchedulerOption = None,
    overwrite: lake_cli.OverwriteOption = False,
    trial: Annotated[str | None, typer.Option(
        "--trial", help="Run a TrialSim protocol (template name such as t2d-phase3, or a protocol file); "
                        "--count is then the number of subjects to randomise.")] = None,
    cohort: Annotated[int | None, typer.Option(
        "--cohort", "-c", help="With --trial: recruit from this cohort already in --db (screened on its member "
                               "state) instead of generating candidates.")] = None,
) -> None:
    """Generate a cohort from a spec file, a template or a request sentence into the DuckDB store."""
    if trial is not None:
        if spec or template or journey or lake is not None:
            raise UsageError("--trial runs a protocol on its own: drop the spec, --template, --journey and --lake")
        return _generate_trial(trial, count, seed, db, workers, cohort)
    if cohort is not None:
        raise UsageError("--cohort goes with --trial (recruit a trial from an existing cohort)")
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
        return conversation.run_request(request, db, out_dir, workers)
    profile = api.load_profile(template, count=count, seed=seed, journeys=journey)
    with task(f"generating {plural(profile.count, 'member')}", total=profile.count, unit="members") as progress:
        result = api.generate(profile, db, progress=progress, workers=api.default_workers(profile, workers))
    try:
        summary(result)
    except KeyboardInterrupt as exc:
        raise interrupts.mark_committed(exc, f"cohort {result.cohort_id} in {result.db}") from None


def _generate_trial(source: str, count: int | None, seed: int | None, db: Path, workers: int | None,
                    cohort: int | None = None) -> None:
    protocol = api.load_protocol(source, subjects=count, seed=seed)
    with task(f"trial {protocol.study_id}: " + (f"recruiting from cohort {cohort}" if cohort is not None else
                                                f"candidates for {plural(protocol.subjects, 'subject')}"),
              total=None, unit="members") as progress:
        if cohort is not None:
            run = api.run_trial_on_cohort(protocol, db, cohort, progress=progress)
        else:
            run = api.generate_trial(protocol, db, progress=progress, workers=workers)
    t = run.summary
    cohort_id = run.result.cohort_id if run.result is not None else t["cohort_id"]
    arms = ", ".join(f"{k} {v}" for k, v in t.get("arms", {}).items())
    out.print(f"trial {safe_text(t['study_id'])} in cohort {cohort_id} of {safe_text(str(db))}: "
              f"{t['screened']:,} screened, {t['randomised']:,} randomised ({arms}) at {t['sites']} sites; "
              f"screen failures {t['screen_failure_rate']:.0%}; {t['completed']:,} completed, "
              f"{t['deaths']} died; {t['adverse_events']:,} adverse events")
    for key in ("shortfall", "window_note"):
        if t.get(key):
            err_console.print(f"[yellow]note:[/] {safe_text(t[key])}")
    out.print(f"SDTM: healthsim export --db {safe_text(str(db))} --format sdtm --out sdtm/")


@app.command()
def schema(kind: Annotated[str, typer.Argument(help="profile, journey, request or trial")] = "profile") -> None:
    """Print the JSON Schema of a spec kind."""
    import json

    out.print_json(json.dumps(api.json_schema(kind)))


@app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="Format: " + ", ".join(api.list_formats()))],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")],
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
    from healthsim.cli.render import export_summary
    from healthsim.formats.options import parse_options

    flags = {k: True for k, v in (("segment_newlines", segment_newlines), ("feed", feed), ("mllp", mllp),
                                  ("gzip", gzip)) if v}
    options = parse_options(flags, option)
    with task(f"exporting {fmt}") as progress:  # units: persons, or tables for parquet/csv
        result = api.export_cohort(db, fmt, out_dir, cohort_id=cohort, progress=progress, options=options)
    export_summary(result)


@app.command("query")
def query(
    sql: Annotated[str, typer.Argument(help="One SELECT statement, e.g. \"SELECT sex, count(*) FROM persons GROUP BY 1\".")],
    db: DbOption = api.DEFAULT_DB,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table (default), csv, json or parquet.")] = "table",
    out_file: Annotated[Path | None, typer.Option("--out", "-o", help="Write the result to this file.")] = None,
    limit: Annotated[int | None, typer.Option(
        "--limit", help="Keep at most this many rows (table format default: show 50).")] = None,
) -> None:
    """Run one read-only SQL SELECT over a cohort store; print a table or write csv/json/parquet."""
    from healthsim.cli.render import write_result
    from healthsim.store.query import select_table

    formats = ("table", "csv", "json", "parquet")
    if fmt not in formats:
        raise UsageError(f"--format {fmt!r} is not one of {', '.join(formats)}")
    if fmt == "parquet" and out_file is None:
        raise UsageError("--format parquet writes a file: add --out FILE.parquet")
    shown = limit if limit is not None else (50 if fmt == "table" and out_file is None else None)
    table, truncated = select_table(db, sql, limit=shown)
    write_result(table, fmt, out_file, truncated=truncated, limit=shown)


@app.command("tables")
def tables(
    name: Annotated[str | None, typer.Argument(help="A table: show each column's type, range, nulls, distinct.")]
    = None,
    db: DbOption = api.DEFAULT_DB,
    cohort: Annotated[int | None, typer.Option("--cohort", "-c", help="Count one cohort's rows (default: all).")]
    = None,
) -> None:
    """List the tables of a store with row counts and columns (or one table's column summary)."""
    from healthsim.cli.render import column_summary_table, tables_table

    if name:
        from healthsim.store.query import summarize_table

        column_summary_table(name, summarize_table(db, name, cohort))
    else:
        tables_table(api.tables(db, cohort), db, cohort)


# Commands defined elsewhere, listed in --help after the ones above.
app.command("parse")(conversation.parse)
app.command("preview")(conversation.preview)
app.command("chat")(conversation.chat)
app.command("import")(lake_cli.import_lake)
app.command("mcp")(conversation.mcp)
app.command("validate")(validate_cli.validate)
app.command("report")(validate_cli.report)


@templates_app.command("list")
def templates_list() -> None:
    """List the shipped templates."""
    from rich.table import Table

    t = Table(show_edge=False)
    t.add_column("name", no_wrap=True)
    t.add_column("kind", no_wrap=True)
    t.add_column("title", no_wrap=True)
    t.add_column("description", overflow="fold")
    for info in api.list_templates():
        t.add_row(info.name, info.kind, info.title, first_sentence(info.description))
    out.print(t)


@templates_app.command("show")
def templates_show(name: str) -> None:
    """Print a template's YAML."""
    from healthsim.templates import template_text

    print(template_text(name), end="")


@cohorts_app.command("list")
def cohorts_list(db: DbOption = api.DEFAULT_DB) -> None:
    """List the cohorts in a store."""
    from rich.table import Table

    cohorts = api.list_cohorts(db, missing_ok=False)
    if not cohorts:
        say(f"no cohorts in {db}")
        return
    t = Table(show_edge=False)
    for col in ("id", "name", "members", "seed", "as_of", "created", "rows"):
        t.add_column(col, justify="right" if col in ("id", "members", "seed", "rows") else "left")
    for c in cohorts:
        total = sum((c.get("row_counts") or {}).values())
        t.add_row(str(c["cohort_id"]), safe_text(c["name"]), f"{c['member_count']:,}", str(c["seed"]),
                  str(c["as_of"]), str(c["created_at"]), f"{total:,}")
    out.print(t)


@cohorts_app.command("show")
def cohorts_show(
    cohort_id: int,
    db: DbOption = api.DEFAULT_DB,
    spec_only: Annotated[bool, typer.Option("--spec", help="Print only the spec (YAML), e.g. to re-run it.")]
    = False,
) -> None:
    """Show one cohort: its spec (YAML), row counts and realised-vs-target checks."""
    from healthsim.cli.render import cohort_record

    c = api.show_cohort(db, cohort_id)
    cohort_record(c, db, spec_only=spec_only)


@cohorts_app.command("delete")
def cohorts_delete(
    cohort_id: int,
    db: DbOption = api.DEFAULT_DB,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")] = False,
) -> None:
    """Delete one cohort (other cohorts are untouched); asks first unless --yes."""
    c = api.show_cohort(db, cohort_id)
    if not yes:
        rows = sum((c.get("row_counts") or {}).values())
        question = (f"delete cohort {c['cohort_id']} '{c['name']}' ({plural(c['member_count'], 'member')}, "
                    f"{plural(rows, 'row')}) from {db}? [y/N] ")
        answer = _ask(question)
        if answer is None:
            raise UsageError("cohorts delete asks before deleting, and there is no one to answer: "
                             "add --yes to delete without asking")
        if answer.strip().lower() not in ("y", "yes"):
            say("nothing deleted")
            return
    api.delete_cohort(db, cohort_id)
    say(f"deleted cohort {c['cohort_id']} '{safe_text(c['name'])}'", highlight=False)


def _ask(question: str) -> str | None:
    """One answer from the terminal or piped input; None at end of input."""
    err = sys.stderr
    err.write(question)
    err.flush()
    try:
        line = sys.stdin.readline() if not sys.stdin.isatty() else _input()
    except OSError:  # no readable input at all (closed, or captured by a test runner)
        line = None
    if line is None or (line == "" and not sys.stdin.isatty()):
        err.write("\n")
        return None
    return line


def _input() -> str | None:
    try:
        return input()
    except EOFError:
        return None


def hoist_global_flags(argv: list[str]) -> list[str]:
    """Move -q/-v (given anywhere before a `--`) in front of the command, where the root reads them."""
    flags, rest = [], []
    for i, arg in enumerate(argv):
        if arg == "--":
            rest.extend(argv[i:])
            break
        (flags if arg in GLOBAL_FLAGS else rest).append(arg)
    return flags + rest


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; render our errors as panels (exit 2), Ctrl-C as 130."""
    interrupts.install()
    set_verbosity(NORMAL)
    args = hoist_global_flags(list(sys.argv[1:] if argv is None else argv))
    try:
        app(args=args, prog_name="healthsim")
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
    finally:
        set_verbosity(NORMAL)
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
                    "(do not run it again)", "interrupted")
    else:  # `rolled_back` says what was undone when it was not a cohort (e.g. an export)
        error_panel("interrupted: " + (getattr(exc, "rolled_back", None)
                                       or "the unfinished cohort was rolled back, nothing was written"), "aborted")
    return interrupts.exit_code(exc)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    sys.exit(main())
