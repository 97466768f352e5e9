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
from functools import cache
from pathlib import Path
from typing import Annotated

import typer

from healthsim import api
from healthsim.cli.progress import task
from healthsim.cli.render import console, plural, strip_controls, summary
from healthsim.errors import HealthSimError, UsageError

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


def preview(
    source: Annotated[str, typer.Argument(help="A spec file, a template name, or a request in quotes.")],
    n: Annotated[int, typer.Option("--n", "-n", help="How many members to show (at most 20).")] = 3,
    seed: Annotated[int | None, typer.Option("--seed", "-s")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the records as JSON.")] = False,
    everything: Annotated[bool, typer.Option("--all", help="Show every encounter and claim (default: 12 each).")]
    = False,
) -> None:
    """Show a few members of a spec as readable records, generated in memory (no cohort is written)."""
    from healthsim.preview import preview as make

    spec = api.load_request(source, seed=seed)
    result = make(spec, n)
    if as_json:
        print(json.dumps(result.as_dict(None if everything else 12), indent=2, default=str))
        return
    for note in spec.notes:
        console.print(f"note: {note}", style="yellow", highlight=False, markup=False)
    shown = len(result.members)
    print(strip_controls(f"Preview of {result.name!r}: {shown} of {result.requested:,} member(s), seed "
                         f"{result.seed} (generated in memory; nothing was saved)"))
    for note in result.notes:
        print(strip_controls(f"  ({note})"))
    limit = None if everything else 12
    for i, member in enumerate(result.members, 1):
        print()
        for line in member_lines(member, i, shown, limit):
            print(strip_controls(line))


def member_lines(m: dict, i: int, total: int, limit: int | None = 12) -> list[str]:
    """One member's record as text lines (used by `healthsim preview` and chat's `show`)."""
    eth = {"hispanic": "Hispanic", "not_hispanic": "not Hispanic"}.get(m.get("ethnicity"), m.get("ethnicity"))
    lines = [f"Member {i} of {total}: {m['name']} - {m['sex']}, {m['age']} (born {m['birth_date']}), "
             f"{m.get('race') or ''}, {eth or ''}".rstrip(", ")]
    lines.append(f"  lives at {m.get('address')}" + (f" · {m['phone']}" if m.get("phone") else "")
                 + (f" · member {m['member_id']}" if m.get("member_id") else ""))
    for c in m.get("coverage") or []:
        lines.append(f"  coverage: {c.get('plan')} [{c.get('type')}] {c.get('start')} to {c.get('end') or 'ongoing'}")
    if m.get("attributes"):
        lines.append("  attributes: " + ", ".join(f"{k} {v}" for k, v in m["attributes"].items()))
    lines.append("  conditions:" + ("" if m.get("conditions") else " none"))
    lines += [f"    {c['code']:<8} {c.get('description') or ''}  (onset {c.get('onset')})"
              for c in m.get("conditions") or []]
    visits = m.get("encounters") or []
    lines.append(f"  timeline ({len(visits)} encounter{'s' if len(visits) != 1 else ''}):" if visits else
                 "  timeline: no encounters (the spec has no journeys)")
    for e in visits[:limit]:
        where = ", ".join(str(x) for x in (e.get("type"), (e.get("specialty") or "").replace("_", " "),
                                          e.get("provider")) if x)
        at = f" at {e['facility']}" if e.get("facility") else ""
        stay = f" ({e['length_of_stay']} nights, discharged {e.get('discharge')})" if e.get("length_of_stay") else ""
        lines.append(f"    {e['date']}  {where}{at}{stay}" + (f"  {e['em_code']}" if e.get("em_code") else ""))
        extras = []
        if e.get("diagnoses"):
            extras.append("dx " + ", ".join(e["diagnoses"]))
        if e.get("procedures"):
            extras.append("procedures " + ", ".join(e["procedures"]))
        if extras:
            lines.append("                " + " · ".join(extras))
        if e.get("labs"):
            lines.append("                labs: " + ", ".join(e["labs"]))
        for rx in e.get("prescriptions") or []:
            lines.append(f"                rx: {rx.get('drug')}" + (f", {rx['sig']}" if rx.get("sig") else "")
                         + (f" ({rx.get('days_supply')} days, {rx.get('refills')} refills)"
                            if rx.get("days_supply") else ""))
    if limit is not None and len(visits) > limit:
        lines.append(f"    ... {len(visits) - limit} more encounters (--all shows them)")
    orders = m.get("prescriptions") or []
    if orders:
        lines.append("  prescriptions (ordered outside a visit):")
        lines += [f"    {rx.get('date')}  {rx.get('drug')}" + (f", {rx['sig']}" if rx.get("sig") else "")
                  + (f" ({rx.get('days_supply')} days, {rx.get('refills')} refills)" if rx.get("days_supply") else "")
                  for rx in orders[:limit]]
    t = m.get("totals") or {}
    if t.get("medical_claims") or t.get("pharmacy_fills"):
        lines.append(f"  claims: {t['medical_claims']} medical - billed ${t['billed']:,.2f}, allowed "
                     f"${t['allowed']:,.2f}, plan paid ${t['paid']:,.2f}; {t['pharmacy_fills']} pharmacy fills - "
                     f"plan paid ${t['pharmacy_paid']:,.2f}")
        for c in (m.get("claims") or [])[:limit]:
            lines.append(f"    {c.get('date')}  {c.get('type'):<13} {c.get('status'):<8} billed ${c.get('billed', 0):,.2f}"
                         f"  allowed ${c.get('allowed', 0):,.2f}  paid ${c.get('paid', 0):,.2f}  member "
                         f"${c.get('member_paid', 0):,.2f}" + (f"  DRG {c['drg']}" if c.get("drg") else "")
                         + (f"  denied: {c['denial']}" if c.get("denial") else ""))
        for f in (m.get("pharmacy_claims") or [])[:limit]:
            lines.append(f"    {f.get('date')}  fill  {f.get('drug')} ({f.get('days_supply')} days)  plan "
                         f"${f.get('plan_paid', 0):,.2f}  copay ${f.get('copay', 0):,.2f}  {f.get('status')}")
    if m.get("death"):
        lines.append(f"  died {m['death']['date']} (cause {m['death'].get('cause')})")
    return lines


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
    try:
        summary(run.result)
        for export in run.exports:
            console.print(f"exported {export.format}: {plural(len(export.files), 'file')} in {export.out}")
        for note in run.notes:
            console.print(f"note: {note}", style="yellow", highlight=False, markup=False)
    except KeyboardInterrupt as exc:  # the cohort is committed: say so (healthsim.interrupts)
        from healthsim import interrupts

        raise interrupts.mark_committed(exc, f"cohort {run.result.cohort_id} in {run.result.db}") from None


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


QUIT = re.compile(r"^\s*(?:quit|exit|cancel|abort|stop)\s*$", re.IGNORECASE)
PREVIEW = re.compile(r"^\s*preview(?:\s+(\d{1,2}))?\s*$", re.IGNORECASE)


def _converse(turn, reply):
    console.print(turn.message(), highlight=False, markup=False)
    for _ in range(MAX_TURNS):
        if turn.done:
            return turn
        line = _read_line(prompt="> ")
        if QUIT.match(line):
            raise UsageError("chat ended: nothing was generated")
        preview_match = PREVIEW.match(line)
        if preview_match:
            _chat_preview(turn, int(preview_match.group(1) or 1))
            continue
        turn = reply(turn.state, line)
        console.print(turn.message(), highlight=False, markup=False)
    raise UsageError("the dialogue did not finish; answer the questions or press Enter for defaults")


def _chat_preview(turn, n: int) -> None:
    """'preview' in chat: a member (or n) of the spec so far, made in memory."""
    from healthsim.builders.compose import compose
    from healthsim.preview import preview as make

    try:
        spec = turn.spec or compose(turn.state.facts, request=turn.state.request)
        result = make(spec, n)
    except HealthSimError as exc:
        console.print(f"! cannot preview yet: {exc}", style="yellow", highlight=False, markup=False)
        return
    for i, member in enumerate(result.members, 1):
        for line in member_lines(member, i, len(result.members), limit=6):
            print(strip_controls(line))
    console.print("(a preview; nothing was saved. Answer the questions above to continue.)", style="dim",
                  highlight=False, markup=False)


@cache
def _line_editing() -> None:
    """Arrow keys, editing and history at a terminal (history kept in ~/.healthsim_history);
    set up once per process."""
    try:
        import atexit
        import readline
    except ImportError:  # not on every platform; input() still works
        return
    history = Path.home() / ".healthsim_history"
    try:
        readline.read_history_file(history)
    except OSError:
        pass
    readline.set_history_length(1000)

    def save() -> None:
        try:
            readline.write_history_file(history)
        except OSError:
            pass

    atexit.register(save)


def _read_line(prompt: str = "") -> str:
    """One line of input; '' at the end of input (so defaults apply). Echoed when piped."""
    if sys.stdin.isatty():
        _line_editing()
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
    query_memory: Annotated[str, typer.Option("--query-memory", help="DuckDB memory limit of one query "
                                              "(e.g. 512MB, 2GB); past it the query stops.")] = "1GB",
    query_timeout: Annotated[float, typer.Option("--query-timeout", help="Seconds a query may run.")] = 30.0,
    busy_wait: Annotated[float, typer.Option("--busy-wait", help="Seconds a store tool waits for another "
                                             "(e.g. a generation) before saying the store is busy.")] = 10.0,
) -> None:
    """Serve HealthSim to MCP clients (LLM hosts) over stdio."""
    import re

    from healthsim.mcp.server import ServerConfig, serve

    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", query_memory, re.IGNORECASE):
        raise typer.BadParameter(f"{query_memory!r} is not a size such as 512MB or 2GB", param_hint="--query-memory")
    serve(ServerConfig.create(workspace=workspace, db=db, max_count=max_count, max_rows=max_rows,
                              query_memory=query_memory.strip(), query_timeout=query_timeout,
                              call_timeout=query_timeout + 30, busy_wait=busy_wait))
