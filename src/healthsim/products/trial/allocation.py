"""Randomisation: permuted blocks within strata, in the order subjects are randomised.

Each stratum (the combination of the protocol's factors) has its own list of blocks; a block
holds every arm code `ratio x (block size / ratio sum)` times in a random order, so after any
complete block the arms are exactly in the planned ratio and never more than one block apart.
"""

from __future__ import annotations

import numpy as np

from healthsim.spec.trial import ProtocolSpec


def strata(protocol: ProtocolSpec, sex: np.ndarray, age: np.ndarray, hba1c: np.ndarray,
           site_state: np.ndarray) -> np.ndarray:
    parts = []
    for f in protocol.randomisation.strata:
        if f == "sex":
            parts.append(np.where(sex == "F", "F", "M"))
        elif f == "age_65":
            parts.append(np.where(age >= 65, "AGE>=65", "AGE<65"))
        elif f == "hba1c_8_5":
            parts.append(np.where(np.nan_to_num(hba1c) >= 8.5, "A1C>=8.5", "A1C<8.5"))
        elif f == "region":
            parts.append(site_state.astype(str))
    if not parts:
        return np.full(sex.size, "ALL", dtype=object)
    out = parts[0].astype(object)
    for p in parts[1:]:
        out = out + "|" + p.astype(object)
    return out


def allocate(protocol: ProtocolSpec, stratum: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(arm index, block number) for subjects in randomisation order."""
    size = protocol.block_size()
    base = np.repeat(np.arange(len(protocol.arms)), [a.ratio for a in protocol.arms])
    base = np.tile(base, size // base.size)
    arm = np.empty(stratum.size, dtype=np.int64)
    block = np.empty(stratum.size, dtype=np.int64)
    for s in sorted(set(stratum.tolist())):  # a loop over strata (a handful), not subjects
        idx = np.flatnonzero(stratum == s)
        n_blocks = -(-idx.size // size)
        blocks = rng.permuted(np.tile(base, (n_blocks, 1)), axis=1).ravel()
        arm[idx] = blocks[: idx.size]
        block[idx] = np.arange(idx.size) // size + 1
    return arm, block
