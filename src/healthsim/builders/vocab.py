"""The request language's word lists (data/*.yaml), loaded once and compiled to regexes.

Everything a request may say lives in `request_vocab.yaml` and
`condition_synonyms.yaml`; this module only reads them and turns each phrase
list into one whole-word regex, longest phrase first, so extractors stay
small and a new phrase needs no code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources

import yaml


@cache
def _load(name: str) -> dict:
    text = resources.files("healthsim.builders").joinpath("data", name).read_text("utf-8")
    return yaml.safe_load(text)


def vocab() -> dict:
    """request_vocab.yaml as a dict (shared, do not mutate)."""
    return _load("request_vocab.yaml")


@lru_cache(maxsize=1)
def condition_synonyms() -> dict[str, str]:
    """Phrase (lower case) -> ICD-10-CM code."""
    out: dict[str, str] = {}
    for code, phrases in _load("condition_synonyms.yaml").items():
        for phrase in phrases:
            out[str(phrase).lower()] = str(code)
    return out


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """One regex matching any phrase as whole words (spaces and hyphens interchangeable)."""
    parts = sorted({str(p).lower() for p in phrases}, key=len, reverse=True)
    # a possessive 's after any word is read as the word ("a diabetic's first year")
    alts = [re.escape(p).replace(r"\ ", r"(?:'s)?[ -]").replace(r"\-", r"(?:'s)?[ -]") for p in parts]
    return re.compile(r"(?<![\w'])(?:" + "|".join(alts) + r")(?:'s)?(?![\w'])")


@cache
def pattern(key: str) -> re.Pattern[str]:
    """Whole-word regex for a flat phrase list in request_vocab.yaml (e.g. 'claims')."""
    return phrase_pattern(vocab()[key])


@cache
def grouped(key: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """For a {label: [phrases]} section: one regex and phrase -> label."""
    by_phrase: dict[str, str] = {}
    for label, entry in vocab()[key].items():
        words = entry["words"] if isinstance(entry, dict) else entry
        for phrase in words:
            by_phrase[str(phrase).lower()] = str(label)
    return phrase_pattern(by_phrase), by_phrase


def label_of(key: str, matched: str) -> str:
    """The label of a phrase matched by `grouped(key)` (hyphens and spaces equivalent)."""
    return lookup_phrase(grouped(key)[1], matched)


def lookup_phrase(mapping: dict[str, str], matched: str) -> str:
    """mapping[matched], treating hyphens and spaces as the same (as phrase_pattern does)."""
    text = matched.lower()
    if text in mapping:
        return mapping[text]
    if re.sub(r"'s\b", "", text) != text:
        try:
            return lookup_phrase(mapping, re.sub(r"'s\b", "", text))
        except KeyError:
            pass
    flat = text.replace("-", " ")
    for phrase, value in mapping.items():
        if phrase.replace("-", " ") == flat:
            return value
    raise KeyError(matched)


@lru_cache(maxsize=1)
def filler() -> frozenset[str]:
    return frozenset(str(w).lower() for w in vocab()["filler"])


@lru_cache(maxsize=1)
def people_nouns() -> tuple[frozenset[str], frozenset[str]]:
    v = vocab()
    return frozenset(v["people_plural"]), frozenset(v["people_singular"])
