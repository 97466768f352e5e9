"""Condition names in a request -> ICD-10-CM codes.

Three layers, cheapest first:
  1. the shipped synonym table (abbreviations, lay words, adjectives:
     "CHF", "sugar", "diabetic") and a CKD-stage rule ("stage 3 CKD" -> N18.30);
  2. spelling correction of each word against the words of every ICD-10-CM
     description ("hypertention" -> "hypertension", "diabetis" -> "diabetes");
  3. fuzzy search of the whole shipped ICD-10-CM descriptions and inclusion
     terms (`reference.icd10.search`, billable codes only) for anything else, so
     a condition nobody listed ("diabetic gastroparesis", "sarcoidosis") still
     resolves.
A phrase that matches nothing well enough is reported back as unrecognised,
never guessed at.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from healthsim.builders.facts import ConditionFact
from healthsim.builders.vocab import condition_synonyms, filler, phrase_pattern

ACCEPT = 84.0  # search score (0-100) to accept a multi-word phrase as a condition
SINGLE = 95.0  # a single word must name a code almost exactly ("sarcoidosis", not "chronic")
STRONG = 90.0  # a multi-word chunk accepted whole, before trying its parts
MAX_NGRAM = 5
MAX_SEARCHES = 16  # per request: random text cannot make parsing slow

CKD_STAGE = re.compile(
    r"\b(?:ckd|chronic kidney disease|kidney disease|renal disease)[, ]*(?:stage|grade)?\s*"
    r"(1|2|3a|3b|3|4|5|iiia|iiib|iii|ii|iv|v|i)\b"
    r"|\bstage\s*(1|2|3a|3b|3|4|5|iiia|iiib|iii|ii|iv|v|i)\s+(?:ckd|chronic kidney disease|kidney disease)\b")
CKD_CODES = {"1": "N18.1", "2": "N18.2", "3": "N18.30", "3a": "N18.31", "3b": "N18.32", "4": "N18.4",
             "5": "N18.5", "i": "N18.1", "ii": "N18.2", "iii": "N18.30", "iiia": "N18.31",
             "iiib": "N18.32", "iv": "N18.4", "v": "N18.5"}
JOINERS = frozenset({"of", "the"})  # kept inside a phrase ("cancer of the pancreas")
GENERIC = frozenset({"condition", "conditions", "disease", "diseases", "disorder", "disorders",
                     "illness", "illnesses", "chronic", "comorbidities", "comorbid", "issues",
                     "problems", "health", "medical", "history", "severe", "mild", "moderate"})
"""Words that belong inside a condition name but say nothing alone: a chunk of only
these ("chronic conditions") is dropped quietly, not searched or reported."""
ROMAN = frozenset({"i", "ii", "iii", "iv", "v"})
WORD = re.compile(r"[a-z0-9][a-z0-9']*")


def fact_for(code: str, text: str, how: str, score: float | None = None) -> ConditionFact:
    from healthsim.reference.icd10 import lookup

    info = lookup(code)
    return ConditionFact(code=info.code, description=info.description, text=text, how=how,
                         score=score)


@lru_cache(maxsize=1)
def multiword_synonyms() -> re.Pattern[str]:
    return phrase_pattern(p for p in condition_synonyms() if " " in p or "-" in p)


def synonym_code(phrase: str, original: str) -> str | None:
    """The synonym table's code for a phrase; two-letter abbreviations only in capitals."""
    code = condition_synonyms().get(phrase) or condition_synonyms().get(phrase.replace("-", " "))
    if code is None and "'s" in phrase:  # "diabetic's": the word without the possessive
        bare = re.sub(r"'s\b", "", phrase)
        code = condition_synonyms().get(bare) or condition_synonyms().get(bare.replace("-", " "))
    if code and len(phrase) <= 2 and not original.isupper():
        return None
    return code


def ckd_code(match: re.Match[str]) -> str:
    return CKD_CODES[(match.group(1) or match.group(2)).lower()]


# --- spelling --------------------------------------------------------------

@lru_cache(maxsize=1)
def medical_words() -> Counter:
    """Every word of every ICD-10-CM description and synonym, with its frequency."""
    from healthsim.reference.icd10 import table

    counts: Counter = Counter()
    for description in table().description:
        counts.update(set(re.findall(r"[a-z]+", description.lower())))
    for phrase in condition_synonyms():
        counts.update(WORD.findall(phrase))
    return counts


def correct(word: str) -> str:
    """The word, or the nearest medical word within 1-2 edits (the commonest on ties)."""
    words = medical_words()
    if word in words or not word.isalpha() or len(word) < 5 or word in filler():
        return word
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    limit = 1 if len(word) <= 5 else 2
    # OSA: a swap of two letters ("athsma") is one edit, as people make it
    hits = process.extract(word, _word_list(), scorer=OSA.distance, score_cutoff=limit, limit=8)
    hits = [h for h in hits if h[0][0] == word[0] and len(h[0]) >= 4]
    if not hits:
        return word
    best = min(h[1] for h in hits)
    return max((h for h in hits if h[1] == best), key=lambda h: words[h[0]])[0]


@lru_cache(maxsize=1)
def _word_list() -> tuple[str, ...]:
    return tuple(medical_words())


# --- search ------------------------------------------------------------------

_SEARCH_MEMO: dict[str, tuple[str, float] | None] = {}  # phrase -> best billable code (a pure memo)
_MEMO_SIZE = 4096


def _search(phrase: str) -> tuple[str, float] | None:
    from healthsim.reference.icd10 import search

    hits = search(phrase, limit=1, billable_only=True)
    return (hits[0][0].code, hits[0][1]) if hits else None


@dataclass
class Resolver:
    """Resolves word chunks to conditions, with a per-request search budget."""

    searches_left: int = MAX_SEARCHES

    def search(self, phrase: str) -> tuple[str, float] | None:
        """Best billable code for a phrase; searches beyond the budget find nothing."""
        if phrase in _SEARCH_MEMO:
            return _SEARCH_MEMO[phrase]
        if self.searches_left <= 0:
            return None
        self.searches_left -= 1
        hit = _search(phrase)
        if len(_SEARCH_MEMO) < _MEMO_SIZE:
            _SEARCH_MEMO[phrase] = hit
        return hit

    def resolve(self, words: list[str], originals: list[str]) -> list[tuple[int, int, ConditionFact | None]]:
        """(first word, end word, fact) for a chunk; fact None = an unrecognised word."""
        words = [correct(w[:-2] if w.endswith("'s") and w not in condition_synonyms() else w) for w in words]
        if all(w in GENERIC or w in JOINERS or w.isdigit() or w in ROMAN or w == "stage" for w in words):
            return []  # "chronic conditions", a cancer's "stage 4": nothing to code
        whole = " ".join(words)
        text = " ".join(originals)
        code = synonym_code(whole, text)
        if code:
            return [(0, len(words), fact_for(code, text, "synonym"))]
        if len(words) > 1 and self._searchable(words):
            hit = self.search(whole)
            if hit and hit[1] >= STRONG:
                return [(0, len(words), fact_for(hit[0], text, "search", hit[1]))]
        return self._segments(words, originals)

    def _segments(self, words: list[str], originals: list[str]) -> list[tuple[int, int, ConditionFact | None]]:
        out, i = [], 0
        while i < len(words):
            found = self._longest_at(words, originals, i)
            if found is None:
                if words[i] not in GENERIC:
                    out.append((i, i + 1, None))
                i += 1
            else:
                out.append(found)
                i = found[1]
        return out

    def _longest_at(self, words: list[str], originals: list[str], i: int):
        for j in range(min(len(words), i + MAX_NGRAM), i, -1):
            part, text = words[i:j], " ".join(originals[i:j])
            if part[0] in JOINERS or part[-1] in JOINERS:
                continue
            code = synonym_code(" ".join(part), text)
            if code:
                return (i, j, fact_for(code, text, "synonym"))
        for j in range(min(len(words), i + MAX_NGRAM), i, -1):
            part, text = words[i:j], " ".join(originals[i:j])
            if part[0] in JOINERS or part[-1] in JOINERS or not self._searchable(part) or (
                    j - i == 1 and part[0] in GENERIC):
                continue
            hit = self.search(" ".join(part))
            if hit and hit[1] >= (SINGLE if j - i == 1 else ACCEPT):
                return (i, j, fact_for(hit[0], text, "search", hit[1]))
        return None

    @staticmethod
    def _searchable(words: list[str]) -> bool:
        """Only phrases made of medical words are worth a search."""
        vocab = medical_words()
        return all(w in vocab or w in JOINERS or w.isdigit() for w in words) and any(
            len(w) >= 3 and w.isalpha() for w in words)

