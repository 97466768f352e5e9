"""Social Security numbers that are unique in a cohort and can never be real.

Why this shape:
- Never issued: the SSA has never issued area numbers 900-999 as SSNs. But the
  IRS issues Individual Taxpayer Identification Numbers in that area with group
  numbers 50-65, 70-88, 90-92 and 94-99 (IRS, "ITIN ranges", 2011 expansion), so
  those groups would look like real ITINs. Only the groups the IRS does not use
  remain: 01-49, 66-69, 89 and 93 (55 groups). Serial 0000 is never valid.
  That leaves 100 areas x 55 groups x 9,999 serials = 54,994,500 numbers, more
  than the largest cohort a spec allows (50,000,000).
- Unique: drawing numbers at random per block repeats some (birthday problem:
  about one in 20,000 members). Instead each member's number is a keyed
  permutation of their person_id over that space, so two members never share
  one, and a member's number depends only on (seed, person_id) — the same
  whatever the blocks, workers or machines.
- The permutation is a 4-round Feistel network on 26 bits with cycle walking
  (re-apply until the value falls inside the space), vectorised with numpy.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from healthsim.engine.columns import digits, join
from healthsim.engine.seeds import Stream, block_rng

GROUPS = np.array([*range(1, 50), *range(66, 70), 89, 93], dtype=np.int64)  # not ITIN groups
SERIALS = 9_999
AREAS = 100  # 900-999
SPACE = AREAS * len(GROUPS) * SERIALS  # 54,994,500
_HALF_BITS = 13
_MASK = (1 << _HALF_BITS) - 1
_ROUNDS = 4
_KEY_BLOCK = 0  # the keys are the cohort's, not a block's: one fixed (seed, block, stream)


def _keys(seed: int) -> np.ndarray:
    return block_rng(seed, _KEY_BLOCK, Stream.SSN).integers(0, 1 << 32, _ROUNDS, dtype=np.uint64)


def _feistel(x: np.ndarray, keys: np.ndarray) -> np.ndarray:
    left, right = x >> _HALF_BITS, x & _MASK
    for k in keys:
        mixed = ((right ^ k) * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF)
        f = (mixed >> np.uint64(11)) & np.uint64(_MASK)
        left, right = right, left ^ f
    return (left << np.uint64(_HALF_BITS)) | right


def permute(index: np.ndarray, seed: int) -> np.ndarray:
    """A bijection of [0, SPACE) keyed by `seed`, applied to `index` (cycle walking)."""
    keys = _keys(seed)
    x = _feistel(index.astype(np.uint64), keys)
    outside = x >= SPACE
    while outside.any():  # each pass maps the stragglers again; about 1 in 5 need a second
        x[outside] = _feistel(x[outside], keys)
        outside = x >= SPACE
    return x.astype(np.int64)


def ssn_column(person_id: np.ndarray, seed: int) -> pa.Array:
    """'9AA-GG-SSSS' for each person_id (1-based), unique within the cohort."""
    index = np.asarray(person_id, dtype=np.int64) - 1
    if len(index) and (index.min() < 0 or index.max() >= SPACE):
        raise ValueError(f"person ids must lie in 1..{SPACE:,} for unique SSNs")
    y = permute(index, seed)
    per_area = len(GROUPS) * SERIALS
    area, rest = np.divmod(y, per_area)
    group, serial = np.divmod(rest, SERIALS)
    return join("9", digits(area, 2), "-", digits(GROUPS[group], 2), "-", digits(serial + 1, 4))
