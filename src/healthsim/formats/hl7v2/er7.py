"""HL7 v2 ER7 encoding: escaping, segments by field number, MSH.

Segments are built from {field number: value} so a field's position is read
from the code, not counted in a row of pipes. Text values are escaped
(\\F\\ \\S\\ \\T\\ \\R\\ \\E\\); composite values are passed as lists of
components, each escaped. Timestamps come from the data or the cohort's
derived stamp, never the clock.
"""

from __future__ import annotations

from datetime import date, datetime

FIELD, COMP, REP, ESC, SUB = "|", "^", "~", "\\", "&"
ENCODING = COMP + REP + ESC + SUB
_ESCAPES = str.maketrans({**{chr(c): " " for c in (*range(0x20), *range(0x7F, 0xA0))},  # incl. MLLP VT/FS
                          ESC: "\\E\\", FIELD: "\\F\\", COMP: "\\S\\", SUB: "\\T\\", REP: "\\R\\"})


def esc(value) -> str:
    if value is None:
        return ""
    return str(value).translate(_ESCAPES)


def comp(*parts) -> str:
    """A composite field from components (escaped); trailing empties dropped."""
    out = [esc(p) for p in parts]
    while out and out[-1] == "":
        out.pop()
    return COMP.join(out)


def reps(*values: str) -> str:
    """Repetitions of already-encoded values."""
    return REP.join(v for v in values if v)


def segment(name: str, fields: dict[int, str]) -> str:
    """A segment from {field number: encoded value}."""
    if not fields:
        return name
    values = [""] * max(fields)
    for i, v in fields.items():
        values[i - 1] = v or ""
    return FIELD.join([name, *values])


def ts(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y%m%d%H%M%S")
    return value.strftime("%Y%m%d")


def msh(stamp: datetime, message_type: str, event: str, structure: str, control_id: str,
        parties: tuple[str, str, str, str] = ("HEALTHSIM", "HEALTHSIM", "RECEIVER", "RECEIVER"),
        processing: str = "T") -> str:
    """MSH: MSH-3..6 are (sending application, sending facility, receiving application,
    receiving facility), from the export options; MSH-7 the message time."""
    # MSH-1 is the field separator itself, so MSH-2 is the first value after "MSH|".
    return FIELD.join(["MSH", ENCODING, *(esc(p) for p in parties), ts(stamp), "",
                       f"{message_type}{COMP}{event}{COMP}{structure}", control_id, processing, "2.5.1"])


MLLP_START, MLLP_END = "\x0b", "\x1c\r"


def mllp(message_text: str) -> str:
    """Minimal Lower Layer Protocol framing: <VT> message <FS><CR>."""
    return MLLP_START + message_text + MLLP_END


def message(segments: list[str]) -> str:
    """One message: segments each terminated by a carriage return."""
    return "\r".join(segments) + "\r"
