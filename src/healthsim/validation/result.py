"""What `healthsim validate` found: each benchmark row's realised value against the published one,
and each integrity invariant's violations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from healthsim.validation.invariants import InvariantResult
from healthsim.validation.measure import Measurement
from healthsim.validation.table import Benchmark

Status = Literal["pass", "fail", "few", "n/a"]
MIN_UNITS = 20  # fewer units than this: the row is shown, never judged


@dataclass(frozen=True)
class BenchmarkResult:
    row: Benchmark
    population_label: str
    metric_label: str
    unit: str
    measurement: Measurement | None
    status: Status
    reason: str = ""

    @property
    def realised(self) -> float | None:
        return self.measurement.value if self.measurement else None

    def as_dict(self) -> dict:
        m = self.measurement
        interval = m.interval() if m else None
        low, high = self.row.bounds()
        return {
            "id": self.row.id, "population": self.row.population, "population_label": self.population_label,
            "metric": self.row.call, "metric_label": self.metric_label, "unit": self.unit,
            "realised": None if m is None or m.value is None else round(m.value, 6),
            "se": None if m is None or m.se is None else round(m.se, 6),
            "interval_99": None if interval is None else [round(interval[0], 6), round(interval[1], 6)],
            "units": None if m is None else m.units,
            "published": self.row.published, "tolerance": self.row.tolerance_text,
            "accept": [round(low, 6), round(high, 6)], "gate": self.row.gate, "status": self.status,
            "reason": self.reason or None, "source": self.row.source, "year": self.row.year,
            "url": self.row.url or None, "note": self.row.note or None, "from_memory": self.row.from_memory,
        }


@dataclass
class ValidationResult:
    db: str
    cohort_id: int
    name: str
    members: int
    window: tuple[str, str]
    coverage: dict[str, int]
    selected_on: tuple[str, ...]
    populations: dict[str, dict] = field(default_factory=dict)
    benchmarks: list[BenchmarkResult] = field(default_factory=list)
    invariants: list[InvariantResult] = field(default_factory=list)

    @property
    def failures(self) -> list[BenchmarkResult]:
        return [b for b in self.benchmarks if b.status == "fail" and b.row.gate]

    @property
    def violations(self) -> list[InvariantResult]:
        return [i for i in self.invariants if not i.passed]

    @property
    def passed(self) -> bool:
        """True when no gating benchmark fails and no invariant is violated (what --strict asks)."""
        return not self.failures and not self.violations

    def counts(self) -> dict[str, int]:
        out = {"pass": 0, "fail": 0, "few": 0, "n/a": 0}
        for b in self.benchmarks:
            out[b.status] += 1
        return out

    def as_dict(self) -> dict:
        return {
            "db": self.db, "cohort_id": self.cohort_id, "name": self.name, "members": self.members,
            "window": list(self.window), "coverage": self.coverage, "selected_on": list(self.selected_on),
            "passed": self.passed, "counts": self.counts(),
            "failures": [b.row.id for b in self.failures],
            "violated_invariants": [i.id for i in self.violations],
            "populations": self.populations,
            "benchmarks": [b.as_dict() for b in self.benchmarks if b.status != "n/a"],
            "not_applicable": {b.row.id: b.reason for b in self.benchmarks if b.status == "n/a"},
            "invariants": [i.as_dict() for i in self.invariants],
        }
