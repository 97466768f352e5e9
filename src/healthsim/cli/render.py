"""Rich rendering for the CLI: summaries, tables of results, error panels.

Two consoles on stdout: `console` for chatter (summaries, notes; silenced by
-q) and `out` for the data a command exists to print (query results, lists,
`--version`), which -q never hides. Errors and progress go to `err_console`.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

# Control characters a terminal would act on (ESC sequences, NUL, BEL, backspace, CR, the C1
# set); TAB and newline stay. Names, plans and notes come from specs a client may have written.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """`text` with terminal control characters replaced by spaces."""
    return _CONTROLS.sub(" ", text)


def safe_text(value) -> str:
    """Data shown on the terminal: control characters removed and Rich markup escaped, so a
    name like '[red]x' or '\x1b[2J' prints as itself. Use it for every value that is not ours."""
    from rich.markup import escape

    return escape(strip_controls(str(value)))


class _SafeConsole(Console):
    """A Console that strips control characters from every string it renders (print
    arguments, table cells, panels): the one place the terminal is protected, whatever
    a caller forgets. Markup is ours to escape (safe_text), since our messages use it."""

    def render_str(self, text: str, **kwargs):
        return super().render_str(strip_controls(text), **kwargs)


# Piped output (CI logs, tests, `| less`) gets a wide console instead of
# Rich's 80-column default, so tables are not wrapped mid-word.
_WIDTH = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "140"))
console = _SafeConsole(width=_WIDTH)
out = _SafeConsole(width=_WIDTH)
err_console = _SafeConsole(stderr=True, width=_WIDTH)


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 file', '12 files', '1,000 members' (`many` for irregular plurals)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def first_sentence(text: str, limit: int = 160) -> str:
    """The first sentence of a description (whole words; '…' when cut)."""
    text = " ".join(text.split())
    m = re.search(r"(?<=[.!?])\s", text)
    sentence = text[:m.start()] if m else text
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def error_panel(message: str, title: str = "error") -> None:
    """An error as a red panel on stderr (the message's own brackets are not markup)."""
    err_console.print(Panel(_escape(message), title=f"[red]{title}", border_style="red", expand=False))


def _escape(text: str) -> str:
    return safe_text(text)


def summary(result) -> None:
    """Rows per table and realised-vs-target for every specified marginal."""
    rows_total = sum(result.row_counts.values())
    rate = f"{result.members_per_second:,.0f} members/s, {rows_total / result.seconds:,.0f} rows/s" \
        if result.seconds > 0.001 else ""
    head = (f"cohort [bold]{result.cohort_id}[/] '{_escape(result.spec.profile_name)}' in {_escape(str(result.db))}: "
            f"{plural(result.spec.count, 'member')}, seed {result.spec.seed}, "
            f"{result.seconds:.2f} s" + (f" ({rate})" if rate else ""))
    console.print(head)
    rows = Table(title="rows written", show_edge=False)
    rows.add_column("table")
    rows.add_column("rows", justify="right")
    for name, n in result.row_counts.items():
        rows.add_row(name, f"{n:,}")
    console.print(rows)
    checks_table(result.checks)
    financials_table(getattr(result, "financials", {}))


def export_summary(result) -> None:
    """What an export wrote: files, where, how fast, and counts per item."""
    total = sum(result.counts.values())
    rate = f", {total / result.seconds:,.0f} items/s" if result.seconds > 0.001 and total else ""
    console.print(f"cohort [bold]{result.cohort_id}[/] as {result.format}: {plural(len(result.files), 'file')} "
                  f"in {_escape(str(result.out))} ({result.seconds:.2f} s{rate})")
    t = Table(show_edge=False)
    t.add_column("item")
    t.add_column("count", justify="right")
    for name, n in result.counts.items():
        t.add_row(name, f"{n:,}")
    console.print(t)


def financials_table(f: dict) -> None:
    """Claims dollars and PMPM, when the cohort has claims."""
    if not f:
        return
    t = Table(title=f"claims ({f['member_months']:,} member months)", show_edge=False)
    for col in ("", "claims", "billed", "allowed", "plan paid", "member paid", "paid PMPM"):
        t.add_column(col, justify="left" if not col else "right")
    t.add_row("medical", f"{f['medical_claims']:,} ({f['denied_claims']:,} denied)", f"${f['billed']:,.0f}",
              f"${f['allowed']:,.0f}", f"${f['paid']:,.0f}", f"${f['member_liability']:,.0f}",
              f"${f['medical_paid_pmpm']:,.2f}")
    t.add_row("pharmacy", f"{f['pharmacy_fills_paid']:,} fills", "", "", f"${f['pharmacy_plan_paid']:,.0f}",
              f"${f['pharmacy_copay']:,.0f}", f"${f['pharmacy_paid_pmpm']:,.2f}")
    t.add_row("total", "", "", "", "", "", f"${f['total_paid_pmpm']:,.2f}")
    console.print(t)


def checks_table(checks, target: Console | None = None) -> None:
    if not checks:
        return
    t = Table(title="realised vs target (99% sampling interval)", show_edge=False)
    for col in ("marginal", "target", "realised", "interval", ""):
        t.add_column(col, justify="right" if col not in ("marginal", "") else "left", no_wrap=col == "marginal")
    for c in checks:
        fmt = (lambda x: f"{x:.3f}") if abs(c.target) <= 1.5 else (lambda x: f"{x:.2f}")
        mark = "[green]ok" if c.ok else "[yellow]outside"
        t.add_row(_escape(c.name), fmt(c.target), fmt(c.realised), f"{fmt(c.low)}..{fmt(c.high)}", mark)
    (target or console).print(t)


def cohort_record(c: dict, db, spec_only: bool = False) -> None:
    """`cohorts show`: the header, the spec as YAML, rows per table, checks and claims."""
    from healthsim.engine.stats import Check

    spec_yaml = spec_to_yaml(c.get("spec") or {})
    if spec_only:
        print(spec_yaml, end="")
        return
    out.print(f"cohort [bold]{c['cohort_id']}[/] '{_escape(c['name'])}': {plural(c['member_count'], 'member')}, "
              f"seed {c['seed']}, as_of {c['as_of']}, created {c['created_at']}, "
              f"healthsim {c['package_version']}")
    out.print("[bold]spec[/] (re-run it: healthsim cohorts show ID --spec > spec.yaml; healthsim generate spec.yaml)")
    out.print(spec_yaml.rstrip("\n"), markup=False, highlight=False)
    rows = Table(title="rows", show_edge=False)
    rows.add_column("table")
    rows.add_column("rows", justify="right")
    for name, n in (c.get("row_counts") or {}).items():
        rows.add_row(name, f"{n:,}")
    out.print(rows)
    checks = [Check(**{k: v for k, v in x.items() if k != "ok"}) for x in (c.get("summary") or {}).get("checks", [])]
    checks_table(checks, target=out)


def spec_to_yaml(doc: dict) -> str:
    """A spec document as readable YAML: key order kept, multi-line text as `|` blocks."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper, value: str):
        if "\n" in value.strip():
            lines = "\n".join(line.rstrip() for line in value.strip().splitlines()) + "\n"
            return dumper.represent_scalar("tag:yaml.org,2002:str", lines, style="|")
        return dumper.represent_scalar("tag:yaml.org,2002:str", value.strip() if len(value) > 60 else value)

    Dumper.add_representer(str, text)
    return yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)


def tables_table(infos, db, cohort: int | None) -> None:
    """`healthsim tables`: every table, its rows and its columns."""
    scope = f"cohort {cohort}" if cohort is not None else "all cohorts"
    t = Table(title=f"tables in {db} ({scope})", show_edge=False)
    t.add_column("table", no_wrap=True)
    t.add_column("rows", justify="right")
    t.add_column("columns", justify="right")
    t.add_column("column names", overflow="fold")
    for info in infos:
        names = [c for c, _ in info.columns if c != "cohort_id" or info.name == "cohorts"]
        t.add_row(info.name, f"{info.rows:,}", str(len(names)), ", ".join(names))
    out.print(t)


def column_summary_table(name: str, summary) -> None:
    """`healthsim tables NAME`: per column type, min, max, distinct (approx.), nulls."""
    rows = summary.to_pylist()
    t = Table(title=f"{name}: {rows[0]['count']:,} rows" if rows else name, show_edge=False)
    for col in ("column", "type", "min", "max", "distinct (approx.)", "null %"):
        t.add_column(col, justify="right" if col in ("distinct (approx.)", "null %") else "left",
                     overflow="fold")
    for r in rows:
        t.add_row(r["column_name"], r["column_type"], _short(r["min"]), _short(r["max"]),
                  f"{r['approx_unique']:,}", f"{float(r['null_percentage'] or 0):.1f}")
    out.print(t)


def _short(value, limit: int = 40) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_result(table, fmt: str, path: Path | None, truncated: bool = False, limit: int | None = None) -> None:
    """A query result as a table on the terminal, or csv/json/parquet to a file or stdout."""
    if fmt == "table" and path is None:
        t = Table(show_edge=False)
        for name in table.column_names:
            t.add_column(name, justify="right" if _numeric(table.schema.field(name).type) else "left",
                         overflow="fold")
        for row in table.to_pylist():
            t.add_row(*(_cell(v) for v in row.values()))
        out.print(t)
        tail = f"{plural(table.num_rows, 'row')}"
        if truncated:
            tail += f" shown (the first {limit:,}; more with --limit N, or --format csv --out FILE for all)"
        console.print(tail, style="dim", highlight=False)
        return
    data = _encode(table, "csv" if fmt == "table" else fmt)
    if path is None:
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(data)
        console.print(f"wrote {plural(table.num_rows, 'row')} to {_escape(str(path))}", highlight=False)


def _encode(table, fmt: str) -> bytes:
    import io

    import pyarrow as pa

    if fmt == "parquet":
        import pyarrow.parquet as pq

        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        return sink.getvalue().to_pybytes()
    if fmt == "csv":
        import pyarrow.csv as pacsv

        buf = io.BytesIO()
        pacsv.write_csv(table, buf)
        return buf.getvalue()
    import orjson

    rows = table.to_pylist()
    return orjson.dumps(rows, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str) + b"\n"


def _numeric(t) -> bool:
    import pyarrow.types as pat

    return pat.is_integer(t) or pat.is_floating(t) or pat.is_decimal(t)


def _cell(value) -> str:
    """A value as DuckDB's own CLI shows it (no thousands separators: ids and years stay
    readable), floats to 10 significant digits so sums of cents do not show binary noise."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, ".10g")
    return _escape(str(value))


def __getattr__(name: str):
    # LazyProgress was this module's progress bar; it is now cli/progress.py's Task.
    # Kept so code written against the old name keeps working.
    if name == "LazyProgress":
        from healthsim.cli.progress import LazyProgress

        return LazyProgress
    raise AttributeError(name)
