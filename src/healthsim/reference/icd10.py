"""ICD-10-CM (CMS FY2026): look codes up, normalise them, suggest near misses, search text.

One cached table of every category and subcategory (98,225 codes, 74,724 billable),
read from `data/icd10cm_codes.tsv.gz` in about a tenth of a second. Codes are
canonical with their dot ('E11.9'); every function accepts them with or without
the dot and in any case. `descriptions` maps a whole column of codes at once (the
engine's path); `lookup`, `normalize` and `suggest` serve spec checks and error
messages; `search` (fuzzy text -> codes) lives in `_icd10_search` and is
re-exported here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa

from healthsim.errors import NotFoundError
from healthsim.reference._files import code_column, frozen, read_table, text_column

LOOKS_LIKE_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z]{1,6}$")  # undotted, allowing one extra char


@dataclass(frozen=True)
class CodeInfo:
    """One ICD-10-CM code: canonical code (with dot), description, billable (a leaf)."""

    code: str
    description: str
    billable: bool


@dataclass(frozen=True)
class Icd10Table:
    """Every code as read-only numpy columns, in Tabular List order."""

    code: np.ndarray         # 'U8', with dot
    description: np.ndarray  # object (str)
    billable: np.ndarray     # bool

    def __len__(self) -> int:
        return len(self.code)

    def info(self, row: int) -> CodeInfo:
        return CodeInfo(str(self.code[row]), self.description[row], bool(self.billable[row]))


@lru_cache(maxsize=1)
def table() -> Icd10Table:
    """The code table (loaded once)."""
    types = {"code": pa.string(), "description": pa.string(), "billable": pa.int8()}
    t = read_table("icd10cm_codes.tsv.gz", types, delimiter="\t")
    billable = frozen(t.column("billable").to_numpy().astype(bool))
    return Icd10Table(code_column(t, "code", 8), text_column(t, "description"), billable)


@lru_cache(maxsize=1)
def _rows_by_key() -> dict[str, int]:
    """Undotted upper-case code -> row."""
    return {c.replace(".", ""): i for i, c in enumerate(table().code.tolist())}


@lru_cache(maxsize=1)
def _sorted_codes() -> tuple[np.ndarray, np.ndarray]:
    """(dotted codes sorted, their rows) for vectorised searchsorted lookups."""
    order = np.argsort(table().code, kind="stable")
    return frozen(table().code[order]), frozen(order)


def key(code: str) -> str:
    """A code reduced to its lookup key: upper case, no dot, no spaces ('e11.9 ' -> 'E119')."""
    return re.sub(r"[\s.]", "", str(code)).upper()


def dotted(code_key: str) -> str:
    """Undotted key -> canonical form ('E119' -> 'E11.9'; 'I10' stays)."""
    return code_key if len(code_key) <= 3 else f"{code_key[:3]}.{code_key[3:]}"


def lookup(code: str) -> CodeInfo | None:
    """The code's info, or None when it is not an ICD-10-CM code (accepts 'E119', 'e11.9')."""
    row = _rows_by_key().get(key(code))
    return None if row is None else table().info(row)


def normalize(code: str) -> str:
    """The canonical code with its dot, or NotFoundError naming the nearest codes."""
    info = lookup(code)
    if info is None:
        raise NotFoundError(_unknown_message(code))
    return info.code


def _unknown_message(code: str) -> str:
    near = suggest(code, limit=3)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    return f"unknown ICD-10-CM code {code!r}{hint}"


def suggest(code_or_text: str, limit: int = 3) -> list[str]:
    """Near-miss codes for an error message: 'E11.99X' -> E11.9, 'E119' -> E11.9, 'I1O' -> I10.

    A code-shaped input is tried as is, then cut back to its longest valid prefix,
    and matched by edit distance (up to 2) against every code; candidates are ranked
    by closeness, billable codes first on ties (so 'N18.3O' offers N18.30 before the
    category N18.3). Anything else is treated as a description and searched for.
    """
    k = key(code_or_text)
    if not k:
        return []
    if not LOOKS_LIKE_CODE.match(k):
        return [info.code for info, _ in search(str(code_or_text), limit=limit)]
    rows, billable = _rows_by_key(), table().billable
    ranked: list[tuple[float, int, str]] = []  # (closeness, tie order, code)
    for n in range(len(k), 2, -1):  # the exact code, else the longest valid prefix
        if k[:n] in rows:
            closeness = 0.0 if n == len(k) else (0.5 if billable[rows[k[:n]]] else 1.5)
            ranked.append((closeness, 0, dotted(k[:n])))
            break
    for i, (near, distance) in enumerate(_by_edit_distance(k, limit)):
        ranked.append((distance + (0.0 if billable[rows[near]] else 0.5), i + 1, dotted(near)))
    return list(dict.fromkeys(code for *_, code in sorted(ranked)))[:limit]


def _by_edit_distance(k: str, limit: int) -> list[tuple[str, int]]:
    """(key, distance) of codes within edit distance 2, nearest and billable first."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    rows, billable = _rows_by_key(), table().billable
    hits = process.extract(k, list(rows), scorer=Levenshtein.distance, score_cutoff=2,
                           limit=max(50, limit * 10))
    hits.sort(key=lambda h: (h[1], not billable[rows[h[0]]], abs(len(h[0]) - len(k)), h[0]))
    return [(h[0], int(h[1])) for h in hits[:limit * 3]]


def descriptions(codes: np.ndarray) -> np.ndarray:
    """Descriptions for a column of codes (object array); NotFoundError lists unknown codes.

    Canonical dotted codes take a vectorised searchsorted path; only codes not in
    canonical form are normalised one by one (each distinct value once).
    """
    codes = np.asarray(codes)
    rows = _rows_for(codes)
    return table().description[rows]


def _rows_for(codes: np.ndarray) -> np.ndarray:
    sorted_codes, order = _sorted_codes()
    values = codes.astype(str)
    pos = np.clip(np.searchsorted(sorted_codes, values), 0, len(sorted_codes) - 1)
    hit = sorted_codes[pos] == values
    rows = order[pos]
    if not hit.all():
        misses, inverse = np.unique(values[~hit], return_inverse=True)
        by_key = _rows_by_key()
        found = np.array([by_key.get(key(m), -1) for m in misses], dtype=np.int64)
        if (found < 0).any():
            bad = misses[found < 0]
            raise NotFoundError(f"{len(bad)} unknown ICD-10-CM code(s): "
                                + "; ".join(_unknown_message(str(b)) for b in bad[:5]))
        rows = rows.copy()
        rows[~hit] = found[inverse]
    return rows


from healthsim.reference._icd10_search import search

__all__ = ["CodeInfo", "Icd10Table", "descriptions", "dotted", "key", "lookup", "normalize",
           "search", "suggest", "table"]
