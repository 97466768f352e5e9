"""Extractors for who the members are: how many, how old, which sex, race and ethnicity.

Each function takes the `RequestText`, claims the spans it understands and
returns plain values; the parser decides the order they run in (ages before
counts, so "aged 40 to 60" is not a count of 40).
"""

from __future__ import annotations

import re

from healthsim.builders.facts import AgeFact
from healthsim.builders.numbers import NUMBER, number_value
from healthsim.builders.text import RequestText
from healthsim.builders.vocab import grouped, label_of, people_nouns, vocab

_N = r"(\d{1,3})(?![\d,.]\d|\d)"
_YEARS = r"(?:\s*(?:years?|yrs?|y/?o|y\.o\.)(?:[ -]?olds?|\s+of\s+age)?|[ -](?:year|yr)[ -]olds?)"
_NOT_BOUND = r"(?<!over )(?<!above )(?<!under )(?<!below )(?<!than )(?<!least )"  # 'over 80 years old' is a bound
PERCENT = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d+)?)\s*(?:%|percent\b|pct\b)")

# (pattern, kind): kind says which groups are low/high/exact; all ages in years.
# Ranges come first, so "between 40 and 60 years old" is not read as "60 years old".
DECADES = {"teens": 10, "twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60,
           "seventies": 70, "eighties": 80, "nineties": 90}
_MONTHS = r"\s*(?:months?|mos?|mths?)"
_AGE_OF = r"(?:the\s+ages?\s+of\s+|age\s+)?"  # 'over the age of 40', 'under age 18'

# (pattern, kind): kind says which groups are low/high/exact; all ages in years.
# Ranges come first, so "between 40 and 60 years old" is not read as "60 years old".
AGE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b(?:an?\s+)?(?:mean|average|avg\.?|median|typical)\s+(?:member\s+)?age\s*(?:of|is|=|:|at|"
                rf"around|about|near)?\s*(?:around\s+|about\s+|~\s*)?{_N}(?:{_YEARS})?"), "mean"),
    (re.compile(rf"\b(?:under|below|younger than|less than|<)\s*{_N}{_MONTHS}(?:[ -]old)?\b"), "max_months"),
    (re.compile(rf"\b(?:over|above|older than|at least)\s*{_N}{_MONTHS}(?:[ -]old)?\b"), "min_months"),
    (re.compile(rf"\b(?:(a|an|one)\s+)?{_N}[ -]?(?:months?|mos?)[ -]olds?\b"), "exact_months"),
    (re.compile(rf"\b(?:aged?|ages|between|from)\s*(?:the\s+ages?\s+of\s+)?{_N}\s*(?:-|to|and|through|thru)\s*{_N}"
                rf"{_YEARS}?"), "range"),
    (re.compile(rf"\bbetween\s+the\s+ages?\s+of\s+{_N}\s*(?:-|to|and)\s*{_N}"), "range"),
    (re.compile(rf"\b{_N}\s*(?:-|to|through)\s*{_N}{_YEARS}"), "range"),
    (re.compile(rf"{_NOT_BOUND}\b(?:(a|an|one)\s+)?{_N}[ -]?(?:years?|yrs?|yr)[ -]old(s?)\b"), "exact"),
    (re.compile(rf"{_NOT_BOUND}\b(?:(a|an|one)\s+)?{_N}\s?(?:yo|y/o|y\.o\.)(?!\w)"), "exact"),
    (re.compile(r"\bin\s+their\s+(\d0)'?s\b"), "decade"),
    (re.compile(r"\bin\s+their\s+(twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\b"),
     "decade_word"),
    (re.compile(rf"\b(?:aged?\s+)?(?:over|above|older than|at least|greater than|more than|>=?)\s*{_AGE_OF}{_N}"
                rf"(?:{_YEARS}|\s*(?:and|or)\s*(?:over|older|up|above))?(?!\s*(?:%|k\b|m\b|thousand|million|hundred|,\d))"), "min"),
    (re.compile(rf"\b(?:aged?\s+)?{_N}(?:{_YEARS})?\s*(?:\+|-?plus\b|and (?:over|older|up|above)|or (?:older|over|"
                rf"above))(?!\w)"), "min"),
    (re.compile(r"\bover-?(\d{1,3})s\b"), "min"),
    (re.compile(r"\bunder-?(\d{1,3})s\b"), "max"),
    (re.compile(rf"\b(?:aged?\s+)?(?:under|below|younger than|less than|<)\s*{_AGE_OF}{_N}"
                rf"(?:{_YEARS})?(?!\s*(?:%|k\b|m\b|thousand|million|hundred|,\d))"), "max"),
    (re.compile(rf"\b(?:aged?\s+)?{_N}\s*(?:and (?:under|younger|below)|or (?:younger|under))\b"), "max_incl"),
    (re.compile(rf"\b(?:aged?|ages?)\s*:?\s*{_N}\b(?!\s*(?:-|to)\s*\d)"), "exact_aged"),
    (re.compile(r"(?<![\w.])(\d{1,2})\s*-\s*(\d{1,3})(?![\w.%-])"), "bare_range"),
    (re.compile(r"(?<![\w.,])(\d{1,2})\s+to\s+(\d{1,3})(?![\w.%,-]|\s*(?:%|percent|members|patients))"),
     "bare_range"),
]


def take_percents(rt: RequestText) -> list[tuple[int, int, float]]:
    """Every 'N%' / 'N percent' / 'half' / 'a quarter' as (start, end, share); attached to an
    entity later."""
    from healthsim.builders.vocab import phrase_pattern

    out = []
    for m in list(rt.matches(PERCENT)):
        value = float(m.group(1))
        if 0 <= value <= 100:
            rt.take(m.start(), m.end(), "percent")
            out.append((m.start(), m.end(), value / 100))
    fractions = vocab()["fractions"]
    regex = re.compile(phrase_pattern(fractions).pattern + r"(?=\s+(?:of\s+(?:them|those|members|patients)\s+)?"
                       r"(?:with|have|has|having|are|on|in|women|men|female|male|females|males|girls|boys|over|under|"
                       r"above|below|older|younger|aged)\b)")
    for m in list(rt.matches(regex)):
        rt.take(m.start(), m.end(), "percent")
        out.append((m.start(), m.end(), float(fractions[m.group(0).lower()])))
    slashed = re.compile(r"(?<![\w/.])([1-9])\s*/\s*([2-9]|10)(?![\w/.%])" + regex.pattern[regex.pattern.index("(?="):])
    for m in list(rt.matches(slashed)):  # '1/3 with asthma'
        top, bottom = int(m.group(1)), int(m.group(2))
        if top < bottom:
            rt.take(m.start(), m.end(), "percent")
            out.append((m.start(), m.end(), round(top / bottom, 4)))
    return sorted(out)


def take_age(rt: RequestText) -> tuple[AgeFact | None, bool]:
    """The request's age restriction, and whether it said 'a 65-year-old' (one member)."""
    fact, single = None, False
    for regex, kind in AGE_PATTERNS:
        for m in list(rt.matches(regex)):
            parsed = _age_from(m, kind)
            if parsed is None or (kind in ("min", "max") and _people_follow(rt, m.end())):
                continue
            if fact is None:
                fact = parsed
            rt.take(m.start(), m.end(), "age")
            if kind in ("exact", "exact_months") and m.group(1) and not (m.re.groups >= 3 and m.group(3)):
                single = True
    group = _take_age_group(rt)
    if fact is None:
        fact = group
    return fact, single


def _people_follow(rt: RequestText, end: int) -> bool:
    """'over 100 patients' is a count, not an age."""
    plural, singular = people_nouns()
    rest = rt.low[end:end + 40]
    if re.match(r"\s*[,;:.)]", rest):
        return False  # 'over 75, women only'
    for word in rest.split()[:3]:
        bare = word.strip(",.;:()")
        if bare in plural | singular:
            return True
        if bare in _NOT_PEOPLE_YET or bare != word:
            return False  # 'over 65 with diabetes, men only': the noun belongs to another phrase
    return False


_NOT_PEOPLE_YET = frozenset({"with", "who", "on", "in", "and", "or", "having", "have", "has", "from", "for",
                             "that", "living", "whose"})


def _age_from(m: re.Match[str], kind: str) -> AgeFact | None:
    text = m.group(0)
    if kind == "max_months":
        n = int(m.group(1))
        return AgeFact(low=0, high=round(n / 12, 6), text=text) if 0 < n <= 36 else None
    if kind == "min_months":
        n = int(m.group(1))
        return AgeFact(low=round(n / 12, 6), text=text) if 0 < n <= 36 else None
    if kind == "exact_months":
        n = int(m.group(2))
        return AgeFact(low=round(n / 12, 6), high=round((n + 1) / 12, 6), text=text) if n < 36 else None
    if kind == "mean":  # a normal around it, two sd either side (at most 24 years, never below 0)
        n = int(m.group(1))
        half = min(24, n)
        return AgeFact(low=n - half, high=n + half, mean=n, text=text) if 0 < n <= 95 else None
    if kind == "decade_word":
        lo = DECADES[m.group(1)]
        return AgeFact(low=lo, high=lo + 10, text=text)
    if kind in ("exact", "exact_aged"):
        n = int(m.group(2) if kind == "exact" else m.group(1))
        return AgeFact(exact=n, text=text) if n <= 110 else None
    if kind in ("range", "bare_range"):
        lo, hi = int(m.group(1)), int(m.group(2))
        if not lo < hi <= 110:
            return None
        return AgeFact(low=lo, high=hi + 1, text=text)
    if kind == "decade":
        lo = int(m.group(1))
        return AgeFact(low=lo, high=lo + 10, text=text) if lo <= 100 else None
    n = int(m.group(1))
    if n > 110:
        return None
    if kind == "min":
        return AgeFact(low=n, text=text)
    if kind == "max":
        return AgeFact(low=0, high=n, text=text) if n > 0 else None
    return AgeFact(low=0, high=n + 1, text=text)  # max_incl


def _take_age_group(rt: RequestText) -> AgeFact | None:
    regex, _ = grouped("age_groups")
    found = None
    for m in list(rt.matches(regex)):
        label = label_of("age_groups", m.group(0))
        rt.take(m.start(), m.end(), "age")
        if found is None:
            entry = vocab()["age_groups"][label]
            found = AgeFact(low=entry["low"], high=entry["high"], group=label, text=m.group(0))
    return found


def take_count(rt: RequestText, prefer_after: int | None = None) -> tuple[int | None, str | None]:
    """The number of members: a number after a correction ('actually make it 200') wins, then a
    number near a people noun, else the first plain number."""
    plural, singular = people_nouns()
    candidates = []
    for m in rt.matches(NUMBER):
        value = number_value(m)
        if value is None or value < 1 or value != int(value):
            continue
        after = rt.low[m.end():m.end() + 60].split()
        near_people = any(w.strip(",.;:") in plural | singular for w in after[:4])
        corrected = prefer_after is not None and m.start() >= prefer_after
        candidates.append((not corrected, not near_people, m.start(), m, int(value)))
    if not candidates:
        return None, None
    *_, m, value = min(candidates, key=lambda c: (c[0], c[1], c[2]))
    rt.take(m.start(), m.end(), "count")
    return value, m.group(0)


FAMILY = re.compile(r"\b(?:(?:a|an|one)\s+)?(?:\w+\s+)?famil(?:y|ies)(?:\s+of\s+(\d{1,2}|two|three|four|five|six|"
                    r"seven|eight))?\b")
FAMILY_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
DEFAULT_FAMILY = 4  # the seed's example family ("a commercial family of 4")


FAMILIES = re.compile(r"\b(\d{1,3}|two|three|four|five|six|seven|eight|nine|ten)\s+(?:\w+\s+)?families\b")


def families_count(low: str) -> int | None:
    """'2 families of 4', 'three commercial families': how many households."""
    m = FAMILIES.search(low)
    if m is None:
        return None
    word = m.group(1)
    return int(word) if word.isdigit() else {**FAMILY_WORDS, "nine": 9, "ten": 10}[word]


def take_family(rt: RequestText) -> tuple[int | None, bool]:
    """('a family of 4' -> 4, stated) members of one household; 'a family' -> the default size."""
    for m in list(rt.matches(re.compile(r"\bfamil(?:y|ies)(?:\s+of\s+(\d{1,2}|two|three|four|five|six|seven|"
                                        r"eight))?\b"))):
        rt.take(m.start(), m.end(), "household")
        size = m.group(1)
        if size is None:
            return DEFAULT_FAMILY, False
        return (int(size) if size.isdigit() else FAMILY_WORDS[size]), True
    return None, False


ONE_AGED = re.compile(r"\b(?:a|an|one|single)\s+(?:[a-z-]+\s+){0,3}\d{1,3}[- ]?(?:years?|yrs?)[- ]old\b(?!s)")


def one_person(rt: RequestText) -> bool:
    """True when the request names one person ('a diabetic member', 'an uninsured
    30-year-old') and no plural."""
    plural, singular = people_nouns()
    words = set(re.findall(r"[a-z']+", rt.low))
    if words & plural:
        return False
    return bool(words & singular) or bool(ONE_AGED.search(rt.low))


SEX_SPLIT = re.compile(
    r"\b(\d{1,2}(?:\.\d)?)\s*/\s*(\d{1,2}(?:\.\d)?)\s*%?\s+(female|male|women|men|f|m)\s*/\s*(female|male|women|men|f|m)\b"
    r"|\b(female|male|women|men|f|m)\s*/\s*(female|male|women|men|f|m)\s*:?\s+(\d{1,2}(?:\.\d)?)\s*/\s*(\d{1,2}(?:\.\d)?)\b")
SEX_LETTER = {"female": "F", "women": "F", "f": "F", "male": "M", "men": "M", "m": "M"}


def take_sex_split(rt: RequestText) -> dict[str, float] | None:
    """'55/45 female/male', 'M/F 48/52': the two shares."""
    for m in list(rt.matches(SEX_SPLIT, allow_protected=True)):
        a, b, first, second = (m.group(1), m.group(2), m.group(3), m.group(4)) if m.group(1) else (
            m.group(7), m.group(8), m.group(5), m.group(6))
        x, y = SEX_LETTER[first.lower()], SEX_LETTER[second.lower()]
        total = float(a) + float(b)
        if x == y or not 99 <= total <= 101:
            continue
        rt.take(m.start(), m.end(), "sex")
        return {x: round(float(a) / total, 6), y: round(float(b) / total, 6)}
    return None


def take_sex(rt: RequestText) -> list[tuple[int, int, str]]:
    """Sex mentions as (start, end, 'F'|'M'|'both')."""
    regex, _ = grouped("sex")
    out = []
    for m in list(rt.matches(regex)):
        rt.take(m.start(), m.end(), "sex")
        out.append((m.start(), m.end(), label_of("sex", m.group(0))))
    return out


def take_labels(rt: RequestText, key: str) -> list[str]:
    """Labels of a grouped vocabulary section ('race', 'ethnicity') mentioned in the text."""
    regex, _ = grouped(key)
    out = []
    for m in list(rt.matches(regex)):
        rt.take(m.start(), m.end(), key)
        out.append(label_of(key, m.group(0)))
    return list(dict.fromkeys(out))


def even_weights(labels: list[str]) -> dict[str, float] | None:
    """Equal shares over the labels named (None when none were)."""
    if not labels:
        return None
    return {label: 1 / len(labels) for label in labels}


def take_severity(rt: RequestText) -> tuple[dict[str, float] | None, list[tuple[int, int, str]]]:
    """A diabetes severity mix ('mostly controlled', 'poorly controlled') as attribute weights,
    and severity labels a percentage may attach to ('30% controlled', '20% with complications')
    as (start, end, diabetes_control label)."""
    labels = []
    lab_regex, _ = grouped("severity_labels")
    for m in list(rt.matches(lab_regex, allow_protected=True)):
        if _percent_beside(rt, m.start(), m.end()):
            rt.take(m.start(), m.end(), "severity")
            labels.append((m.start(), m.end(), label_of("severity_labels", m.group(0))))
    regex, _ = grouped("severity")
    found = None
    for m in list(rt.matches(regex, allow_protected=True)):
        rt.take(m.start(), m.end(), "severity")
        found = found or dict(vocab()["severity"][label_of("severity", m.group(0))]["weights"])
    for m in list(rt.matches(re.compile(r"\b(?:mix(?:ed)?\s+of\s+)?severit(?:y|ies)(?:\s+mix)?\b"))):
        rt.take(m.start(), m.end(), "severity")
    return found, labels


def _percent_beside(rt: RequestText, start: int, end: int) -> bool:
    before = rt.low[max(0, start - 12):start]
    after = rt.low[end:end + 10]
    return bool(re.search(r"(?:%|percent)\s*(?:\w+\s+)?$", before) or re.match(r"\s*(?:\(|in|at|:)?\s*\d", after))
