"""A simplified MS-DRG assignment for inpatient stays (not the CMS grouper).

Rules live in reference/data/drg_rules.csv: surgical rules match an ICD-10-PCS
prefix among the stay's procedures, medical rules the principal diagnosis.
The severity column (with MCC, with CC, without) comes from the stay's
secondary diagnoses and cc_mcc.csv. Every step is a prefix test over whole
columns (one pass per rule, a few dozen rules), so a block's stays are
grouped at once. Unmatched stays group to DRG 951, which the fallback row of
ms_drg.csv prices modestly, so a journey with an unusual principal diagnosis
still gets a plausible institutional claim.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from healthsim.reference._files import read_commented_csv

FALLBACK_DRG = "951"
NONE, CC, MCC = 0, 1, 2


@cache
def _rules() -> list[dict[str, str]]:
    return read_commented_csv("drg_rules.csv")


@cache
def _levels() -> list[tuple[str, int]]:
    rows = read_commented_csv("cc_mcc.csv")
    return sorted(((r["prefix"], MCC if r["level"] == "mcc" else CC) for r in rows),
                  key=lambda x: -len(x[0]))


def _nodot(codes: np.ndarray) -> np.ndarray:
    text = np.asarray(codes, dtype=object).astype(str)
    return np.char.replace(text, ".", "") if len(text) else text


def severity(stay: np.ndarray, dx_stay: np.ndarray, dx_code: np.ndarray, dx_rank: np.ndarray) -> np.ndarray:
    """NONE / CC / MCC per stay from its secondary diagnoses (rank > 1)."""
    secondary = dx_rank > 1
    codes = _nodot(dx_code[secondary])
    level = np.zeros(len(codes), np.int8)
    done = np.zeros(len(codes), bool)
    for prefix, value in _levels():
        hit = ~done & np.char.startswith(codes, prefix)
        level[hit], done = value, done | hit
    out = np.zeros(len(stay), np.int8)
    pos = np.searchsorted(stay, dx_stay[secondary])
    ok = (pos < len(stay)) & (stay[np.minimum(pos, len(stay) - 1)] == dx_stay[secondary])
    np.maximum.at(out, pos[ok], level[ok])
    return out


def assign_drgs(stay: np.ndarray, dx_stay: np.ndarray, dx_code: np.ndarray, dx_rank: np.ndarray,
                pcs_stay: np.ndarray, pcs_code: np.ndarray) -> np.ndarray:
    """3-digit MS-DRG per stay. `stay` are sorted encounter ids; the dx_* and pcs_* columns
    are the stays' diagnoses (with rank) and ICD-10-PCS procedures."""
    stay = np.asarray(stay, np.int64)
    principal = np.full(len(stay), "", dtype=object)
    first = dx_rank == 1
    pos = np.searchsorted(stay, dx_stay[first])
    ok = (pos < len(stay)) & (stay[np.minimum(pos, len(stay) - 1)] == dx_stay[first])
    principal[pos[ok]] = _nodot(dx_code[first])[ok]
    principal = principal.astype(str)
    pcs = _nodot(pcs_code)
    sev = severity(stay, dx_stay, dx_code, dx_rank)
    out = np.full(len(stay), FALLBACK_DRG, dtype=object)
    done = np.zeros(len(stay), bool)
    for rule in _rules():
        if rule["kind"] == "pcs":
            hit_stays = np.unique(pcs_stay[np.char.startswith(pcs, rule["prefix"])])
            hit = np.isin(stay, hit_stays)
        else:
            hit = np.char.startswith(principal, rule["prefix"])
        hit &= ~done
        if hit.any():
            choice = np.array([rule["drg_none"], rule["drg_cc"], rule["drg_mcc"]], dtype=object)
            out[hit] = choice[sev[hit]]
            done |= hit
    return out
