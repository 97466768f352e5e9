"""Misspelt request words ('Medicade', 'childern', 'comercial') -> the word meant, before parsing.

Condition names have their own correction (against every ICD-10-CM word, in
`conditions.correct`); this pass covers the words that say who the members are:
coverage, age groups and people nouns. A word is corrected only when it is not a
word the parser or ICD-10-CM already knows, starts with the same letter as the
keyword, is within one edit (two for words of 7+ letters; a swap of two letters is
one) of exactly one keyword, and so the correction is never a guess between two
keywords ('Medicade' is as close to Medicare as to Medicaid, so it is read only
through the `misspellings` table, where it is Medicaid). Each correction is noted.
"""

from __future__ import annotations

import re
from functools import lru_cache

from healthsim.builders.vocab import filler, vocab

WORD = re.compile(r"(?<![\w'-])([A-Za-z]{5,})(?![\w'-])")


@lru_cache(maxsize=1)
def keywords() -> tuple[str, ...]:
    """Single words of the coverage, age-group and people vocabularies (5+ letters)."""
    v = vocab()
    words: set[str] = set()
    for phrases in v["coverage"].values():  # and the long words of phrases ('advantage' of 'medicare advantage')
        words |= {p for p in phrases if " " not in p and "-" not in p}
        words |= {w for p in phrases for w in re.findall(r"[a-z]+", str(p).lower()) if len(w) >= 8}
    for entry in v["age_groups"].values():
        words |= {p for p in entry["words"] if " " not in p and "-" not in p}
    words |= set(v["people_plural"]) | set(v["people_singular"])
    return tuple(sorted(w for w in words if len(w) >= 5 and w.isalpha()))


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    from healthsim.builders.conditions import medical_words
    from healthsim.builders.extract_places import state_names

    v = vocab()
    known = set(medical_words()) | set(filler()) | set(keywords())
    for section in ("coverage", "formats", "journeys"):
        for phrases in v[section].values():
            for p in phrases:
                known |= set(re.findall(r"[a-z]+", str(p).lower()))
    for name in state_names():
        known |= set(name.split())
    return frozenset(known)


def respell(text: str) -> tuple[str, list[str]]:
    """The text with misspelt keywords corrected, and a note per correction."""
    table = {str(k).lower(): str(v) for k, v in (vocab().get("misspellings") or {}).items()}
    notes: list[str] = []

    def fix(m: re.Match[str]) -> str:
        word = m.group(1)
        low = word.lower()
        meant = table.get(low) or _nearest(low)
        if meant is None or meant == low:
            return word
        notes.append(f"{word!r} read as {meant!r}")
        return meant.capitalize() if word[0].isupper() else meant

    return WORD.sub(fix, text), notes


def _nearest(word: str) -> str | None:
    if word in _known():
        return None
    from rapidfuzz.distance import OSA

    limit = 1 if len(word) <= 6 else 2
    close = [k for k in keywords() if k[0] == word[0] and abs(len(k) - len(word)) <= limit
             and OSA.distance(word, k, score_cutoff=limit) <= limit]
    return close[0] if len(close) == 1 else None
