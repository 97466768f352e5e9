"""Validation: how close a cohort is to published figures, and whether its records agree.

`validate(db, cohort_id)` computes every row of the shipped benchmark table (data/benchmarks.csv)
that applies to the cohort's population and checks the integrity invariants; `report` turns the
same figures into one self-contained HTML page with plots. integrity.py holds the member state's
invariants as SQL over the canonical tables (run on a store or on freshly made Arrow tables).
"""

from healthsim.validation.result import BenchmarkResult, ValidationResult
from healthsim.validation.run import validate
from healthsim.validation.table import benchmark_table

__all__ = ["BenchmarkResult", "ValidationResult", "benchmark_table", "validate"]
