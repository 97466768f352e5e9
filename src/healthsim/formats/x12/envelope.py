"""X12 5010 plumbing shared by the 834, 837 and 835 writers.

Values are cleaned of the delimiter characters (* ~ : ^) and upper-cased, so
no generated name can break a segment. Control numbers and dates come from
the cohort (CohortInfo.number / stamp), never the clock: the same cohort
gives byte-identical files. An interchange (ISA/IEA) has one functional group
(GS/GE) holding one or more transactions (ST/SE), split at a configurable
number of claims or members; segments end with `~` (plus a newline with the
segment_newlines option).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from healthsim.formats.base import CohortInfo

SEG, ELEM, COMP, REP = "~", "*", ":", "^"
_CLEAN = str.maketrans({**{chr(c): " " for c in (*range(0x20), *range(0x7F, 0xA0))},
                        "*": " ", "~": " ", ":": " ", "^": " "})
_STRUCTURE = str.maketrans({**{chr(c): " " for c in (*range(0x20), *range(0x7F, 0xA0))}, "*": " ", "~": " "})
SUBMITTER_ID = "HEALTHSIM"  # the submitter / plan sponsor side of requests (837, 834, 270, 276, 278)


def clean(value) -> str:
    """A value safe inside an element: delimiters removed, upper case, no trailing space."""
    if value is None:
        return ""
    if value.__class__ is int:
        return str(value)
    return str(value).translate(_CLEAN).upper().strip()


def seg(*elements) -> str:
    """One segment without its terminator; trailing empty elements are dropped.

    A structural backstop (formats/safe_text.py cleans table text before writers see
    it): an element holding the element or segment separator, or a control character,
    has them replaced by spaces, so no value can end a segment or start another."""
    parts = [e if e.__class__ is str else ("" if e is None else str(e)) for e in elements]
    for i, p in enumerate(parts):
        if ELEM in p or SEG in p or not p.isprintable():
            parts[i] = p.translate(_STRUCTURE)
    n = len(parts)
    while n and not parts[n - 1]:
        n -= 1
    return ELEM.join(parts[:n])


def d8(d: date | datetime | str | None) -> str:
    """CCYYMMDD; a string is taken as already formatted (see claimdata.x12_dates)."""
    if d is None:
        return ""
    return d if d.__class__ is str else d.strftime("%Y%m%d")


def money(x: float | None) -> str:
    """X12 decimal: no trailing zeros, no leading '+', e.g. 100, 80.5, 12.34."""
    if x is None:
        return "0"
    r = round(float(x), 2)
    if r == int(r):
        return str(int(r))
    return f"{r:.2f}".rstrip("0")


def zip9(zip5: str | None) -> str:
    """5-digit ZIP; the 837 billing-provider address needs 9 digits (+0000 when unknown)."""
    return (zip5 or "00000")[:5]


class ControlNumbers:
    """ISA13 / GS06 / ST02 numbers: a per-format base from the cohort, +1 per use."""

    def __init__(self, info: CohortInfo, purpose: str):
        self.next_interchange = info.number(f"x12:{purpose}", 10**8) * 10
        self.next_group = 1 + info.number(f"x12-gs:{purpose}", 10**6)

    def interchange(self) -> int:
        self.next_interchange += 1
        return self.next_interchange % 10**9

    def group(self) -> int:
        self.next_group += 1
        return self.next_group


@dataclass(frozen=True)
class Route:
    """Who an interchange goes from and to (ISA06/ISA08, GS02/GS03), and how it is written.

    Each transaction has a natural direction (an 837 from the submitter to the payer,
    an 835 from the payer to the provider); the export options can override the ids
    for every file, e.g. to address a test system's own receiver id."""

    sender: str
    receiver: str
    usage: str = "T"
    newlines: bool = False

    @classmethod
    def of(cls, options, sender: str, receiver: str) -> Route:
        return cls(clean(options.sender_id or sender)[:15], clean(options.receiver_id or receiver)[:15],
                   options.usage, options.segment_newlines)


def chunks(items: list, size: int) -> Iterator[list]:
    """Consecutive slices of at most `size` items (one ST/SE each)."""
    for i in range(0, len(items), max(1, size)):
        yield items[i:i + size]


def interchange(info: CohortInfo, controls: ControlNumbers, route: Route, *, functional_code: str,
                version: str, transactions: Iterable[tuple[str, list[str]]], st03: bool = True) -> str:
    """One X12 interchange: ISA, GS, each (set id, body segments) as ST..SE, GE, IEA."""
    when = info.stamp
    isa_no, gs_no = controls.interchange(), controls.group()
    out = [seg("ISA", "00", " " * 10, "00", " " * 10, "ZZ", route.sender.ljust(15), "ZZ",
               route.receiver.ljust(15), when.strftime("%y%m%d"), when.strftime("%H%M"), REP,
               "00501", f"{isa_no:09d}", "0", route.usage, COMP),
           seg("GS", functional_code, route.sender, route.receiver, when.strftime("%Y%m%d"),
               when.strftime("%H%M"), str(gs_no), "X", version)]
    n = 0
    for n, (set_id, body) in enumerate(transactions, start=1):
        st_no = f"{n:04d}"
        out.append(seg("ST", set_id, st_no, version if st03 else ""))
        out.extend(body)
        out.append(seg("SE", str(len(body) + 2), st_no))
    out.append(seg("GE", str(n), str(gs_no)))
    out.append(seg("IEA", "1", f"{isa_no:09d}"))
    end = SEG + "\n" if route.newlines else SEG
    return end.join(out) + end
