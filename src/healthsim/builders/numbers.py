"""Numbers as people write them in requests: "200", "1,000", "2k", "3 million", "seventy-five".

`NUMBER` is one regex for every form (digits with separators and an optional
scale, or a run of number words), and `number_value` turns a match into an int
or float. Kept apart from the extractors so counts, ages and percentages all
read numbers the same way.
"""

from __future__ import annotations

import re

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
SPECIAL = {"dozen": 12, "couple": 2, "half-dozen": 6}
SUFFIX_SCALE = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "mm": 1_000_000,
                "mil": 1_000_000, "million": 1_000_000, "hundred": 100, "b": 1_000_000_000,
                "bn": 1_000_000_000, "billion": 1_000_000_000}

_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
_SCALE = "|".join(SCALES)
_WORD = rf"(?:{_UNIT}|{_SCALE}|dozen)"
# "a thousand", "two hundred and fifty", "seventy-five", "a dozen"; never a lone "a".
WORDS = (rf"(?:(?:a|an)[ -](?:{_SCALE}|dozen|couple(?: of)?)|{_WORD})"
         rf"(?:(?:[ -]|[ ]and[ ])(?:{_WORD}))*")
DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SUFFIX = r"(?:\s?(?:k|mm|m|mil|bn|b)\b|\s(?:thousand|million|hundred|billion)\b)"
NUMBER = re.compile(rf"\b(?:(?P<digits>{DIGITS})(?P<suffix>{_SUFFIX})?|(?P<words>{WORDS}))\b")


def words_value(text: str) -> int | None:
    """'two hundred and fifty' -> 250, 'a thousand' -> 1000, 'seventy-five' -> 75."""
    total, current, seen = 0, 0, False
    for word in re.split(r"[ -]+", text.lower()):
        if word in ("a", "an"):
            current = max(current, 1)
        elif word in ("and", "of"):
            continue
        elif word in UNITS:
            current += UNITS[word]
            seen = True
        elif word in SPECIAL:
            current = max(current, 1) * SPECIAL[word]
            seen = True
        elif word in SCALES:
            scale = SCALES[word]
            seen = True
            if scale == 100:
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * scale
                current = 0
        else:
            return None
    return total + current if seen else None


def number_value(m: re.Match[str]) -> float | None:
    """The value of a NUMBER match (None when it is not a number after all)."""
    if m.group("words"):
        return words_value(m.group("words"))
    try:
        value = float(m.group("digits").replace(",", ""))
    except ValueError:
        return None
    suffix = (m.group("suffix") or "").strip()
    return value * SUFFIX_SCALE.get(suffix, 1)


def parse_number(text: str) -> float | None:
    """A whole string as one number ('2k' -> 2000.0), or None."""
    m = NUMBER.fullmatch(text.strip().lower())
    return number_value(m) if m else None


SPELLED_FRACTIONS = (
    (re.compile(r"\b(?:a|one)\s+quarter(?:\s+of\s+a)?\s+million\b", re.IGNORECASE), "250,000"),
    (re.compile(r"\bhalf\s+a\s+million\b|\b(?:a|one)\s+half(?:\s+of\s+a)?\s+million\b", re.IGNORECASE),
     "500,000"),
    (re.compile(r"\bthree\s+quarters\s+of\s+a\s+million\b", re.IGNORECASE), "750,000"),
)


def spelled_fractions(text: str) -> str:
    """'a quarter million' -> '250,000', 'half a million' -> '500,000' (before the count is read)."""
    for regex, digits in SPELLED_FRACTIONS:
        text = regex.sub(digits, text)
    return text
