"""Person-level ADT: A28 (add person information) and A08 (update) from persons and coverage.

A person is added to the master patient index (A28, ADT_A05) on the first day
of their first enrollment span (or as_of when uninsured), with the profile's
diagnoses (DG1) and the coverage (IN1); each later span is an A08 carrying the
new insurance (PV1-2 N: no visit). PID carries the crosswalk identifiers (MRN,
member ID), CDC race and ethnicity codes, address with county. Visits (A04,
A01, A08, A03) and orders/results are in visits.py.
"""

from __future__ import annotations

from datetime import datetime, time

from healthsim.formats.base import SUBSCRIBERS
from healthsim.formats.fhir.common import rows
from healthsim.formats.hl7v2.er7 import comp, esc, reps, segment, ts
from healthsim.formats.hl7v2.registry import Hl7Message, hl7_messages
from healthsim.formats.payers import payer_for
from healthsim.spec.vocab import ETHNICITIES, RACES

ID_TYPES = {"patientsim": ("HEALTHSIM", "MR"), "membersim": ("HSPLAN", "MB"), "rxmembersim": ("HSRX", "MB")}


def pid_segment(p: dict, ids: list[dict]) -> str:
    identifiers = reps(*(comp(r["identifier"], "", "", ID_TYPES[r["product"]][0], ID_TYPES[r["product"]][1])
                         for r in ids if r["product"] in ID_TYPES))
    race = RACES.get(p["race"])
    eth = ETHNICITIES.get(p["ethnicity"])
    digits = "".join(ch for ch in p["phone"] or "" if ch.isdigit())
    return segment("PID", {
        1: "1", 3: identifiers or esc(p["person_id"]),
        5: comp(p["last_name"], p["first_name"]), 7: ts(p["birth_date"]), 8: esc(p["sex"]),
        10: comp(race[0], race[1], "CDCREC") if race else "",
        11: comp(p["address_line"], "", p["city"], p["state"], p["zip"], "USA", "H", "", p["county_fips"]),
        13: comp("", "PRN", "PH", "", "", digits[:3], digits[3:]) if digits else "",
        19: esc(p["ssn"]), 22: comp(eth[0], eth[1], "CDCREC") if eth else ""})


def dg1_segments(conditions) -> list[str]:
    return [segment("DG1", {1: str(i), 3: comp(c["code"], c["description"], "I10C"),
                            5: ts(c["onset_date"]), 6: "F"})
            for i, c in enumerate(conditions, start=1)]


# X12 individual relationship (enrollments.relationship) -> HL7 table 0063
RELATIONSHIP = {"18": ("SEL", "Self"), "01": ("SPO", "Spouse"), "19": ("CHD", "Child")}


def in1_segment(span: dict, person: dict, subscriber: dict | None = None) -> str:
    """IN1 of one coverage span. The insured (IN1-16/18/43) is the policy's subscriber: the
    person themself, or for a dependent the household's subscriber, with IN1-17 the
    patient's relationship to them."""
    payer = payer_for(span["plan_id"], span["plan"])
    code, text = RELATIONSHIP.get(span.get("relationship") or "18", ("OTH", "Other"))
    insured = person if code == "SEL" or subscriber is None else subscriber
    return segment("IN1", {
        1: "1", 2: comp(span["plan_id"], span["plan"]), 3: comp(payer.payer_id), 4: comp(payer.name),
        12: ts(span["start_date"]), 13: ts(span["end_date"]), 16: comp(insured["last_name"], insured["first_name"]),
        17: comp(code, text, "HL70063"), 18: ts(insured["birth_date"]), 36: esc(span["member_id"]),
        43: esc(insured.get("sex"))})


REGISTRATION_TIME = time(8, 0)  # date-only events (coverage starts) are sent at the start of the working day


@hl7_messages("adt_a28", "adt_a08", tables={"persons": None}, optional={
    "identities": None, "conditions": None, "enrollments": None, SUBSCRIBERS: None})
def registrations(block, ctx):
    """A28 for each person and an A08 for each later coverage span, in person order."""
    def by_person(name):
        out: dict = {}
        if name in block.tables:
            for r in rows(block[name]):
                out.setdefault(r["person_id"], []).append(r)
        return out

    ids, conds, spans = by_person("identities"), by_person("conditions"), by_person("enrollments")
    subscribers = {pid: found[0] for pid, found in by_person(SUBSCRIBERS).items()}
    for p in rows(block["persons"]):
        pid = p["person_id"]
        person_spans = spans.get(pid, [])
        first = person_spans[0] if person_spans else None
        events = [("A28", first["start_date"] if first else ctx.info.as_of, first)]
        events += [("A08", s["start_date"], s) for s in person_spans[1:]]
        for n, (event, day, span) in enumerate(events):
            when = datetime.combine(day, REGISTRATION_TIME)
            if when > ctx.cutoff:
                continue
            segs = [segment("EVN", {1: event, 2: ts(when), 6: ts(when)}), pid_segment(p, ids.get(pid, []))]
            if event == "A28":
                segs.append(segment("PV1", {1: "1", 2: "N"}))
                segs += [d for d in dg1_segments(c for c in conds.get(pid, [])
                                                 if c["onset_date"] is None or c["onset_date"] <= day)]
            else:
                segs.append(segment("PV1", {1: "1", 2: "N"}))
            if span is not None:
                segs.append(in1_segment(span, p, subscribers.get(pid)))
            structure = "ADT_A05" if event == "A28" else "ADT_A01"
            yield Hl7Message(f"adt_{event.lower()}", when, ctx.control_id("adt", pid, n), "ADT", event,
                             structure, segs)
