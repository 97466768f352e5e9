"""Codes and medications written in a request: ICD-10-CM, LOINC, RxNorm, drug names.

"40 patients with J44.9 and I50.9", "E1122" (no dot), "ICD-10 E11.65": a
code-shaped word is looked up in the shipped ICD-10-CM and, if it is one,
becomes a condition exactly as written (a category such as "E11" becomes the
condition library's default code for it, or the category's first billable
code). LOINC codes ("4548-4") and RxNorm concept ids ("RxCUI 860975") are
checked against the shipped subsets; an RxNorm drug, or a drug named after
"on" / "taking" ("patients on metformin"), implies the condition it treats
(`medications` in request_vocab.yaml). Codes are taken before counts and
ages, so "E11.9" never becomes nine members.
"""

from __future__ import annotations

import re
from functools import lru_cache

from healthsim.builders.facts import ConditionFact
from healthsim.builders.text import RequestText
from healthsim.builders.vocab import vocab

ICD = re.compile(r"(?<![\w.-])([A-TV-Z][0-9][0-9AB](?:\.?[0-9A-TV-Z]{1,4})?)(?![\w-]|\.\d)", re.IGNORECASE)
LOINC = re.compile(r"(?<![\w.-])(?:loinc\s*:?\s*)?(\d{1,5}-\d)(?![\w-])", re.IGNORECASE)
RXNORM = re.compile(r"\b(?:rxnorm|rxcui|rx\s*cui)\s*(?:code|id)?\s*:?\s*#?\s*(\d{2,8})\b", re.IGNORECASE)
CODE_WORDS = re.compile(r"\b(?:icd-?10(?:-?cm)?|icd)\s+(?:codes?)?\s*:?|\b(?:dx|diagnosis)(?:\s+codes?\s*:?|\s*:)"
                        r"|\b(?:codes?|coded)\b(?:\s+(?:as|with))?\s*:?")  # 'diagnosis' alone is a word, not a cue


def _is_code_shaped(text: str) -> bool:
    """'E11.9', 'I10', 'E1122' — but not words like 'a1c' (which the pattern excludes by shape)."""
    return bool(re.search(r"\d", text[1:])) and text[0].isalpha()


def take_codes(rt: RequestText) -> tuple[list[tuple[int, int, ConditionFact]], list[str]]:
    """ICD-10-CM conditions written as codes, and notes for LOINC/RxNorm codes seen."""
    from healthsim.builders.conditions import fact_for
    from healthsim.reference.icd10 import lookup

    found, notes = [], []
    for m in list(rt.matches(ICD, allow_protected=True)):
        raw = rt.original_span(*m.span(1))
        if not _is_code_shaped(raw) or (not raw[0].isupper() and not _lower_code_ok(rt, m.start())):
            continue
        code = _billable(raw)
        if code is None or lookup(code) is None:
            continue
        rt.take(m.start(), m.end(), "condition")
        found.append((m.start(), m.end(), fact_for(code, raw, "code")))
    for m in list(rt.matches(LOINC, allow_protected=True)):
        obs = _loinc().get(m.group(1))
        if obs:
            rt.take(m.start(), m.end(), "code")
            notes.append(f"LOINC {m.group(1)} ({obs}): lab results come from journeys' lab orders")
    for m in list(rt.matches(RXNORM, allow_protected=True)):
        drug = _rxnorm().get(m.group(1))
        if drug is None:
            continue
        rt.take(m.start(), m.end(), "medication")
        code = _condition_for_drug(drug[1])
        if code:
            found.append((m.start(), m.end(), fact_for(code, f"RxNorm {m.group(1)} ({drug[0]})", "medication")))
        else:
            notes.append(f"RxNorm {m.group(1)} ({drug[0]}): medications come from journeys")
    for m in list(rt.matches(CODE_WORDS)):
        rt.take(m.start(), m.end(), "code")
    return found, notes


def _lower_code_ok(rt: RequestText, start: int) -> bool:
    """A lower-case code ('e11.9') counts only after a code cue or in a list of codes."""
    before = rt.low[max(0, start - 24):start]
    return bool(re.search(r"(?:icd-?10(?:-cm)?|icd|dx|codes?|coded|conditions?|diagnos[ie]s|,|and|with|"
                          r"plus)\s*:?\s*$", before))


def _billable(raw: str) -> str | None:
    """The code as given if billable; a category -> its condition-library default or first leaf."""
    from healthsim.reference.icd10 import lookup, table

    info = lookup(raw)
    if info is None:
        return None
    if info.billable:
        return info.code
    default = _library_default(info.code)
    if default:
        return default
    codes = table().code
    prefix = info.code
    for i in range(len(codes)):  # first billable code under the category (Tabular order)
        c = str(codes[i])
        if c.startswith(prefix) and bool(table().billable[i]):
            return c
    return None


def _library_default(code: str) -> str | None:
    from healthsim.conditions.library import library

    lib = library()
    fid = lib.family_of(code)
    if fid is None:
        return None
    default = lib.families[fid].codes.default
    return default if default.startswith(code) else None


@lru_cache(maxsize=1)
def _loinc() -> dict[str, str]:
    from healthsim.reference.clinical import lab_panels, observables

    out = {o.loinc: o.display for o in observables().values()}
    out.update({p.loinc: p.display for p in lab_panels().values()})
    return out


@lru_cache(maxsize=1)
def _rxnorm() -> dict[str, tuple[str, str]]:
    from healthsim.reference.clinical import drugs

    return {d.rxcui: (d.name, d.ingredient) for d in drugs().values()}


@lru_cache(maxsize=1)
def _drug_words() -> dict[str, str]:
    return {str(w).lower(): str(code) for code, words in vocab()["medications"].items() for w in words}


def _condition_for_drug(ingredient: str) -> str | None:
    words = _drug_words()
    for part in re.split(r"\s*/\s*|\s+", ingredient.lower()):
        if part in words:
            return words[part]
    return words.get(ingredient.lower())


def take_medications(rt: RequestText) -> list[tuple[int, int, ConditionFact]]:
    """'on metformin', 'taking blood thinners': the condition the drug treats, for everyone."""
    from healthsim.builders.conditions import fact_for

    words = _drug_words()
    cues = "|".join(re.escape(c) for c in sorted(vocab()["medication_cues"], key=len, reverse=True))
    drugs = "|".join(re.escape(w).replace(r"\ ", r"[ -]").replace(r"\-", r"[ -]")
                     for w in sorted(words, key=len, reverse=True))
    regex = re.compile(rf"\b(?:{cues})\s+(?:an?\s+|the\s+)?({drugs})(?![\w'])")
    out = []
    for m in list(rt.matches(regex, allow_protected=True)):
        word = m.group(1).lower()
        code = words.get(word) or words.get(word.replace("-", " "))
        if code is None:
            continue
        rt.take(m.start(), m.end(), "medication")
        out.append((m.start(1), m.end(1), fact_for(code, f"on {m.group(1)}", "medication")))
    noted = "|".join(re.escape(w) for w in sorted(vocab().get("medications_noted", []), key=len, reverse=True))
    if noted:
        for m in list(rt.matches(re.compile(rf"\b(?:(?:{cues})\s+)?(?:{noted})\b"), allow_protected=True)):
            rt.take(m.start(), m.end(), "medication")
    return out
