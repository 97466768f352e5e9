"""Clinical facts the exports need that no canonical table holds yet: immunizations
and allergies, derived per person from shipped schedules and prevalence tables.

They are derived, not generated: a keyed hash of (cohort, person, item) decides
who has what, so every format (FHIR, C-CDA) and every export of the same cohort
agree, whatever the block size. When the member state produces immunizations
and allergies as tables, the exporters should read those instead.
"""

from __future__ import annotations

import hashlib


def unit(key: bytes, *parts) -> float:
    """A uniform [0, 1) number for (key, parts), stable across runs and platforms."""
    text = "|".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, key=key[:64], digest_size=8).digest(), "big") / 2**64
