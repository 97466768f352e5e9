"""X12 5010 834 benefit enrollment (005010X220A1) from enrollments, persons and plans.

Each enrollment span becomes maintenance events, the 834's add/change/term:
- add (INS03 021): the span's start; reason 28 initial enrollment for a
  person's first span, 41 re-enrollment after a gap;
- change (001, reason AI): a span that starts the day after the previous one
  ended, on another plan (a plan change without a gap);
- term (024, reason 07 termination of benefits): a span that ended before the
  cohort's as_of date.
One file per block of persons; one transaction per plan (its payer is the
N1*IN of that transaction), members in person order.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.fhir.common import rows
from healthsim.formats.payers import payer_for
from healthsim.formats.x12.envelope import ControlNumbers, clean, d8, interchange, seg
from healthsim.spec.vocab import ETHNICITIES, RACES

VERSION = "005010X220A1"
ADD, CHANGE, TERM = "021", "001", "024"


def maintenance_events(spans: list[dict], as_of) -> list[tuple[str, str, dict]]:
    """(maintenance type, reason, span) for one person's spans in span order."""
    events = []
    for i, span in enumerate(spans):
        prev = spans[i - 1] if i else None
        nxt = spans[i + 1] if i + 1 < len(spans) else None
        if prev is None:
            events.append((ADD, "28", span))
        elif _contiguous(prev, span):
            if span["plan_id"] != prev["plan_id"]:
                events.append((CHANGE, "AI", span))
        else:
            events.append((ADD, "41", span))
        continues = nxt is not None and _contiguous(span, nxt)
        if span["end_date"] < as_of and not continues:
            events.append((TERM, "07", span))
    return events


def _contiguous(a: dict, b: dict) -> bool:
    return b["start_date"] == a["end_date"] + timedelta(days=1)


def member_loop(kind: str, reason: str, span: dict, person: dict, subscriber_id: str) -> list[str]:
    """Loops 2000 (INS), 2100A (member name, contact, address, demographics), 2300 (HD)."""
    ins08 = "RT" if (person.get("age") or 0) >= 65 else "FT"
    relationship = span["relationship"] or "18"
    out = [seg("INS", "Y" if relationship == "18" else "N", relationship, kind, reason, "A",
               "", "", ins08),
           seg("REF", "0F", clean(subscriber_id)),
           seg("DTP", "356", "D8", d8(span["start_date"]))]
    if kind == TERM:
        out.append(seg("DTP", "357", "D8", d8(span["end_date"])))
    ssn = (person.get("ssn") or "").replace("-", "")
    out.append(seg("NM1", "IL", "1", clean(person["last_name"]), clean(person["first_name"]),
                   "", "", "", "34" if ssn else "", ssn))
    phone = "".join(ch for ch in person.get("phone") or "" if ch.isdigit())
    if phone:
        out.append(seg("PER", "IP", "", "HP", phone))
    out.append(seg("N3", clean(person["address_line"])))
    out.append(seg("N4", clean(person["city"]), clean(person["state"]), person["zip"] or "", "",
                   "CY" if person.get("county_fips") else "", person.get("county_fips") or ""))
    out.append(seg("DMG", "D8", d8(person["birth_date"]), person["sex"] or "U", "", race_composite(person)))
    out.append(seg("HD", kind, "", "HLT", clean(span["plan"])[:50], "IND"))
    out.append(seg("DTP", "348", "D8", d8(span["start_date"])))
    if kind == TERM:
        out.append(seg("DTP", "349", "D8", d8(span["end_date"])))
    out.append(seg("REF", "1L", clean(span["plan_id"])))
    return out


def race_composite(person: dict) -> str:
    """DMG05 (C056): race or ethnicity with the CDC code list qualifier RET."""
    code = RACES.get(person.get("race"), (None,))[0] if person.get("race") != "two_or_more" else None
    if code is None:
        code = ETHNICITIES.get(person.get("ethnicity"), (None,))[0]
    return f":RET:{code}" if code else ""


@register
class X12_834Exporter:
    name = "x12-834"
    description = "X12 5010 834 benefit enrollment and maintenance (005010X220A1)"
    requires = ("persons", "enrollments", "plans")

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        info = source.info
        plans = {p["plan_id"]: p for p in rows(source.static("plans"))}
        controls = ControlNumbers(info, "834")
        counts = defaultdict(int)
        tables = {"persons": None, "enrollments": None, "identities": None}
        for block in source.person_blocks(tables):
            persons = {p["person_id"]: p for p in rows(block["persons"])}
            subscribers = {r["person_id"]: r["subscriber_id"] for r in rows(block["identities"])
                           if r["product"] == "membersim"} if "identities" in block.tables else {}
            by_plan: dict = defaultdict(list)
            spans_by_person: dict = defaultdict(list)
            for span in rows(block["enrollments"]):
                spans_by_person[span["person_id"]].append(span)
            for pid, spans in spans_by_person.items():
                for kind, reason, span in maintenance_events(spans, info.as_of):
                    sub = subscribers.get(pid) or span["member_id"] or str(pid)
                    by_plan[span["plan_id"]].extend(member_loop(kind, reason, span, persons[pid], sub))
                    counts[{ADD: "adds", CHANGE: "changes", TERM: "terms"}[kind]] += 1
            if not by_plan:
                continue
            txs = [("834", self._header(info, block.lo, plan_id, plans.get(plan_id)) + body)
                   for plan_id, body in sorted(by_plan.items(), key=lambda kv: str(kv[0]))]
            payer = payer_for(min(by_plan, key=str))
            text = interchange(info, controls, functional_code="BE", version=VERSION,
                               transactions=txs, receiver=payer.payer_id)
            (out / f"834-{block.lo:08d}-{block.hi:08d}.x12").write_text(text, encoding="ascii")
            counts["files"] += 1
            counts["transactions"] += len(txs)
            del block, persons, by_plan, txs, text  # free this block before the next is read
        return dict(counts)

    @staticmethod
    def _header(info, block_lo: int, plan_id: str, plan: dict | None) -> list[str]:
        payer = payer_for(plan_id, plan["plan_name"] if plan else None)
        ref = f"HS{info.cohort_id}B{block_lo}"
        return [seg("BGN", "00", ref, d8(info.stamp), info.stamp.strftime("%H%M"), "", "", "", "2"),
                seg("N1", "P5", payer.name, "FI", payer.tax_id),
                seg("N1", "IN", payer.name, "FI", payer.tax_id)]
