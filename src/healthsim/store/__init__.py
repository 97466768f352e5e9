"""The cohort store: the only package that imports duckdb."""
