"""A request sentence as characters that extractors claim one span at a time.

Each extractor (formats, journeys, ages, counts, coverage, geography, sex,
conditions) runs regexes over the lower-cased text and *takes* the spans it
understands; later extractors only see what is left. That ordering is how
"837" becomes a format and not a count, and "CKD stage 3" keeps its 3:
numbers that belong to a condition ("stage 3", "type 2") are *protected*
first, so counts and ages skip them while the condition resolver still reads
them. Whatever no extractor took is what the condition resolver and the
"unrecognized" list see.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_REQUEST_CHARS = 2000

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201b\u2032"), "'")

# Numbers that belong to a condition or a code, never a count or an age.
PROTECTED = re.compile(
    r"\b(?:stage|type|grade|class|phase|level|tier|step|gold)\s*-?\s*(?:[0-9]+[a-d]?|i{1,3}v?|iv|v)\b"
    r"|\b[a-z]+-[0-9]+\b(?![- ]?(?:years?|yrs?|y/?o)\b)"  # covid-19, hl7-2
    r"|\b[a-z]+[0-9]+[a-z0-9]*\b"  # t2dm, ckd3, a1c, r4
)
_NOT_PROTECTED = re.compile(r"(?:ages?|aged|over|under|above|below|than)-")


@dataclass
class RequestText:
    """The normalised request and which characters have been taken, and by what."""

    original: str
    text: str = field(init=False)  # NFKC, one kind of dash and quote, single spaces
    low: str = field(init=False)  # lower case, same length as text
    taken: list[str | None] = field(init=False)
    protected: list[bool] = field(init=False)

    def __post_init__(self) -> None:
        norm = unicodedata.normalize("NFKC", self.original[:MAX_REQUEST_CHARS])
        norm = " ".join(norm.translate(_DASHES).translate(_QUOTES).split())
        self.text = norm
        self.low = "".join((c.lower() or c)[0] for c in norm)
        self.taken = [None] * len(norm)
        self.protected = [False] * len(norm)
        for m in PROTECTED.finditer(self.low):
            if _NOT_PROTECTED.match(m.group(0)):
                continue
            self.protected[m.start():m.end()] = [True] * (m.end() - m.start())

    def free(self, start: int, end: int, *, allow_protected: bool = False) -> bool:
        """True when no character of [start, end) is taken (or protected, unless allowed)."""
        if any(t is not None for t in self.taken[start:end]):
            return False
        return allow_protected or not any(self.protected[start:end])

    def matches(self, pattern: re.Pattern[str], *, allow_protected: bool = False) -> Iterator[re.Match[str]]:
        """Matches of `pattern` in the lower-cased text that lie wholly in free text.

        Checked lazily, so a caller that takes a span stops later overlapping matches.
        """
        for m in pattern.finditer(self.low):
            if m.end() > m.start() and self.free(m.start(), m.end(), allow_protected=allow_protected):
                yield m

    def take(self, start: int, end: int, what: str) -> None:
        self.taken[start:end] = [what] * (end - start)

    def original_span(self, start: int, end: int) -> str:
        """The span as the user wrote it (case kept), for messages and case checks."""
        return self.text[start:end]

    def free_runs(self) -> list[tuple[int, int]]:
        """Maximal runs of characters no extractor took, as (start, end)."""
        runs, start = [], None
        for i, t in enumerate(self.taken + ["<end>"]):
            if t is None and start is None:
                start = i
            elif t is not None and start is not None:
                runs.append((start, i))
                start = None
        return runs

    def taken_before(self, start: int) -> str | None:
        """What took the nearest non-space character before `start` (None if free)."""
        i = start - 1
        while i >= 0 and self.low[i] == " ":
            i -= 1
        return self.taken[i] if i >= 0 else None
