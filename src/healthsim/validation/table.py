"""The benchmark table shipped as data: populations, metric definitions and published figures.

Three files under validation/data/:
  benchmarks.csv    one row per published figure: population, metric (with arguments), published
                    value, tolerance, whether it gates `--strict`, source, year, address, note;
  metrics.yaml      how each metric is computed (a SQL ratio over the canonical tables, or a named
                    function);
  populations.yaml  who a row is about (coverage, ages, a condition, unselected or not).
They are loaded once, validated against each other (every row's population and metric exist, the
metric gets the arguments its SQL needs, every condition family and drug class is known) and
returned as frozen objects. A mistake in the files is a clear error naming the row.
"""

from __future__ import annotations

import csv
import functools
import re
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from healthsim.errors import HealthSimError

DATA = "healthsim.validation.data"
_CALL = re.compile(r"^\s*([a-z0-9_]+)\s*(?:\((.*)\))?\s*$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::[^}]*)?\}")
_BUILTIN = {"pop"}


class BenchmarkTableError(HealthSimError):
    """The shipped benchmark files contradict each other (a packaging mistake, not a user one)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Population(_Frozen):
    id: str
    label: str
    coverage: tuple[str, ...]
    age: tuple[int, int]
    sex: Literal["F", "M"] | None = None
    condition: str | None = None
    general: bool = False
    min_members: int = Field(50, ge=1)
    age_coverage: float = Field(0.7, ge=0, le=1, description=(
        "For general populations: the share of the age range [min, min(max, 100)] that the cohort's "
        "members in it must span, so that a 25-45 cohort is not held to an 18-64 average."))


class Metric(_Frozen):
    id: str
    label: str
    unit: str
    description: str = ""
    needs: tuple[str, ...] = ()
    kind: Literal["ratio", "function"] = "ratio"
    sql: str | None = None
    function: str | None = None
    scale: float = 1.0

    @property
    def parameters(self) -> tuple[str, ...]:
        """Names the SQL needs from the row's arguments, in order of first use."""
        if self.kind == "function" or not self.sql:
            return ()
        seen: list[str] = []
        for name in _PLACEHOLDER.findall(self.sql):
            if name not in _BUILTIN and name not in seen:
                seen.append(name)
        return tuple(seen)


class Benchmark(_Frozen):
    id: str
    population: str
    metric: str
    args: tuple[str, ...] = ()
    published: float
    tolerance_rel: float | None = None
    tolerance_abs: float | None = None
    gate: bool = True
    source: str
    year: str
    url: str = ""
    note: str = ""

    @field_validator("source")
    @classmethod
    def _cited(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("every benchmark cites its source")
        return v

    @property
    def from_memory(self) -> bool:
        return "from memory" in self.note.lower() or "from memory" in self.source.lower()

    @property
    def tolerance_text(self) -> str:
        if self.tolerance_abs is not None:
            return f"±{self.tolerance_abs:g}"
        return f"±{self.tolerance_rel * 100:g}%"

    def bounds(self) -> tuple[float, float]:
        """The published value's acceptance interval."""
        half = self.tolerance_abs if self.tolerance_abs is not None else abs(self.published) * (self.tolerance_rel or 0)
        return self.published - half, self.published + half

    def display(self, metric_label: str) -> str:
        """A short human label: 'Prevalence: hypertension', 'Adherence (PDC): biguanide... 0.8-1'."""
        a = self.args
        if not a:
            return metric_label
        if self.metric == "a1c_share":
            lo, hi = float(a[0]), float(a[1])
            return f"{metric_label} {'< ' + a[1] if lo <= 0 else ('>= ' + a[0] if hi >= 20 else a[0] + '-' + a[1])}%"
        if self.metric == "pdc_share":
            lo, hi = float(a[1]), float(a[2])
            what = "oral diabetes drugs" if "+" in a[0] else a[0].replace("_", " ")
            return f"{metric_label} {what} {'< ' + a[2] if lo <= 0 else '>= ' + a[1] if hi >= 1 else a[1] + '-' + a[2]}"
        if self.metric in ("cost_share_top", "cost_share_bottom"):
            return f"{metric_label} {a[0]}%"
        if self.metric == "share_aged":
            return f"{metric_label} {a[0]}+"
        first = a[0].split("+")
        name = " + ".join(x.replace("_", " ") for x in first) if len(first) <= 2 else first[0].replace("_", " ") + "..."
        return f"{metric_label}: {name}"

    @property
    def call(self) -> str:
        return f"{self.metric}({', '.join(self.args)})" if self.args else self.metric


class BenchmarkTable(_Frozen):
    populations: dict[str, Population]
    metrics: dict[str, Metric]
    rows: tuple[Benchmark, ...]

    def row(self, benchmark_id: str) -> Benchmark:
        for r in self.rows:
            if r.id == benchmark_id:
                return r
        raise KeyError(benchmark_id)


@functools.cache
def benchmark_table() -> BenchmarkTable:
    """The shipped table, loaded and cross-checked once."""
    populations = {k: Population(id=k, **v) for k, v in _yaml("populations.yaml").items()}
    metrics = {k: Metric(id=k, **v) for k, v in _yaml("metrics.yaml").items()}
    rows = tuple(_parse_row(r, n) for n, r in enumerate(_csv("benchmarks.csv"), start=2))
    table = BenchmarkTable(populations=populations, metrics=metrics, rows=rows)
    _check(table)
    return table


def _yaml(name: str) -> dict:
    with resources.files(DATA).joinpath(name).open("r", encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def _csv(name: str) -> list[dict[str, str]]:
    with resources.files(DATA).joinpath(name).open("r", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def parse_call(text: str) -> tuple[str, tuple[str, ...]]:
    """'pdc_share(statin, 0.8, 9)' -> ('pdc_share', ('statin', '0.8', '9'))."""
    m = _CALL.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a metric call (name or name(arg, ...))")
    args = tuple(a.strip() for a in m.group(2).split(",")) if m.group(2) and m.group(2).strip() else ()
    return m.group(1), args


def _parse_tolerance(text: str) -> tuple[float | None, float | None]:
    t = text.strip().replace("+-", "±")
    if t.endswith("%"):
        return float(t[:-1]) / 100, None
    if t.startswith("±"):
        return None, float(t[1:])
    raise ValueError(f"tolerance {text!r}: write 15% (relative) or ±0.02 (absolute)")


def _parse_row(raw: dict[str, str], line: int) -> Benchmark:
    try:
        metric, args = parse_call(raw["metric"])
        rel, absolute = _parse_tolerance(raw["tolerance"] or "15%")
        return Benchmark(id=raw["id"], population=raw["population"], metric=metric, args=args,
                         published=float(raw["published"]), tolerance_rel=rel, tolerance_abs=absolute,
                         gate=raw.get("gate", "yes").strip().lower() in ("yes", "true", "1"),
                         source=raw["source"], year=raw["year"], url=raw.get("url", ""), note=raw.get("note", ""))
    except (ValueError, KeyError, ValidationError) as exc:
        raise BenchmarkTableError(f"benchmarks.csv line {line} ({raw.get('id')!r}): {exc}") from None


def _check(table: BenchmarkTable) -> None:
    from healthsim.conditions.library import library

    families = set(library().families)
    problems: list[str] = []
    ids = [r.id for r in table.rows]
    problems += [f"duplicate benchmark id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for p in table.populations.values():
        if p.condition and p.condition not in families:
            problems.append(f"population {p.id}: unknown condition family {p.condition!r}")
    for m in table.metrics.values():
        if (m.kind == "ratio") != bool(m.sql) or (m.kind == "function") != bool(m.function):
            problems.append(f"metric {m.id}: a ratio metric has `sql`, a function metric has `function`")
    for r in table.rows:
        if r.population not in table.populations:
            problems.append(f"{r.id}: unknown population {r.population!r}")
        metric = table.metrics.get(r.metric)
        if metric is None:
            problems.append(f"{r.id}: unknown metric {r.metric!r}")
            continue
        if metric.kind == "ratio" and len(r.args) != len(metric.parameters):
            problems.append(f"{r.id}: {r.metric} takes ({', '.join(metric.parameters)}), got {r.args}")
        for name, value in zip(metric.parameters, r.args):
            if name == "family" and value not in families:
                problems.append(f"{r.id}: unknown condition family {value!r}")
    if problems:
        raise BenchmarkTableError("the benchmark table is inconsistent: " + "; ".join(problems))
