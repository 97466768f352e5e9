"""NCPDP D.0 export: B1 billing requests and responses (B2 reversal requests
for reversed fills) from pharmacy_claims, plus the same data as a documented
pipe-delimited flat file.

Per block: `b1-requests-<block>.ncpdp`, `b1-responses-<block>.ncpdp`,
`b2-requests-<block>.ncpdp` with one transmission per line, and
`pharmacy_claims_flat-<block>.txt`; `flat_layout.csv` documents the flat
columns with the D.0 field each carries. BIN and PCN are derived from the
member's plan; the cardholder ID and person code come from the identity
crosswalk (product rxmembersim).
"""

from __future__ import annotations

import csv
import io
import zlib
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.fhir.common import rows
from healthsim.formats.ncpdp.d0 import (
    GROUP_SEP,
    clean,
    overpunch,
    request_header,
    response_header,
    segment,
)

GENDER = {"M": "1", "F": "2"}
REJECTED = {"rejected", "denied"}
FLAT_COLUMNS = [
    ("transaction_code", "header", "B1 billing (B2 reversal rows follow their B1)"),
    ("bin", "101-A1", "BIN number"), ("pcn", "104-A4", "Processor control number"),
    ("service_provider_id", "201-B1", "Pharmacy NPI (qualifier 01)"), ("ncpdp_id", "", "Pharmacy NCPDP ID"),
    ("date_of_service", "401-D1", "Fill date CCYYMMDD"), ("cardholder_id", "302-C2", "Cardholder ID"),
    ("person_code", "303-C3", "Person code"), ("group_id", "301-C1", "Group ID (plan)"),
    ("patient_last_name", "311-CB", ""), ("patient_first_name", "310-CA", ""),
    ("date_of_birth", "304-C4", "CCYYMMDD"), ("gender_code", "305-C5", "1 male, 2 female"),
    ("rx_number", "402-D2", "Prescription reference number"), ("ndc", "407-D7", "11-digit NDC, no dashes"),
    ("quantity", "442-E7", "Quantity dispensed (decimal)"), ("days_supply", "405-D5", ""),
    ("fill_number", "403-D3", "0 = original, 1.. = refills"), ("prescriber_npi", "411-DB", ""),
    ("ingredient_cost", "409-D9", "USD"), ("dispensing_fee", "412-DC", "USD"),
    ("gross_amount_due", "430-DU", "USD"), ("response_status", "112-AN", "P paid, R rejected"),
    ("patient_pay", "505-F5", "USD"), ("total_paid", "509-F9", "USD (plan paid)"),
    ("reject_code", "511-FB", "NCPDP reject code when rejected (the claim's, else 70)"), ("claim_status", "", "pharmacy_claims.status"),
]


def bin_pcn(plan_id: str | None) -> tuple[str, str]:
    h = zlib.crc32(str(plan_id or "NONE").encode())
    return f"{610000 + h % 10000:06d}", clean(f"HS{plan_id or 'RX'}")[:10]


def rx_number(claim_id) -> str:
    n = claim_id if isinstance(claim_id, int) else zlib.crc32(str(claim_id).encode())
    return str(n % 10**12)


def ndc11(ndc: str | None) -> str:
    return "".join(ch for ch in ndc or "" if ch.isdigit()).zfill(11)[:11]


def quantity(q) -> str:
    return str(round(float(q or 0) * 1000))


class Transaction:
    """One pharmacy claim's request/response pieces."""

    def __init__(self, claim: dict, person: dict, ident: dict, plan_id: str | None, pharmacy: dict):
        self.c, self.p, self.ident, self.plan_id, self.pharmacy = claim, person, ident, plan_id, pharmacy
        self.bin, self.pcn = bin_pcn(plan_id)
        self.npi = pharmacy.get("npi") or "1999999984"
        self.dos = claim["fill_date"].strftime("%Y%m%d")
        self.status = "R" if claim["status"] in REJECTED else "P"
        self.cardholder = claim.get("cardholder_id") or ident.get("identifier") or claim["member_id"]
        self.reject_code = clean(claim.get("reject_code")) or "70"

    def insurance(self) -> str:
        return segment("AM04", [("C2", clean(self.cardholder)),
                                ("CC", clean(self.p.get("first_name"))[:12]),
                                ("CD", clean(self.p.get("last_name"))[:15]), ("C1", clean(self.plan_id)),
                                ("C3", self.ident.get("person_code") or "01"), ("C6", "1")])

    def claim_segment(self) -> str:
        c = self.c
        written = c["fill_date"] - timedelta(days=int(c["refill_no"] or 0) * int(c["days_supply"] or 0))
        return segment("AM07", [("EM", "1"), ("D2", rx_number(c["claim_id"])), ("E1", "03"),
                                ("D7", ndc11(c["ndc"])), ("E7", quantity(c["quantity"])),
                                ("D3", str(int(c["refill_no"] or 0))), ("D5", str(int(c["days_supply"] or 0))),
                                ("D6", "1"), ("D8", "0"), ("DE", written.strftime("%Y%m%d")), ("DJ", "1"),
                                ("28", clean(c.get("quantity_unit"))[:2])])

    def request(self) -> str:
        p, c = self.p, self.c
        gross = float(c["ingredient_cost"] or 0) + float(c["dispensing_fee"] or 0)
        patient = segment("AM01", [("C4", p["birth_date"].strftime("%Y%m%d") if p.get("birth_date") else ""),
                                   ("C5", GENDER.get(p.get("sex"), "0")), ("CA", clean(p.get("first_name"))[:12]),
                                   ("CB", clean(p.get("last_name"))[:15]), ("CM", clean(p.get("address_line"))[:30]),
                                   ("CN", clean(p.get("city"))[:20]), ("CO", clean(p.get("state"))),
                                   ("CP", clean(p.get("zip")))])
        prescriber = segment("AM03", [("EZ", "01"), ("DB", clean(c["prescriber_npi"]))])
        pricing = segment("AM11", [("D9", overpunch(c["ingredient_cost"])), ("DC", overpunch(c["dispensing_fee"])),
                                   ("DQ", overpunch(gross)), ("DU", overpunch(gross)), ("DN", "01")])
        return (request_header(self.bin, self.pcn, self.npi, self.dos) + self.insurance() + patient
                + GROUP_SEP + self.claim_segment() + prescriber + pricing)

    def response(self) -> str:
        c = self.c
        head = response_header("A", self.npi, self.dos)
        status = [("AN", self.status), ("F3", rx_number(c["claim_id"]))]
        if self.status == "R":
            status += [("FA", "1"), ("FB", self.reject_code)]
        body = GROUP_SEP + segment("AM21", status) + segment("AM22", [("EM", "1"), ("D2", rx_number(c["claim_id"]))])
        if self.status == "P":
            body += segment("AM23", [("F5", overpunch(c["copay"])), ("F6", overpunch(c["ingredient_cost"])),
                                     ("F7", overpunch(c["dispensing_fee"])), ("F9", overpunch(c["plan_paid"])),
                                     ("FI", overpunch(c["copay"]))])
        return head + body

    def reversal(self) -> str:
        claim = segment("AM07", [("EM", "1"), ("D2", rx_number(self.c["claim_id"])), ("E1", "03"),
                                 ("D7", ndc11(self.c["ndc"])), ("D3", str(int(self.c["refill_no"] or 0)))])
        return request_header(self.bin, self.pcn, self.npi, self.dos, "B2") + self.insurance() + GROUP_SEP + claim

    def flat(self) -> list:
        c, p = self.c, self.p
        gross = round(float(c["ingredient_cost"] or 0) + float(c["dispensing_fee"] or 0), 2)
        return ["B1", self.bin, self.pcn, self.npi, self.pharmacy.get("ncpdp_id") or "", self.dos,
                self.cardholder, self.ident.get("person_code") or "01",
                self.plan_id or "", p.get("last_name"), p.get("first_name"),
                p["birth_date"].strftime("%Y%m%d") if p.get("birth_date") else "", GENDER.get(p.get("sex"), "0"),
                rx_number(c["claim_id"]), ndc11(c["ndc"]), c["quantity"], c["days_supply"], c["refill_no"],
                c["prescriber_npi"], c["ingredient_cost"], c["dispensing_fee"], gross, self.status,
                c["copay"] if self.status == "P" else 0, c["plan_paid"] if self.status == "P" else 0,
                self.reject_code if self.status == "R" else "", c["status"]]


@register
class NcpdpExporter:
    name = "ncpdp"
    description = "NCPDP Telecommunication D.0 B1 requests/responses (+B2 reversals) and a flat file"
    requires = ("persons", "pharmacy_claims")
    needs_rows = (("pharmacy_claims", {}),)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        pharmacies = {p["pharmacy_id"]: p for p in rows(source.static("pharmacies"))} \
            if source.has("pharmacies") else {}
        counts: dict[str, int] = defaultdict(int)
        tables = {"persons": None, "identities": None, "enrollments": None, "pharmacy_claims": None}
        for block in source.person_blocks(tables):
            txs = list(self._transactions(block, pharmacies))
            if not txs:
                continue
            tag = f"{block.lo:08d}-{block.hi:08d}"
            self._write(out / f"b1-requests-{tag}.ncpdp", [t.request() for t in txs])
            self._write(out / f"b1-responses-{tag}.ncpdp", [t.response() for t in txs])
            reversals = [t.reversal() for t in txs if t.c["status"] == "reversed"]
            if reversals:
                self._write(out / f"b2-requests-{tag}.ncpdp", reversals)
            buf = io.StringIO()
            writer = csv.writer(buf, delimiter="|", lineterminator="\n")
            writer.writerow([c[0] for c in FLAT_COLUMNS])
            writer.writerows(t.flat() for t in txs)
            (out / f"pharmacy_claims_flat-{tag}.txt").write_text(buf.getvalue(), encoding="utf-8")
            counts["b1_requests"] += len(txs)
            counts["b1_responses"] += len(txs)
            counts["b2_requests"] += len(reversals)
            counts["rejected"] += sum(t.status == "R" for t in txs)
            del block, txs, buf  # free this block before the next is read
        layout = io.StringIO()
        csv.writer(layout, lineterminator="\n").writerows([("column", "ncpdp_field", "description"), *FLAT_COLUMNS])
        (out / "flat_layout.csv").write_text(layout.getvalue(), encoding="utf-8")
        return dict(counts)

    @staticmethod
    def _write(path: Path, transmissions: list[str]) -> None:
        path.write_text("\n".join(transmissions) + "\n", encoding="ascii", errors="replace")

    @staticmethod
    def _transactions(block, pharmacies):
        persons = {p["person_id"]: p for p in rows(block["persons"])}
        idents = {r["person_id"]: r for r in rows(block["identities"]) if r["product"] == "rxmembersim"} \
            if "identities" in block.tables else {}
        plans: dict = {}
        if "enrollments" in block.tables:
            for e in rows(block["enrollments"], ["person_id", "plan_id"]):
                plans.setdefault(e["person_id"], e["plan_id"])
        for c in rows(block["pharmacy_claims"]):
            pid = c["person_id"]
            yield Transaction(c, persons.get(pid, {}), idents.get(pid, {}), plans.get(pid),
                              pharmacies.get(c["pharmacy_id"], {}))
