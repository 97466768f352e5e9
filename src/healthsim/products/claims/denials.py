"""Why a line is not paid: coverage on the date of service, and denials.

- `coverage_status` finds, for each (person, service day), whether an
  enrollment span covers it; if not, whether the day is before the person's
  first coverage (CARC 26) or after a span ended (CARC 27, also in a gap).
- `draw_denials` denies whole claims at `claim_rate` and single lines at
  `line_rate`, with reasons drawn from the CARC table's weights. Draws are
  hashes of (seed, claim, line), so a claim's fate does not depend on which
  other claims share its block.

Published context for the default rates: the Change Healthcare Revenue Cycle
Denials Index (2020) puts initial claim denials at about 11% of claims; KFF's
analysis of HealthCare.gov insurer data found about 17% of in-network claims
denied (2021). HealthSim's defaults (5% of claims, 2% of other lines) give
about 7% of claims with at least one denied line, a conservative middle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from healthsim.products.claims.hashing import hash_uniform
from healthsim.reference.claims import adjustment_codes

COVERED, BEFORE_COVERAGE, AFTER_COVERAGE = 0, 26, 27
_DAY_OFFSET = 100_000  # keeps (person, day) keys positive for any day after 1696
_SALT_CLAIM, _SALT_CLAIM_REASON, _SALT_LINE, _SALT_LINE_REASON = 21, 22, 23, 24


@dataclass(frozen=True)
class DenialPolicy:
    """Denial rates for claims adjudication (0 disables a kind of denial)."""

    claim_rate: float = 0.05
    line_rate: float = 0.02

    def __post_init__(self) -> None:
        for name in ("claim_rate", "line_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"DenialPolicy.{name} must be between 0 and 1 (got {value})")


def coverage_status(person: np.ndarray, day: np.ndarray, span_person: np.ndarray,
                    span_start: np.ndarray, span_end: np.ndarray) -> np.ndarray:
    """COVERED, BEFORE_COVERAGE (CARC 26) or AFTER_COVERAGE (CARC 27) per (person, day)."""
    person = np.asarray(person, np.int64)
    day = np.asarray(day, np.int64)
    sp, ss, se = (np.asarray(a, np.int64) for a in (span_person, span_start, span_end))
    order = np.lexsort((ss, sp))
    sp, ss, se = sp[order], ss[order], se[order]
    span_key = sp * (4 * _DAY_OFFSET) + ss + _DAY_OFFSET
    key = person * (4 * _DAY_OFFSET) + day + _DAY_OFFSET
    i = np.searchsorted(span_key, key, side="right") - 1  # latest span starting on or before the day
    has = i >= 0
    ic = np.maximum(i, 0)
    same = has & (sp[ic] == person) if len(sp) else np.zeros(len(person), bool)
    covered = same & (day <= se[ic]) if len(sp) else same
    return np.where(covered, COVERED, np.where(same, AFTER_COVERAGE, BEFORE_COVERAGE)).astype(np.int16)


def _reason(u: np.ndarray, rows: np.ndarray) -> np.ndarray:
    w = adjustment_codes().weight[rows]
    cum = np.cumsum(w / w.sum())
    return rows[np.minimum(np.searchsorted(cum, u, side="right"), len(rows) - 1)]


def draw_denials(claim: np.ndarray, line_no: np.ndarray, policy: DenialPolicy,
                 seed: int) -> np.ndarray:
    """Row of adjustment_codes() denying each line (claim-level first), -1 where none."""
    codes = adjustment_codes()
    claim = np.asarray(claim, np.int64)
    line_no = np.asarray(line_no, np.int64)
    out = np.full(len(claim), -1, np.int64)
    claim_hit = hash_uniform(claim, seed, salt=_SALT_CLAIM) < policy.claim_rate
    if claim_hit.any():
        out[claim_hit] = _reason(hash_uniform(claim[claim_hit], seed, salt=_SALT_CLAIM_REASON),
                                 codes.of_use("claim_denial"))
    line_hit = ~claim_hit & (hash_uniform(claim, line_no, seed, salt=_SALT_LINE) < policy.line_rate)
    if line_hit.any():
        out[line_hit] = _reason(hash_uniform(claim[line_hit], line_no[line_hit], seed,
                                             salt=_SALT_LINE_REASON), codes.of_use("line_denial"))
    return out


def eligibility_rows(status: np.ndarray) -> np.ndarray:
    """Row of adjustment_codes() for CARC 26 / 27 lines, -1 for covered ones."""
    codes = adjustment_codes()
    rows = codes.of_use("eligibility")
    by_code = {int(codes.code[r]): r for r in rows}
    return np.select([status == BEFORE_COVERAGE, status == AFTER_COVERAGE],
                     [by_code[BEFORE_COVERAGE], by_code[AFTER_COVERAGE]], -1).astype(np.int64)
