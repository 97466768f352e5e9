"""X12 5010 837P professional claims (005010X222A1) from claims and claim_lines.

One file per block of persons and payer (the interchange's receiver and loop
1000B), and inside it the HL hierarchy: 2000A billing provider ->
2000B subscriber (the member is the patient, so no 2000C) -> 2300 claims ->
2400 service lines. CLM02 is the claim's billed amount, which equals the sum
of its lines' SV102 (checked in tests). Diagnosis pointers on each line point
at the first (up to four) HI codes.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.x12.claimdata import (
    ClaimBlock,
    Party,
    claim_block,
    export_claim_blocks,
    party,
)
from healthsim.formats.x12.envelope import clean, d8, interchange, seg

VERSION = "005010X222A1"


def submitter_loops(info, payer) -> list[str]:
    ref = f"HS{info.cohort_id}{info.number('837p-bht', 10**6)}"
    return [seg("BHT", "0019", "00", ref, d8(info.stamp), info.stamp.strftime("%H%M"), "CH"),
            seg("NM1", "41", "2", "HEALTHSIM SUBMITTER", "", "", "", "", "46", "HEALTHSIM"),
            seg("PER", "IC", "HEALTHSIM EDI", "TE", "8005550100"),
            seg("NM1", "40", "2", payer.name, "", "", "", "", "46", payer.payer_id)]


def provider_loop(p: Party, entity: str) -> list[str]:
    """NM1 (+ N3/N4 address, REF tax id) of a billing (85) provider."""
    return [seg("NM1", entity, "2", clean(p.name)[:60], "", "", "", "", "XX", p.npi),
            seg("N3", clean(p.address)),
            seg("N4", clean(p.city), clean(p.state), (p.zip or "00000")[:5] + "0000"),
            seg("REF", "EI", p.tax_id)]


def subscriber_loop(cb: ClaimBlock, claim: dict, payer) -> list[str]:
    """Loop 2000B/2010BA/2010BB; person values arrive cleaned (claimdata.x12_text)."""
    person = cb.persons.get(claim["person_id"]) or {}
    plan = clean(cb.span(claim).get("plan_id"))
    return [f"SBR*P*18*{plan}******{cb.filing(claim)}",
            seg("NM1", "IL", "1", person.get("last_name"), person.get("first_name"), "", "", "", "MI",
                clean(claim["member_id"])),
            seg("N3", person.get("address_line")),
            seg("N4", person.get("city"), person.get("state"), person.get("zip")),
            seg("DMG", "D8", d8(person.get("birth_date")), person.get("sex") or "U"),
            f"NM1*PR*2*{payer.name}*****PI*{payer.payer_id}"]


def claim_loop(cb: ClaimBlock, claim: dict, billing: Party, rendering: Party | None) -> list[str]:
    lines = cb.lines.get(claim["claim_id"], [])
    pos = claim.get("place_of_service") or (lines[0].get("place_of_service") if lines else None) or "11"
    dx = cb.dx_codes(claim)
    out = [f"CLM*{clean(claim['claim_id'])}*{claim['billed_x12']}***{pos}:B:1*Y*A*Y*Y",
           "HI*" + "*".join([f"ABK:{dx[0]}", *(f"ABF:{c}" for c in dx[1:])])]
    if rendering is not None and rendering.npi != billing.npi:
        out.append(seg("NM1", "82", "1", clean(rendering.last or rendering.name), clean(rendering.first),
                       "", "", "", "XX", rendering.npi))
        if rendering.taxonomy:
            out.append(seg("PRV", "PE", "PXC", rendering.taxonomy))
    pointers = ":".join(str(i) for i in range(1, min(4, len(dx)) + 1))
    for n, line in enumerate(lines, start=1):
        proc = "HC:" + clean(line["code"])
        if line.get("modifier"):
            proc = ":".join([proc, *(clean(m) for m in line["modifier"].replace(",", " ").split()[:4])])
        when = d8(line.get("service_date") or claim["service_from"])
        units = line["units_x12"] if line["units"] else "1"
        out += [f"LX*{n}", f"SV1*{proc}*{line['billed_x12']}*UN*{units}***{pointers}",
                f"DTP*472*D8*{when}"]
    return out


def transaction(cb: ClaimBlock, claims: list[dict], info, payer, by_npi) -> list[str]:
    """One 837P transaction body (BHT..last 2400) for one payer's claims."""
    body = submitter_loops(info, payer)
    hl = 0
    subscribers: dict = {}
    by_billing: dict = defaultdict(list)
    for c in claims:
        by_billing[c["billing_npi"]].append(c)
    for npi in sorted(by_billing, key=str):
        hl += 1
        parent = hl
        body += [seg("HL", str(parent), "", "20", "1"), *provider_loop(party(by_npi, npi), "85")]
        for claim in by_billing[npi]:
            hl += 1
            body.append(seg("HL", str(hl), str(parent), "22", "0"))
            key = (claim["person_id"], claim["member_id"], cb.span(claim).get("plan_id"))
            if key not in subscribers:
                subscribers[key] = subscriber_loop(cb, claim, payer)
            body += subscribers[key]
            rendering = by_npi.get(claim.get("rendering_npi")) if claim.get("rendering_npi") else None
            body += claim_loop(cb, claim, party(by_npi, npi), rendering)
    return body


@register
class X12_837PExporter:
    name = "x12-837p"
    description = "X12 5010 837P professional claims (005010X222A1)"
    requires = ("persons", "enrollments", "claims", "claim_lines")

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        return export_claim_blocks(source, "837p", lambda block, *ctx: self._block(block, out, *ctx))

    @staticmethod
    def _block(block, out: Path, info, controls, by_npi, counts) -> None:
        cb = claim_block(block, "professional")
        by_payer: dict = defaultdict(list)
        for c in cb.claims:
            by_payer[cb.payer(c)].append(c)
        for payer, claims in sorted(by_payer.items(), key=lambda kv: kv[0].plan_id):
            text = interchange(info, controls, functional_code="HC", version=VERSION,
                               transactions=[("837", transaction(cb, claims, info, payer, by_npi))],
                               receiver=payer.payer_id)
            (out / f"837p-{payer.payer_id}-{block.lo:08d}-{block.hi:08d}.x12").write_text(text, encoding="ascii")
            counts["files"] += 1
        counts["claims"] += len(cb.claims)
        counts["lines"] += sum(len(cb.lines.get(c["claim_id"], [])) for c in cb.claims)
