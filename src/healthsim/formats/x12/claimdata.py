"""What the 837 and 835 writers need beside the claim rows, read once per block.

Claims name their member (member_id) and billing NPI; the payer and claim
filing indicator come from the member's enrollment span, names and addresses
of billing and rendering providers from NetworkSim, diagnoses from the
encounter's coded diagnoses (else the member's conditions). Optional claim
columns (place_of_service, rendering_npi, diagnosis_codes, type_of_bill...)
are used when the claims table has them, so the writers work with the
minimal column set of the cross-domain issue and improve as columns land.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from healthsim.formats.base import Block, CohortSource
from healthsim.formats.fhir.common import rows
from healthsim.formats.options import DEFAULT as DEFAULT_OPTIONS
from healthsim.formats.payers import Payer, payer_for
from healthsim.formats.x12 import filing, prior_auth, variety
from healthsim.formats.x12.envelope import ControlNumbers

PERSON_COLUMNS = ["person_id", "first_name", "last_name", "sex", "birth_date", "address_line", "city",
                  "state", "zip"]
TEXT_COLUMNS = ("first_name", "last_name", "address_line", "city", "state")
CLAIM_TABLES = {"persons": None, "enrollments": None, "claims": None,
                "claim_lines": ("claims", "claim_id"), "diagnoses": None, "conditions": None, "encounters": None}
ENCOUNTER_COLUMNS = ["encounter_id", "type", "admission_type", "discharge_disposition"]


@dataclass(frozen=True)
class Party:
    """A billing, rendering or payee provider as the X12 loops need it."""

    npi: str
    name: str
    last: str = ""
    first: str = ""
    address: str = "1 MAIN ST"
    city: str = "ANYTOWN"
    state: str = "CT"
    zip: str = "06101"
    taxonomy: str = ""
    tax_id: str = ""
    person: bool = False


def claim_tables(source: CohortSource, encounters: bool = False) -> dict:
    """Tables a claim writer reads per block: diagnoses and conditions only when the
    claims table lacks diagnosis_codes, encounters only when asked (837I)."""
    tables = {k: v for k, v in CLAIM_TABLES.items() if k != "encounters" or encounters}
    if "diagnosis_codes" in source.store.table_columns("claims"):
        tables.pop("diagnoses")
        tables.pop("conditions")
    return tables


def parties(source: CohortSource) -> dict[str, Party]:
    """NPI -> Party for practices, individual providers and facilities of the network."""
    out: dict[str, Party] = {}
    if source.has("facilities"):
        for f in rows(source.static("facilities")):
            out[f["npi"]] = Party(f["npi"], f["name"], address=f["address_line"], city=f["city"],
                                  state=f["state"], zip=f["zip"], taxonomy=f["taxonomy_code"] or "",
                                  tax_id=_tax_id(f["npi"]))
    if source.has("providers"):
        for p in rows(source.static("providers")):
            common = {"address": p["address_line"], "city": p["city"], "state": p["state"], "zip": p["zip"],
                          "taxonomy": p["taxonomy_code"] or ""}
            out[p["npi"]] = Party(p["npi"], f"{p['first_name']} {p['last_name']}", p["last_name"],
                                  p["first_name"], tax_id=_tax_id(p["npi"]), person=True, **common)
            if p["practice_npi"] and p["practice_npi"] not in out:
                out[p["practice_npi"]] = Party(p["practice_npi"], p["practice_name"] or "PRACTICE",
                                               tax_id=_tax_id(p["practice_npi"]), **common)
    return out


def party(parties_by_npi: dict[str, Party], npi: str | None) -> Party:
    npi = npi or "1999999984"
    return parties_by_npi.get(npi) or Party(npi, f"PROVIDER {npi}", tax_id=_tax_id(npi))


def _tax_id(npi: str) -> str:
    return f"{(int(npi) * 7) % 900_000_000 + 100_000_000:09d}" if npi and npi.isdigit() else "123456789"


@dataclass
class ClaimBlock:
    """One block's claims with their lines, members, payers and diagnoses."""

    claims: list[dict]
    lines: dict[object, list[dict]]
    persons: dict[int, dict]
    coverage: dict[str, list[dict]]    # member_id -> enrollment spans (plan, coverage type)
    diagnoses: dict[object, list[str]]  # encounter_id -> ICD-10-CM codes in rank order
    conditions: dict[int, list[str]]    # person_id -> condition codes
    encounters: dict = field(default_factory=dict)  # encounter_id -> type, admission_type, disposition
    auths: list = field(default_factory=list)        # prior authorizations of the block's visits
    auth_numbers: dict = field(default_factory=dict)  # claim_id -> certification number (837 REF*G1)
    _spans: dict = field(default_factory=dict)

    def span(self, claim: dict) -> dict:
        """The member's enrollment span on the service date (else their first span); memoised."""
        key = (claim["member_id"], claim.get("service_from"))
        found = self._spans.get(key)
        if found is None:
            spans = self.coverage.get(claim["member_id"]) or [{}]
            when = claim.get("service_from")
            found = next((s for s in spans if when is not None and s["start_date"] <= when <= s["end_date"]),
                         spans[0])
            self._spans[key] = found
        return found

    def payer(self, claim: dict) -> Payer:
        span = self.span(claim)
        return payer_for(span.get("plan_id"), span.get("plan"))

    def sbr09(self, claim: dict) -> str:
        """837 claim filing indicator (SBR09) for the claim's coverage and type."""
        return filing.sbr09(self.span(claim).get("coverage_type"), claim.get("claim_type"))

    def clp06(self, claim: dict) -> str:
        """835 claim filing indicator (CLP06): its own code list (no CI), see filing.py."""
        span = self.span(claim)
        return filing.clp06(span.get("coverage_type"), claim.get("claim_type"), span.get("plan"))

    def secondary_payer(self, claim: dict) -> Payer | None:
        """The payer after the primary (coordination of benefits): a dual-eligible member's
        state Medicaid program; None for everyone else."""
        if self.span(claim).get("coverage_type") != "dual":
            return None
        return variety.medicaid_payer((self.persons.get(claim["person_id"]) or {}).get("state"))

    def versions(self, claim: dict) -> list[variety.Version]:
        return variety.versions(claim, self.lines.get(claim["claim_id"], []),
                                cob=self.span(claim).get("coverage_type") == "dual")

    def dx_codes(self, claim: dict, limit: int = 12) -> list[str]:
        codes = claim.get("diagnosis_codes")
        if isinstance(codes, str) and codes.strip():
            found = codes.replace(",", " ").split()
        else:
            found = self.diagnoses.get(claim.get("encounter_id")) or self.conditions.get(claim["person_id"]) or []
        out = []
        for c in found:
            c = c.replace(".", "").upper()
            if c and c not in out:
                out.append(c)
        return out[:limit] or ["R69"]


def claim_block(block: Block, claim_type: str | None, info=None, options=None) -> ClaimBlock:
    """The block's claims of one type (None: all types) with what their loops need.

    Related tables are filtered in Arrow to the claims' persons, encounters and
    claim ids before any row becomes a Python object. With the cohort and export
    options, each claim also gets its variety (corrected, voided duplicate) and
    the dates of its extra versions (variety.py)."""
    table = block["claims"]
    auths: list = []
    if "encounters" in block.tables and "encounter_id" in table.column_names:
        auths = prior_auth.authorizations(table, block["claim_lines"], block["encounters"])
    numbers = prior_auth.certified_claims(auths, table) if auths else {}
    if claim_type is not None:
        table = table.filter(pc.equal(table.column("claim_type"), claim_type))
    if info is not None:
        opts = options or DEFAULT_OPTIONS
        table = variety.add_variety(table, info.number("claim-variety", 2**61), opts.corrected_share,
                                    opts.void_share)
    claims = list(rows(x12_money(x12_dates(table), ["billed"])))
    people = table.column("person_id")
    lines: dict = defaultdict(list)
    line_table = _only(block["claim_lines"], "claim_id", table.column("claim_id"))
    for line in rows(x12_procedures(x12_money(x12_dates(line_table), ["billed", "units"]))):
        lines[line["claim_id"]].append(line)
    coverage: dict = defaultdict(list)
    for span in rows(x12_dates(_only(block["enrollments"], "person_id", people))):
        coverage[span["member_id"]].append(span)
    dx: dict = {}
    if "diagnoses" in block.tables and "encounter_id" in table.column_names:
        dx = _codes_by(_only(block["diagnoses"], "encounter_id", table.column("encounter_id")), "encounter_id")
    cond: dict = {}
    if "conditions" in block.tables:
        cond = _codes_by(_only(block["conditions"], "person_id", people), "person_id")
    who = _only(block["persons"], "person_id", people).select(PERSON_COLUMNS)
    persons = {p["person_id"]: p for p in rows(x12_text(x12_dates(who), TEXT_COLUMNS))}
    visits: dict = {}
    if "encounters" in block.tables and "encounter_id" in table.column_names:
        found = _only(block["encounters"], "encounter_id", table.column("encounter_id")).select(ENCOUNTER_COLUMNS)
        visits = {e["encounter_id"]: e for e in rows(found)}
    return ClaimBlock(claims, lines, persons, coverage, dx, cond, visits, auths, numbers)


def _codes_by(table: pa.Table, key: str) -> dict:
    """key -> list of codes in table order (an Arrow group-by, no row objects)."""
    grouped = pa.TableGroupBy(table.select([key, "code"]), key, use_threads=False).aggregate([("code", "list")])
    return dict(zip(grouped.column(key).to_pylist(), grouped.column("code_list").to_pylist(), strict=True))


def _only(table: pa.Table, column: str, values) -> pa.Table:
    """Rows of `table` whose `column` is among `values` (an Arrow column)."""
    keys = pc.unique(values.drop_null() if hasattr(values, "drop_null") else values)
    return table.filter(pc.is_in(table.column(column), value_set=keys.cast(table.schema.field(column).type)))


def x12_dates(table: pa.Table) -> pa.Table:
    """Date columns as CCYYMMDD strings, formatted by Arrow (they still sort and compare in order).
    The ISO cast without its dashes: 3x faster than pc.strftime, same text."""
    for i, f in enumerate(table.schema):
        if pa.types.is_date(f.type):
            table = table.set_column(i, f.name, pc.replace_substring(table.column(i).cast(pa.string()), "-", ""))
    return table


def x12_text(table: pa.Table, columns) -> pa.Table:
    """envelope.clean() for whole columns: upper case, delimiters to spaces, trimmed."""
    for name in columns:
        i = table.schema.get_field_index(name)
        col = pc.replace_substring_regex(pc.utf8_upper(table.column(i)), pattern=r"[*~:^\r\n]", replacement=" ")
        table = table.set_column(i, name, pc.utf8_trim_whitespace(col))
    return table


def x12_procedures(table: pa.Table) -> pa.Table:
    """Add 'proc_x12': the SV1/SV2 procedure composite HC:code[:modifier...] (up to four
    modifiers from a comma- or space-separated list), cleaned like envelope.clean()."""
    code = pc.utf8_trim_whitespace(pc.replace_substring_regex(
        pc.utf8_upper(pc.fill_null(table.column("code"), "")), pattern=r"[^ -~]|[*~:^]", replacement=" "))
    if "modifier" in table.column_names:
        mods = pc.utf8_upper(pc.fill_null(table.column("modifier"), ""))
        mods = pc.replace_substring_regex(mods, pattern=r"[^ -~]|[*~:^]", replacement=" ")
        parts = pc.list_slice(pc.split_pattern_regex(pc.utf8_trim(mods, characters=" ,"), pattern=r"[,\s]+"),
                              0, 4)
        joined = pc.binary_join(parts, ":")
        code = pc.if_else(pc.equal(joined, ""), code, pc.binary_join_element_wise(code, joined, ":"))
    return table.append_column("proc_x12", pc.binary_join_element_wise(pa.scalar("HC"), code, ":"))


def x12_money(table: pa.Table, columns) -> pa.Table:
    """Add '<column>_x12' strings: the amount as envelope.money() writes it, formatted by Arrow."""
    for name in columns:
        col = pc.round(table.column(name).fill_null(0), 2, round_mode="half_up")  # amounts are cents already
        text = pc.if_else(pc.equal(col, 0), "0", col.cast(pa.string()))
        table = table.append_column(f"{name}_x12", text)
    return table


@dataclass
class ExportRun:
    """What a claim-file exporter's block writer needs besides the block."""

    source: CohortSource
    out: object
    controls: ControlNumbers
    by_npi: dict[str, Party]
    counts: dict[str, int]
    extra: dict = field(default_factory=dict)

    @property
    def info(self):
        return self.source.info

    @property
    def options(self):
        return self.source.options


def export_claim_blocks(source: CohortSource, control_key: str, write_block, out,
                        encounters: bool = False, **extra) -> dict[str, int]:
    """The loop every X12 claim-file exporter shares: person blocks of the claim
    tables, one shared set of control numbers and billing parties, counts added up.

    `write_block(block, run)` writes one block's files (run: ExportRun).
    Each block is dropped before the next is read, so memory stays flat.
    """
    run = ExportRun(source, out, ControlNumbers(source.info, control_key), parties(source), defaultdict(int), extra)
    for block in source.person_blocks(claim_tables(source, encounters=encounters)):
        write_block(block, run)
        del block
    return dict(run.counts)
