"""X12 5010 834 benefit enrollment (005010X220A1) from enrollments, persons and plans.

Each enrollment span becomes maintenance events, the 834's add/change/term:
- add (INS03 021): the span's start; reason 28 initial enrollment for a
  person's first span, 41 re-enrollment after a gap;
- reinstatement (025, reason 41): a span on the same plan that resumes within
  REINSTATE_DAYS of the previous one's end (coverage restored after a lapse,
  e.g. premiums paid late within the grace period);
- change (001, reason 22 plan change): a span that starts the day after the
  previous one ended, on another plan (a plan change without a gap);
- change (001, reason AI, DTP*303 the day it takes effect): the subscriber's
  coverage level (HD05) changes within a span because a dependent's coverage
  starts or ends (a newborn added, a dependent's death);
- term (024, reason 07 termination of benefits): a span that ended before the
  cohort's as_of date.
Besides these change files (BGN08 2), an audit file per payer and block
(`834-audit-...`, BGN08 4 verify) lists every member enrolled on as_of with
INS03 030, the full-file compare a plan sends its sponsor.

A member who is not the subscriber (enrollments.relationship other than 18,
once households exist) is INS01 N with their relationship code, under the
subscriber's REF*0F. HD05 is the policy's coverage level on the event's date,
from the household's dependents covered on the same plan: EMP, ESP, ECH or
FAM on employer (commercial) plans, IND or FAM on others. One file per payer and block of persons: an interchange
from the plan sponsor (HEALTHSIM) to the payer, one ST/SE per
`claims_per_st` members, members in person order.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from healthsim.formats.base import HOUSEHOLDS, CohortSource, register
from healthsim.formats.fhir.common import rows
from healthsim.formats.payers import payer_for
from healthsim.formats.x12.envelope import (
    SUBMITTER_ID,
    ControlNumbers,
    Route,
    chunks,
    clean,
    d8,
    interchange,
    seg,
)
from healthsim.spec.vocab import ETHNICITIES, RACES

VERSION = "005010X220A1"
ADD, CHANGE, TERM, REINSTATE, AUDIT = "021", "001", "024", "025", "030"
REINSTATE_DAYS = 92
COUNT_KEYS = {ADD: "adds", CHANGE: "changes", TERM: "terms", REINSTATE: "reinstatements", AUDIT: "audits"}


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
                events.append((CHANGE, "22", span))
        elif span["plan_id"] == prev["plan_id"] and (span["start_date"] - prev["end_date"]).days <= REINSTATE_DAYS:
            events.append((REINSTATE, "41", span))
        else:
            events.append((ADD, "41", span))
        continues = nxt is not None and _contiguous(span, nxt)
        if span["end_date"] < as_of and not continues:
            events.append((TERM, "07", span))
    return events


EMPLOYER = {"commercial"}


def coverage_level(coverage_type: str | None, dependents: list[dict], plan_id, when) -> str:
    """HD05 on a date: who besides the subscriber the policy covers then."""
    covered = {d["relationship"] for d in dependents
               if d["plan_id"] == plan_id and d["start_date"] <= when <= d["end_date"]}
    spouse, child = "01" in covered, bool(covered - {"01"})
    if coverage_type in EMPLOYER:
        return "FAM" if spouse and child else "ESP" if spouse else "ECH" if child else "EMP"
    return "FAM" if covered else "IND"


def level_changes(span: dict, dependents: list[dict], as_of) -> list[tuple]:
    """(001, AI, span, effective date, new level) for each day within a subscriber's span on
    which a dependent's coverage on the plan starts or ends and the level changes."""
    days = set()
    for d in dependents:
        if d["plan_id"] != span["plan_id"]:
            continue
        if span["start_date"] < d["start_date"] <= min(span["end_date"], as_of):
            days.add(d["start_date"])
        if span["start_date"] <= d["end_date"] < min(span["end_date"], as_of):
            days.add(d["end_date"] + timedelta(days=1))
    out, level = [], coverage_level(span["coverage_type"], dependents, span["plan_id"], span["start_date"])
    for day in sorted(days):
        new = coverage_level(span["coverage_type"], dependents, span["plan_id"], day)
        if new != level:
            out.append((CHANGE, "AI", span, day, new))
            level = new
    return out


def _day(event: tuple):
    """The date an event takes effect: a change's effective date, a term's end, else the span start."""
    code, _, span, effective = event[:4]
    return effective or (span["end_date"] if code == TERM else span["start_date"])


def _contiguous(a: dict, b: dict) -> bool:
    return b["start_date"] == a["end_date"] + timedelta(days=1)


def audit_events(spans: list[dict], as_of) -> list[tuple[str, str, dict]]:
    """The audit (030) line of a person enrolled on as_of (none otherwise)."""
    return [(AUDIT, "AI", s) for s in spans if s["start_date"] <= as_of <= s["end_date"]][:1]


def member_loop(kind: str, reason: str, span: dict, person: dict, subscriber_id: str, level: str = "IND",
                effective=None) -> list[str]:
    """Loops 2000 (INS), 2100A (member name, contact, address, demographics), 2300 (HD);
    `effective`: the date a change takes effect (DTP*303)."""
    relationship = span["relationship"] or "18"
    subscriber = relationship == "18"
    ins08 = ("RT" if (person.get("age") or 0) >= 65 else "FT") if subscriber else ""
    out = [seg("INS", "Y" if subscriber else "N", relationship, kind, reason, "A",
               "", "", ins08),
           seg("REF", "0F", clean(subscriber_id)),
           seg("DTP", "356", "D8", d8(span["start_date"]))]
    if effective is not None:
        out.append(seg("DTP", "303", "D8", d8(effective)))
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
    out.append(seg("HD", kind, "", "HLT", clean(span["plan"])[:50], level))
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
    description = "X12 5010 834 benefit enrollment and maintenance (005010X220A1), with audit files"
    requires = ("persons", "enrollments", "plans")
    needs_rows = (("enrollments", {}),)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        info, options = source.info, source.options
        plans = {p["plan_id"]: p for p in rows(source.static("plans"))}
        controls = ControlNumbers(info, "834")
        counts = defaultdict(int)
        tables = {"persons": None, "enrollments": None, "identities": None, HOUSEHOLDS: None}
        for block in source.person_blocks(tables):
            persons = {p["person_id"]: p for p in rows(block["persons"])}
            subscribers = {r["person_id"]: r["subscriber_id"] for r in rows(block["identities"])
                           if r["product"] == "membersim"} if "identities" in block.tables else {}
            spans_by_person: dict = defaultdict(list)
            for span in rows(block["enrollments"]):
                spans_by_person[span["person_id"]].append(span)
            dependents: dict = defaultdict(list)
            if HOUSEHOLDS in block.tables:
                for d in rows(block[HOUSEHOLDS]):
                    dependents[d["person_id"]].append(d)
            for kind, events in (("", maintenance_events), ("audit-", audit_events)):
                by_plan: dict = defaultdict(list)
                for pid, spans in spans_by_person.items():
                    household = dependents.get(pid, [])
                    found = [(code, reason, span, None, None) for code, reason, span in events(spans, info.as_of)]
                    if not kind:
                        found += [c for span in spans if (span["relationship"] or "18") == "18"
                                  for c in level_changes(span, household, info.as_of)]
                        found.sort(key=lambda e: (e[2]["span_no"], _day(e), e[0] == TERM))
                    for code, reason, span, effective, level in found:
                        sub = subscribers.get(pid) or span["member_id"] or str(pid)
                        day = _day((code, reason, span, effective))
                        level = level or coverage_level(span["coverage_type"], household, span["plan_id"], day)
                        by_plan[span["plan_id"]].append(member_loop(code, reason, span, persons[pid], sub,
                                                                    level, effective))
                        counts[COUNT_KEYS[code]] += 1
                for plan_id, members in sorted(by_plan.items(), key=lambda kv: str(kv[0])):
                    plan = plans.get(plan_id)
                    payer = payer_for(plan_id, plan["plan_name"] if plan else None)
                    txs = [("834", self._header(info, block.lo, payer, n, "4" if kind else "2")
                            + [s for member in part for s in member])
                           for n, part in enumerate(chunks(members, options.claims_per_st), start=1)]
                    route = Route.of(options, SUBMITTER_ID, payer.payer_id)
                    text = interchange(info, controls, route, functional_code="BE", version=VERSION, transactions=txs)
                    (out / f"834-{kind}{payer.payer_id}-{block.lo:08d}-{block.hi:08d}.x12").write_text(
                        text, encoding="ascii")
                    counts["files"] += 1
                    counts["transactions"] += len(txs)
            del block, persons, spans_by_person  # free this block before the next is read
        return dict(counts)

    @staticmethod
    def _header(info, block_lo: int, payer, n: int, action: str) -> list[str]:
        ref = f"HS{info.cohort_id}B{block_lo}{'A' if action == '4' else ''}{n}"
        return [seg("BGN", "00", ref, d8(info.stamp), info.stamp.strftime("%H%M"), "", "", "", action),
                seg("N1", "P5", "HEALTHSIM PLAN SPONSOR", "FI", "900000001"),
                seg("N1", "IN", payer.name, "FI", payer.tax_id)]
