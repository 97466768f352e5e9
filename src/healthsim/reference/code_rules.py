"""Which sex and ages an ICD-10-CM code is valid for, and a default age at onset.

The rules are data (`data/code_rules.csv`, hand-authored, approximating the CMS
Medicare Code Editor sex and age edits; see its header and docs/reference-data.md).
A row covers a range of code prefixes; the most specific matching row wins (the
longest prefix, then a single prefix over a range, then the later row). A code no
row covers gets `DEFAULT_RULE`: either sex, ages 0-124, onset from birth.
`rule_for` answers one code (cached); `rules_for` answers a column of codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from healthsim.reference._files import read_commented_csv

MAX_AGE = 124  # the MCE's upper age bound


@dataclass(frozen=True)
class CodeRule:
    """Validity of one code: sex ('F', 'M' or None for either) and ages in whole years."""

    sex: Literal["F", "M"] | None
    min_age: int
    max_age: int
    onset_min_age: int
    basis: str = ""

    def allows(self, sex: str, age: float) -> bool:
        """True when a person of this sex and age may carry the code."""
        return (self.sex is None or self.sex == sex) and self.min_age <= age <= self.max_age


DEFAULT_RULE = CodeRule(None, 0, MAX_AGE, 0, "no rule: either sex, any age")


@dataclass(frozen=True)
class CodeRuleColumns:
    """`rules_for` output: one entry per input code; sex '' means either."""

    sex: np.ndarray
    min_age: np.ndarray
    max_age: np.ndarray
    onset_min_age: np.ndarray


def _key(code: str) -> str:
    return code.strip().upper().replace(".", "")


def _row_rule(row: dict[str, str]) -> CodeRule:
    return CodeRule(row["sex"] or None, int(row["min_age"]), int(row["max_age"]),
                    int(row["onset_min_age"]), row["basis"])


@lru_cache(maxsize=1)
def rules() -> tuple[tuple[str, str, CodeRule], ...]:
    """(prefix_from, prefix_to, rule) rows, most specific first."""
    rows = read_commented_csv("code_rules.csv")
    ranked = sorted(
        enumerate(rows),
        key=lambda ir: (len(_key(ir[1]["code_from"])),
                        ir[1]["code_from"] == ir[1]["code_to"], ir[0]),
        reverse=True,
    )
    return tuple((_key(r["code_from"]), _key(r["code_to"]), _row_rule(r)) for _, r in ranked)


@lru_cache(maxsize=65536)
def rule_for(code: str) -> CodeRule:
    """The rule for an ICD-10-CM code, with or without its dot ('C61', 'n40.0')."""
    key = _key(code)
    for lo, hi, rule in rules():
        prefix = key[: len(lo)]
        if len(prefix) == len(lo) and lo <= prefix <= hi:
            return rule
    return DEFAULT_RULE


def rules_for(codes: np.ndarray) -> CodeRuleColumns:
    """Vectorised `rule_for`: the rule fields for every code in an array."""
    unique, inverse = np.unique(np.asarray(codes, dtype=str), return_inverse=True)
    found = [rule_for(c) for c in unique]
    return CodeRuleColumns(
        sex=np.array([r.sex or "" for r in found], dtype="U1")[inverse],
        min_age=np.array([r.min_age for r in found], dtype=np.int16)[inverse],
        max_age=np.array([r.max_age for r in found], dtype=np.int16)[inverse],
        onset_min_age=np.array([r.onset_min_age for r in found], dtype=np.int16)[inverse],
    )
