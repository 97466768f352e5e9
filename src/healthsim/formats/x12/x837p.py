"""X12 5010 837P professional claims (005010X222A1) from claims and claim_lines.

One file per block of persons and payer: an interchange from the submitter to
the payer (the receiver, and loop 1000B), with one ST/SE per `claims_per_st`
claims (default 5,000, the guide's recommended maximum), each holding the HL
hierarchy 2000A billing provider -> 2000B subscriber (the member is the
patient, so no 2000C) -> 2300 claims -> 2400 service lines.

Each claim is written as every submission the provider made (x12/variety.py):
usually one original (CLM05-3 = 1); a corrected claim is its first version
followed by the replacement (7, REF*F8 = the payer's control number of the
first); a voided duplicate is the claim, the duplicate and its void (8). The
final version's CLM02 is the table's billed amount and equals the sum of its
lines' SV102 (checked in tests). A dual-eligible member's claims carry loop
2320/2330 naming the state Medicaid program as the other (secondary) payer.
Diagnosis pointers on each line point at the first (up to four) HI codes. A
claim of a visit the payer certified in advance carries REF*G1 with the
certification number of its 278 (x12/prior_auth.py).
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.x12.claimdata import (
    ClaimBlock,
    ExportRun,
    Party,
    claim_block,
    export_claim_blocks,
    party,
)
from healthsim.formats.x12.envelope import (
    SUBMITTER_ID,
    Route,
    chunks,
    clean,
    d8,
    interchange,
    money,
    seg,
)
from healthsim.formats.x12.variety import Version

VERSION = "005010X222A1"


def submitter_loops(info, payer, n: int = 1) -> list[str]:
    ref = f"HS{info.cohort_id}{info.number('837p-bht', 10**6)}{n:04d}"
    return [seg("BHT", "0019", "00", ref, d8(info.stamp), info.stamp.strftime("%H%M"), "CH"),
            seg("NM1", "41", "2", "HEALTHSIM SUBMITTER", "", "", "", "", "46", SUBMITTER_ID),
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
    return [f"SBR*P*18*{plan}******{cb.sbr09(claim)}",
            seg("NM1", "IL", "1", person.get("last_name"), person.get("first_name"), "", "", "", "MI",
                clean(claim["member_id"])),
            seg("N3", person.get("address_line")),
            seg("N4", person.get("city"), person.get("state"), person.get("zip")),
            seg("DMG", "D8", d8(person.get("birth_date")), person.get("sex") or "U"),
            f"NM1*PR*2*{payer.name}*****PI*{payer.payer_id}"]


def other_payer_loops(cb: ClaimBlock, claim: dict) -> list[str]:
    """Loops 2320/2330A/2330B: the other payer of a member with coordination of benefits
    (a dual-eligible member's state Medicaid program, secondary to the D-SNP)."""
    other = cb.secondary_payer(claim)
    if other is None:
        return []
    person = cb.persons.get(claim["person_id"]) or {}
    return [seg("SBR", "S", "18", "", "", "", "", "", "", "MC"),
            seg("OI", "", "", "Y", "", "", "Y"),
            seg("NM1", "IL", "1", person.get("last_name"), person.get("first_name"), "", "", "", "MI",
                clean(claim["member_id"])),
            seg("NM1", "PR", "2", other.name, "", "", "", "", "PI", other.payer_id)]


def claim_header(v: Version, facility_code: str, qualifier: str) -> list[str]:
    """CLM (+ REF*F8 for a replacement or void) of one submission."""
    out = [f"CLM*{clean(v.pcn)}*{money(v.billed)}***{facility_code}:{qualifier}:{v.frequency}*Y*A*Y*Y"]
    return out


def claim_refs(cb: ClaimBlock, claim: dict, v: Version) -> list[str]:
    """REF*G1 (prior authorization, when the visit was certified: x12/prior_auth.py) and
    REF*F8 (the claim a replacement or void refers to), in the guides' order."""
    out = []
    number = cb.auth_numbers.get(claim["claim_id"])
    if number:
        out.append(f"REF*G1*{number}")
    if v.ref_icn:
        out.append(f"REF*F8*{clean(v.ref_icn)}")
    return out


def claim_loop(cb: ClaimBlock, claim: dict, v: Version, billing: Party, rendering: Party | None) -> list[str]:
    lines = v.lines
    pos = claim.get("place_of_service") or (lines[0].get("place_of_service") if lines else None) or "11"
    dx = cb.dx_codes(claim, limit=v.dx_limit)
    out = claim_header(v, pos, "B")
    out += claim_refs(cb, claim, v)
    out.append("HI*" + "*".join([f"ABK:{dx[0]}", *(f"ABF:{c}" for c in dx[1:])]))
    if rendering is not None and rendering.npi != billing.npi:
        out += rendering_loop(rendering)
    out += other_payer_loops(cb, claim)
    pointers = POINTERS[min(4, len(dx))]
    service_from = claim["service_from"]
    for n, line in enumerate(lines, start=1):
        proc = line["proc_x12"]
        when = line.get("service_date") or service_from
        units = line["units_x12"] if line["units"] else "1"
        out += [f"LX*{n}", f"SV1*{proc}*{line['billed_x12']}*UN*{units}***{pointers}",
                f"DTP*472*D8*{when}"]
    return out


POINTERS = {n: ":".join(str(i) for i in range(1, n + 1)) for n in range(5)}


@lru_cache(maxsize=65536)
def rendering_loop(rendering: Party) -> tuple[str, ...]:
    """Loop 2310B (NM1*82, PRV) of a rendering provider: the same segments for all their claims."""
    out = [seg("NM1", "82", "1", clean(rendering.last or rendering.name), clean(rendering.first),
               "", "", "", "XX", rendering.npi)]
    if rendering.taxonomy:
        out.append(seg("PRV", "PE", "PXC", rendering.taxonomy))
    return tuple(out)


def submissions(cb: ClaimBlock, claims: list[dict]) -> list[tuple[dict, Version]]:
    """Every (claim, version) the provider sent, claim by claim."""
    return [(c, v) for c in claims for v in cb.versions(c)]


def transaction(cb: ClaimBlock, items: list[tuple[dict, Version]], info, payer, by_npi, n: int = 1) -> list[str]:
    """One 837P transaction body (BHT..last 2400) for some of one payer's submissions."""
    body = submitter_loops(info, payer, n)
    hl = 0
    subscribers: dict = {}
    by_billing: dict = defaultdict(list)
    for c, v in items:
        by_billing[c["billing_npi"]].append((c, v))
    for npi in sorted(by_billing, key=str):
        hl += 1
        parent = hl
        body += [seg("HL", str(parent), "", "20", "1"), *provider_loop(party(by_npi, npi), "85")]
        for claim, v in by_billing[npi]:
            hl += 1
            body.append(f"HL*{hl}*{parent}*22*0")
            key = (claim["person_id"], claim["member_id"], cb.span(claim).get("plan_id"))
            loop = subscribers.get(key)
            if loop is None:
                loop = subscribers[key] = subscriber_loop(cb, claim, payer)
            body += loop
            rendering = by_npi.get(claim.get("rendering_npi")) if claim.get("rendering_npi") else None
            body += claim_loop(cb, claim, v, party(by_npi, npi), rendering)
    return body


def write_claim_files(cb: ClaimBlock, block, run: ExportRun, prefix: str, version: str, build) -> None:
    """One file per payer: its submissions in ST/SE sets of `claims_per_st` claims each."""
    by_payer: dict = defaultdict(list)
    for c in cb.claims:
        by_payer[cb.payer(c)].append(c)
    per_st = run.options.claims_per_st
    for payer, claims in sorted(by_payer.items(), key=lambda kv: kv[0].plan_id):
        items = submissions(cb, claims)
        txs = [("837", build(cb, part, payer, n)) for n, part in enumerate(chunks(items, per_st), start=1)]
        route = Route.of(run.options, SUBMITTER_ID, payer.payer_id)
        text = interchange(run.info, run.controls, route, functional_code="HC", version=version, transactions=txs)
        (run.out / f"{prefix}-{payer.payer_id}-{block.lo:08d}-{block.hi:08d}.x12").write_text(text, encoding="ascii")
        run.counts["files"] += 1
        run.counts["transactions"] += len(txs)
        for _, v in items:
            run.counts[{"1": "originals", "7": "replacements", "8": "voids"}[v.frequency]] += 1
    run.counts["claims"] += len(cb.claims)
    run.counts["lines"] += sum(len(cb.lines.get(c["claim_id"], [])) for c in cb.claims)


@register
class X12_837PExporter:
    name = "x12-837p"
    description = "X12 5010 837P professional claims (005010X222A1)"
    requires = ("persons", "enrollments", "claims", "claim_lines")
    needs_rows = (("claims", {"claim_type": "professional"}),)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        return export_claim_blocks(source, "837p", self._block, out, encounters=True)

    @staticmethod
    def _block(block, run: ExportRun) -> None:
        cb = claim_block(block, "professional", run.info, run.options)
        info, by_npi = run.info, run.by_npi
        write_claim_files(cb, block, run, "837p", VERSION,
                          lambda cb, part, payer, n: transaction(cb, part, info, payer, by_npi, n))
