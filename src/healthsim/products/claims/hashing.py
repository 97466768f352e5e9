"""Deterministic per-key random numbers (no generator state).

A provider's chargemaster markup or negotiated rate must be the same on every
claim it sends, in whichever block the claim is made, so these draws come from
a hash of (seed, salt, keys) rather than from a block's random stream. The
mixer is SplitMix64 (Steele, Lea & Flood 2014), applied to whole uint64 columns.
"""

from __future__ import annotations

import zlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x + _GOLDEN
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def _hash(keys: tuple[np.ndarray | int, ...], salt: int) -> np.ndarray:
    n = max((np.size(k) for k in keys), default=1)
    h = _mix(np.full(n, np.uint64(salt & 0xFFFFFFFFFFFFFFFF)))
    for k in keys:
        h = _mix(h ^ np.broadcast_to(np.asarray(k).astype(np.int64).view(np.uint64), (n,)))
    return h


def hash_uniform(*keys: np.ndarray | int, salt: int) -> np.ndarray:
    """U[0, 1) per row, a pure function of (salt, keys...)."""
    return (_hash(keys, salt) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def hash_normal(*keys: np.ndarray | int, salt: int) -> np.ndarray:
    """Standard normal per row (Box-Muller over two hashed uniforms)."""
    u1 = hash_uniform(*keys, salt=salt * 2 + 1)
    u2 = hash_uniform(*keys, salt=salt * 2 + 2)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


def text_keys(values: np.ndarray) -> np.ndarray:
    """A stable int64 key per string (CRC-32), computed once per distinct value."""
    uniq, inverse = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
    return np.array([zlib.crc32(u.encode()) for u in uniq], dtype=np.int64)[inverse]
