"""NetworkSim as FHIR: Practitioner (providers), Organization (practices,
facilities, pharmacies) and Location (facilities, pharmacies).

These are shared resources: written once to NDJSON, and once to the shared
Bundle that a server loads before the patients' Bundles (which refer to them).
Each billing NPI maps to its resource (ctx.npi_refs), so claims refer to the
practice or facility that billed.
"""

from __future__ import annotations

from healthsim.formats.fhir.common import (
    NPI_SYSTEM,
    US_CORE,
    address,
    concept,
    identifier,
    phone,
    rows,
)
from healthsim.formats.fhir.registry import shared_resource

TAXONOMY = "http://nucc.org/provider-taxonomy"
ORG_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
NCPDP_SYSTEM = "https://healthsim.example.org/sid/ncpdp-id"
CCN_SYSTEM = "https://healthsim.example.org/sid/ccn"
GENDER = {"F": "female", "M": "male"}


@shared_resource("Practitioner", ("providers",))
def practitioners(static, ctx):
    for p in rows(static["providers"]):
        ctx.npi_refs.setdefault(p["npi"], ctx.shared_ref("Practitioner", "providers", p["provider_id"]))
        res = {"resourceType": "Practitioner", "id": ctx.shared_rid("providers", p["provider_id"]),
               "meta": {"profile": [f"{US_CORE}/us-core-practitioner"]},
               "identifier": [identifier(NPI_SYSTEM, p["npi"])], "active": True,
               "name": [{"family": p["last_name"], "given": [p["first_name"]],
                         **({"suffix": [p["credential"]]} if p["credential"] else {})}],
               "telecom": phone(p["phone"], "work"), "address": [address(p, "work")],
               "gender": GENDER.get(p["sex"], "unknown"),
               "qualification": [{"code": concept(TAXONOMY, p["taxonomy_code"], p["taxonomy_display"])}]}
        if not res["telecom"]:
            del res["telecom"]
        yield res


@shared_resource("Organization", ("providers",))
def practice_organizations(static, ctx):
    seen = set()
    for p in rows(static["providers"], ["practice_npi", "practice_name"]):
        npi = p["practice_npi"]
        if not npi or npi in seen:
            continue
        seen.add(npi)
        ctx.npi_refs[npi] = ctx.shared_ref("Organization", "practices", npi)
        yield {"resourceType": "Organization", "id": ctx.shared_rid("practices", npi),
               "meta": {"profile": [f"{US_CORE}/us-core-organization"]},
               "identifier": [identifier(NPI_SYSTEM, npi)], "active": True,
               "type": [concept(ORG_TYPE, "prov", "Healthcare Provider")], "name": p["practice_name"]}


def _org(row: dict, ctx, table: str, key: str, extra_ids: list[dict]) -> dict:
    res = {"resourceType": "Organization", "id": ctx.shared_rid(table, row[key]),
           "meta": {"profile": [f"{US_CORE}/us-core-organization"]},
           "identifier": [identifier(NPI_SYSTEM, row["npi"]), *extra_ids], "active": True,
           "type": [concept(ORG_TYPE, "prov", "Healthcare Provider")], "name": row["name"],
           "telecom": phone(row["phone"], "work"), "address": [address(row, "work")]}
    if not res["telecom"]:
        del res["telecom"]
    return res


def _location(row: dict, ctx, table: str, key: str) -> dict:
    res = {"resourceType": "Location", "id": ctx.shared_rid(f"{table}-location", row[key]),
           "meta": {"profile": [f"{US_CORE}/us-core-location"]},
           "status": "active", "name": row["name"], "mode": "instance",
           "type": [concept(TAXONOMY, row["taxonomy_code"], row["taxonomy_display"])] if row["taxonomy_code"] else [],
           "telecom": phone(row["phone"], "work"), "address": address(row, "work"),
           "managingOrganization": ctx.shared_ref("Organization", table, row[key])}
    if row.get("latitude") is not None:
        res["position"] = {"latitude": row["latitude"], "longitude": row["longitude"]}
    return {k: v for k, v in res.items() if v != []}


@shared_resource("PractitionerRole", ("providers",))
def practitioner_roles(static, ctx):
    """Each clinician at their practice, with their specialty (NUCC taxonomy)."""
    for p in rows(static["providers"]):
        res = {"resourceType": "PractitionerRole", "id": ctx.shared_rid("provider-roles", p["provider_id"]),
               "meta": {"profile": [f"{US_CORE}/us-core-practitionerrole"]}, "active": True,
               "practitioner": ctx.shared_ref("Practitioner", "providers", p["provider_id"]),
               "specialty": [concept(TAXONOMY, p["taxonomy_code"], p["taxonomy_display"])],
               "telecom": phone(p["phone"], "work")}
        if p["practice_npi"]:
            res["organization"] = ctx.shared_ref("Organization", "practices", p["practice_npi"])
        if not res["telecom"]:
            del res["telecom"]
        yield res


@shared_resource("Organization", ("facilities",))
def facility_organizations(static, ctx):
    for f in rows(static["facilities"]):
        ctx.npi_refs[f["npi"]] = ctx.shared_ref("Organization", "facilities", f["facility_id"])
        yield _org(f, ctx, "facilities", "facility_id", [{"system": CCN_SYSTEM, "value": f["ccn"]}] if f["ccn"] else [])


@shared_resource("Location", ("facilities",))
def facility_locations(static, ctx):
    for f in rows(static["facilities"]):
        yield _location(f, ctx, "facilities", "facility_id")


@shared_resource("Organization", ("pharmacies",))
def pharmacy_organizations(static, ctx):
    for p in rows(static["pharmacies"]):
        p = {**p, "taxonomy_display": None}
        ctx.npi_refs[("pharmacy", p["pharmacy_id"])] = ctx.shared_ref("Organization", "pharmacies", p["pharmacy_id"])
        yield _org(p, ctx, "pharmacies", "pharmacy_id", [{"system": NCPDP_SYSTEM, "value": p["ncpdp_id"]}])


@shared_resource("Location", ("pharmacies",))
def pharmacy_locations(static, ctx):
    for p in rows(static["pharmacies"]):
        yield _location({**p, "taxonomy_display": "Pharmacy"}, ctx, "pharmacies", "pharmacy_id")
