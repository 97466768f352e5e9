"""CLI commands for the language layer: `parse`, `chat`, `mcp`, and generate-from-text.

Thin: each command calls the builders and `healthsim.api`, and only renders.
`chat` reads answers line by line from stdin, so it works both at a terminal
and with piped input (`printf '200 Medicare diabetics\\n\\n\\n\\n' | healthsim chat`);
at the end of input every remaining question takes its default.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from healthsim import api
from healthsim.cli.progress import task
from healthsim.cli.render import console, plural, summary
from healthsim.errors import UsageError

MAX_TURNS = 40
DbOption = Annotated[Path, typer.Option("--db", help="DuckDB cohort file.")]


def parse(
    text: Annotated[str, typer.Argument(help="A request, e.g. '200 Medicare diabetics with claims'.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full spec as JSON.")] = False,
    as_yaml: Annotated[bool, typer.Option("--yaml", help="Print the full spec as YAML.")] = False,
    save: Annotated[Path | None, typer.Option("--save", help="Also save the spec as YAML here.")] = None,
    count: Annotated[int | None, typer.Option("--count", "-n")] = None,
    seed: Annotated[int | None, typer.Option("--seed", "-s")] = None,
) -> None:
    """Show the spec a request implies: profile, journeys, outputs, and what was assumed."""
    spec = api.parse_request(text, count=count, seed=seed)
    if save:
        spec.save(save)
    if as_json:
        print(json.dumps(spec.document(), indent=2))
    elif as_yaml:
        print(spec.to_yaml(), end="")
    else:
        show_spec(spec)
        if save:
            console.print(f"saved to {save}")


def show_spec(spec) -> None:
    for line in spec.summary_lines():
        console.print(line, highlight=False, markup=False)
    for a in spec.assumptions:
        console.print(f"  assumed {a.render()}", style="dim", highlight=False, markup=False)
    for note in spec.notes:
        console.print(f"  note: {note}", style="yellow", highlight=False, markup=False)
    if spec.unrecognized:
        console.print("  not understood: " + ", ".join(spec.unrecognized), style="yellow",
                      highlight=False, markup=False)


def run_request(spec, db: Path, out: Path | None = None, workers: int | None = None) -> None:
    """Generate a RequestSpec's cohort (and its exports) with a progress bar, then the summary."""
    n = spec.profile.count
    with task(f"generating {plural(n, 'member')}", total=n, unit="members") as progress:
        run = api.generate_request(spec, db, progress=progress, out=out, workers=workers)
    summary(run.result)
    for export in run.exports:
        console.print(f"exported {export.format}: {plural(len(export.files), 'file')} in {export.out}")
    for note in run.notes:
        console.print(f"note: {note}", style="yellow", highlight=False, markup=False)


def chat(
    text: Annotated[str | None, typer.Argument(help="The opening request (else read from input).")] = None,
    db: DbOption = api.DEFAULT_DB,
    save: Annotated[Path | None, typer.Option("--save", help="Where to save the spec YAML.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Directory for requested exports.")] = None,
    journey: Annotated[bool, typer.Option("--journey", help="Also adjust the journey in a dialogue.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Build and save the spec, do not generate.")] = False,
) -> None:
    """Build a spec in conversation (Profile Builder, then Journey Builder), then generate it."""
    from healthsim.builders import journey_builder, profile_builder

    if not text:
        console.print("Describe the data you want, e.g. '200 Medicare diabetics with claims in Texas'.")
        text = _read_line()
        if not text:
            raise UsageError("no request given: say what to generate, e.g. '200 Medicare diabetics'")
    turn = _converse(profile_builder.start(text), profile_builder.reply)
    spec = turn.spec
    if journey or spec.journeys:
        jturn = journey_builder.start(text, facts=turn.state.facts)
        if jturn.problems and not jturn.questions:
            console.print("\n".join(f"note: {p}" for p in jturn.problems), style="yellow", markup=False)
        else:
            jturn = _converse(jturn, journey_builder.reply)
            spec = jturn.spec
    path = spec.save(save or _default_spec_path(db, spec))
    console.print(f"spec saved to {path}")
    if not dry_run:
        run_request(spec, db, out)


def _converse(turn, reply):
    console.print(turn.message(), highlight=False, markup=False)
    for _ in range(MAX_TURNS):
        if turn.done:
            return turn
        line = _read_line(prompt="> ")
        turn = reply(turn.state, line)
        console.print(turn.message(), highlight=False, markup=False)
    raise UsageError("the dialogue did not finish; answer the questions or press Enter for defaults")


def _read_line(prompt: str = "") -> str:
    """One line of input; '' at the end of input (so defaults apply). Echoed when piped."""
    if sys.stdin.isatty():
        try:
            return input(prompt)
        except EOFError:
            return ""
    text = sys.stdin.readline().rstrip("\n")
    console.print(f"> {text}", style="bold", highlight=False, markup=False)
    return text


def _default_spec_path(db: Path, spec) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", spec.profile.profile_name.lower()).strip("-")[:60] or "request"
    return Path(db).parent / "specs" / f"{slug}.yaml"


def mcp(
    workspace: Annotated[Path, typer.Option("--workspace", help="Directory exports and saved specs are confined to.")]
    = Path("out/mcp-workspace"),
    db: Annotated[Path | None, typer.Option("--db", help="Cohort store (default: WORKSPACE/healthsim.duckdb).")] = None,
    max_count: Annotated[int, typer.Option("--max-count", help="Largest cohort a client may generate.")] = 100_000,
    max_rows: Annotated[int, typer.Option("--max-rows", help="Most rows a query returns.")] = 500,
) -> None:
    """Serve HealthSim to MCP clients (LLM hosts) over stdio."""
    from healthsim.mcp.server import ServerConfig, serve

    serve(ServerConfig.create(workspace=workspace, db=db, max_count=max_count, max_rows=max_rows))
