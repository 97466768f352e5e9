"""A structural checker for X12 5010 files against the guide tables in guides.py.

It checks what pyx12 checks for the transactions pyx12 has no 5010 map for:
the envelope (ISA/IEA, GS/GE and ST/SE pairs, control numbers, counts, GS01
functional identifier and GS08 = ST03 version), the BHT, the HL hierarchy
(HL01 numbered 1, 2, 3... within a set, HL02 naming an earlier HL of the parent
level, HL03 a level the guide defines, HL04 = 1 exactly when a child follows,
the leaf level reached), every level's segments in the guide's order with their
usage and maximum use, required elements present, code lists, dates, times
and amounts, and elements the guide marks not used left empty.

`check_file(path)` returns a list of error strings (empty: the file conforms).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from healthsim.formats.x12.guides import (
    AMOUNT,
    ANY,
    DATE,
    DATE_OR_RANGE,
    GUIDES,
    TIME,
    Component,
    Guide,
    Level,
    Seg,
)

_AMOUNT = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
_TIME = re.compile(r"^([01]\d|2[0-3])[0-5]\d([0-5]\d(\d{1,2})?)?$")


def segments(text: str) -> list[list[str]]:
    return [s.strip().split("*") for s in text.split("~") if s.strip()]


def _valid_date(v: str) -> bool:
    if not re.fullmatch(r"\d{8}", v):
        return False
    try:
        date(int(v[:4]), int(v[4:6]), int(v[6:]))
    except ValueError:
        return False
    return True


def _value_ok(spec, value: str) -> bool:
    if spec == ANY:
        return True
    if spec == DATE:
        return _valid_date(value)
    if spec == TIME:
        return bool(_TIME.match(value))
    if spec == AMOUNT:
        return bool(_AMOUNT.match(value))
    if spec == DATE_OR_RANGE:
        parts = value.split("-")
        return len(parts) in (1, 2) and all(_valid_date(p) for p in parts) and parts == sorted(parts)
    if isinstance(spec, Component):
        return value.split(":")[0] in spec.codes
    return value in spec


def check_segment(spec: Seg, seg: list[str], where: str, errors: list[str]) -> None:
    for n, want in spec.elements.items():
        value = seg[n] if n < len(seg) else ""
        if not value:
            if n not in spec.optional:
                errors.append(f"{where}: {spec.id}{n:02d} is required")
        elif not _value_ok(want, value):
            shown = f"one of {', '.join(want[:12])}" if isinstance(want, tuple) else (
                f"a composite starting {', '.join(want.codes[:8])}" if isinstance(want, Component) else want)
            errors.append(f"{where}: {spec.id}{n:02d} = {value!r} is not {shown}")
    for n in spec.unused:
        if n < len(seg) and seg[n]:
            errors.append(f"{where}: {spec.id}{n:02d} is not used in this guide (got {seg[n]!r})")


def _starts(item, seg: list[str]) -> bool:
    first = item.first
    if seg[0] != first.id:
        return False
    if first.key is not None and isinstance(first.elements.get(first.key), tuple):
        return len(seg) > first.key and seg[first.key] in first.elements[first.key]
    return True


def match(items: tuple, segs: list[list[str]], i: int, end: int, where: str, errors: list[str]) -> int:
    for item in items:
        n = 0
        while i < end and n < item.max and _starts(item, segs[i]):
            if isinstance(item, Seg):
                check_segment(item, segs[i], f"{where} segment {i + 1}", errors)
                i += 1
            else:
                i = match(item.items, segs, i, end, f"{where} loop {item.name}", errors)
            n += 1
        if n == 0 and item.usage == "R":
            what = item.id if isinstance(item, Seg) else f"loop {item.name}"
            errors.append(f"{where}: required {what} missing before segment {i + 1} ({segs[i][0] if i < end else 'end'})")
    return i


def check_transaction(guide: Guide, body: list[list[str]], where: str) -> list[str]:
    """body: the segments between ST and SE."""
    errors: list[str] = []
    if not body or body[0][0] != "BHT":
        return [f"{where}: BHT missing"]
    check_segment(guide.bht, body[0], f"{where} BHT", errors)
    ids: dict[str, str] = {}
    has_child: set[str] = set()
    declared: dict[str, str] = {}
    n_hl, reached = 0, set()
    starts = [k for k in range(1, len(body)) if body[k][0] == "HL"]
    if not starts or starts[0] != 1:
        errors.append(f"{where}: the first segment after BHT must be HL")
    for pos, k in enumerate(starts):
        end = starts[pos + 1] if pos + 1 < len(starts) else len(body)
        hl = body[k]
        n_hl += 1
        code = hl[3] if len(hl) > 3 else ""
        level: Level | None = guide.levels.get(code)
        label = f"{where} HL {hl[1] if len(hl) > 1 else '?'}"
        if level is None:
            errors.append(f"{label}: HL03 {code!r} is not a level of {guide.set_id} ({', '.join(guide.levels)})")
            continue
        reached.add(code)
        if hl[1] != str(n_hl):
            errors.append(f"{label}: HL01 should be {n_hl}")
        parent = hl[2] if len(hl) > 2 else ""
        if level.parent is None:
            if parent:
                errors.append(f"{label}: {level.name} has no parent, HL02 must be empty")
        elif ids.get(parent) != level.parent:
            errors.append(f"{label}: HL02 {parent!r} is not an earlier {guide.levels[level.parent].name}")
        else:
            has_child.add(parent)
        ids[hl[1]] = code
        declared[hl[1]] = hl[4] if len(hl) > 4 else ""
        if declared[hl[1]] not in ("0", "1"):
            errors.append(f"{label}: HL04 must be 0 or 1")
        stop = match(level.items, body, k + 1, end, f"{label} ({level.name})", errors)
        if stop < end:
            errors.append(f"{label} ({level.name}): unexpected segment {body[stop][0]} at position {stop + 1}")
    for hl_id, flag in declared.items():
        if (flag == "1") != (hl_id in has_child):
            errors.append(f"{where} HL {hl_id}: HL04 = {flag} but it {'has' if hl_id in has_child else 'has no'} child")
    if guide.leaf not in reached:
        errors.append(f"{where}: no {guide.levels[guide.leaf].name} level")
    return errors


def check_segments(segs: list[list[str]]) -> list[str]:
    """Every interchange of a file: envelope, then each transaction against its guide."""
    errors: list[str] = []
    i, n = 0, len(segs)
    if not segs or segs[0][0] != "ISA":
        return ["file does not start with ISA"]
    while i < n:
        isa = segs[i]
        if isa[0] != "ISA" or len(isa) != 17:
            return errors + [f"segment {i + 1}: expected ISA with 16 elements"]
        i += 1
        groups = 0
        while i < n and segs[i][0] == "GS":
            gs, groups, sets = segs[i], groups + 1, 0
            i += 1
            while i < n and segs[i][0] == "ST":
                st, start = segs[i], i
                while i < n and segs[i][0] != "SE":
                    i += 1
                if i >= n:
                    return errors + [f"ST {st[2]}: no SE"]
                se, sets = segs[i], sets + 1
                where = f"ST {st[2]}"
                if int(se[1]) != i - start + 1 or se[2] != st[2]:
                    errors.append(f"{where}: SE01/SE02 {se[1:3]} do not match ({i - start + 1} segments)")
                if len(st) < 4 or st[3] != gs[8]:
                    errors.append(f"{where}: ST03 must repeat GS08 {gs[8]}")
                body = segs[start + 1:i]
                purpose = body[0][2] if body and body[0][0] == "BHT" and len(body[0]) > 2 else ""
                guide = GUIDES.get((st[1], purpose))
                if guide is None:
                    errors.append(f"{where}: no guide for transaction {st[1]} with BHT02 {purpose!r}")
                else:
                    if gs[1] != guide.functional_code or gs[8] != guide.version:
                        errors.append(f"{where}: GS01/GS08 {gs[1]}/{gs[8]} should be "
                                      f"{guide.functional_code}/{guide.version}")
                    errors += check_transaction(guide, body, where)
                i += 1
            if i >= n or segs[i][0] != "GE" or int(segs[i][1]) != sets or segs[i][2] != gs[6]:
                errors.append(f"GS {gs[6]}: GE missing or its counts/control number do not match")
            i += 1
        if i >= n or segs[i][0] != "IEA" or int(segs[i][1]) != groups or segs[i][2] != isa[13]:
            errors.append(f"ISA {isa[13]}: IEA missing or its counts/control number do not match")
        i += 1
    return errors


def check_file(path: str | Path) -> list[str]:
    return check_segments(segments(Path(path).read_text(encoding="ascii")))
