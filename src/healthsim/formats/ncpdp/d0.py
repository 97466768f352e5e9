"""NCPDP Telecommunication Standard D.0 encoding: headers, segments, fields.

The variable part of a transmission is segments and fields, each introduced
by a separator: segment 0x1E, group 0x1D, field 0x1C. A segment opens with
field AM (its segment ID, e.g. AM04 insurance), and every field is its
two-character field ID followed by the value. Transaction headers are fixed
width (56 characters in a request, 31 in a response). Dollar fields use the
standard's signed overpunch (12.34 -> "123D"). The field IDs used here, with
their data-dictionary numbers and formats, ship in d0_fields.csv and the
tests check every generated transaction against that file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

SEGMENT_SEP, GROUP_SEP, FIELD_SEP = "\x1e", "\x1d", "\x1c"
_POSITIVE = "{ABCDEFGHI"
_NEGATIVE = "}JKLMNOPQR"
VENDOR_ID = "HEALTHSIM1"  # Software Vendor/Certification ID (10)


@dataclass(frozen=True)
class FieldDef:
    segment_id: str
    segment: str
    field_id: str
    field_number: str
    name: str
    format: str
    usage: str


@lru_cache(maxsize=1)
def field_definitions() -> dict[tuple[str, str], FieldDef]:
    """(segment ID, field ID) -> definition, from the shipped d0_fields.csv."""
    text = resources.files(__package__).joinpath("d0_fields.csv").read_text(encoding="utf-8")
    return {(r["segment_id"], r["field_id"]): FieldDef(segment_id=r["segment_id"], segment=r["segment"], field_id=r["field_id"], field_number=r["field_number"], name=r["field_name"], format=r["format"], usage=r["usage"])
        for r in csv.DictReader(text.splitlines())}


def overpunch(amount: float | None) -> str:
    """Signed overpunch of a dollar amount with 2 implied decimals: 12.34 -> '123D', -5 -> '50}'."""
    cents = round(float(amount or 0) * 100)
    digits = f"{abs(cents):03d}"
    table = _NEGATIVE if cents < 0 else _POSITIVE
    return digits[:-1] + table[int(digits[-1])]


def unoverpunch(text: str) -> float:
    last = text[-1]
    if last in _POSITIVE:
        return int(text[:-1] + str(_POSITIVE.index(last))) / 100
    return -int(text[:-1] + str(_NEGATIVE.index(last))) / 100


def clean(value) -> str:
    """Upper case, no separator characters."""
    if value is None:
        return ""
    return "".join(ch for ch in str(value) if ch >= " ").upper().strip()


def segment(segment_id: str, fields: list[tuple[str, str]]) -> str:
    """SS FS AMxx then FS <id><value> for each non-empty field."""
    parts = [f"{FIELD_SEP}AM{segment_id[2:]}"]
    parts += [f"{FIELD_SEP}{fid}{value}" for fid, value in fields if value != ""]
    return SEGMENT_SEP + "".join(parts)


def request_header(bin_: str, pcn: str, provider_id: str, date_of_service: str, code: str = "B1") -> str:
    """The 56-character fixed request header (one transaction)."""
    return (f"{bin_:<6.6}D0{code}{pcn:<10.10}1" + "01" + f"{provider_id:<15.15}{date_of_service:8.8}"
            f"{VENDOR_ID:<10.10}")


def response_header(status: str, provider_id: str, date_of_service: str, code: str = "B1") -> str:
    """The 31-character fixed response header."""
    return f"D0{code}1{status}01{provider_id:<15.15}{date_of_service:8.8}"
