"""Checking a cohort: integrity invariants (integrity.py) and published benchmarks."""
