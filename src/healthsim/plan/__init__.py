"""Pure compile step: a validated spec -> an executable plan.

Everything that can be resolved once per run (reference lookups, code rules,
geography weights, benefit designs) is resolved here, so the engine's per-block
work is only numpy sampling. Checks that need reference data (a profile that
can reach no ZIP, a condition no member can have) fail here, before any row is
generated or written.
"""
