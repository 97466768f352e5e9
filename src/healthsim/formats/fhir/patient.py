"""Patient (US Core): identifiers from the identity crosswalk, race and
ethnicity extensions with CDC codes, birth sex, name, telecom, address, PCP.

Race: the five OMB categories go in `ombCategory`; 'other' carries the CDC
code 2131-1 as a `detailed` coding; 'two_or_more' has no single code in the
CDC set, so it is given as text only (US Core requires only the text).
"""

from __future__ import annotations

from healthsim.formats.fhir.common import (
    CARDHOLDER_SYSTEM,
    CDCREC,
    MEMBER_SYSTEM,
    MRN_SYSTEM,
    SSN_SYSTEM,
    US_CORE,
    address,
    coding,
    identifier,
    iso,
    phone,
    rows,
)
from healthsim.formats.fhir.registry import group, person_resource
from healthsim.spec.vocab import ETHNICITIES, RACES

OMB_RACES = {"american_indian_or_alaska_native", "asian", "black", "native_hawaiian_or_pacific_islander", "white"}
GENDER = {"F": "female", "M": "male"}
ID_TYPES = {"patientsim": (MRN_SYSTEM, "MR", "Medical record number"),
            "membersim": (MEMBER_SYSTEM, "MB", "Member Number"),
            "rxmembersim": (CARDHOLDER_SYSTEM, "MB", "Member Number")}


def race_extension(race: str | None) -> dict | None:
    if race not in RACES:
        return None
    code, display = RACES[race]
    parts = []
    if race in OMB_RACES:
        parts.append({"url": "ombCategory", "valueCoding": coding(CDCREC, code, display)})
    elif race == "other":
        parts.append({"url": "detailed", "valueCoding": coding(CDCREC, code, display)})
    parts.append({"url": "text", "valueString": display})
    return {"url": f"{US_CORE}/us-core-race", "extension": parts}


def ethnicity_extension(ethnicity: str | None) -> dict | None:
    if ethnicity not in ETHNICITIES:
        return None
    code, display = ETHNICITIES[ethnicity]
    return {"url": f"{US_CORE}/us-core-ethnicity", "extension": [
        {"url": "ombCategory", "valueCoding": coding(CDCREC, code, display)},
        {"url": "text", "valueString": display}]}


def identifiers(person: dict, ids: list[dict]) -> list[dict]:
    out = []
    for row in ids:
        system, code, display = ID_TYPES.get(row["product"], (None, None, None))
        if system:
            out.append(identifier(system, row["identifier"], code, display))
    if person.get("ssn"):
        out.append(identifier(SSN_SYSTEM, person["ssn"].replace("-", ""), "SS", "Social Security number"))
    return out


@person_resource("Patient", {"persons": None}, optional={"identities": None, "pcp_attributions": None})
def patients(block, ctx):
    ids = group(block["identities"]) if "identities" in block.tables else {}
    pcps = ({r["person_id"]: r["provider_id"] for r in rows(block["pcp_attributions"], ["person_id", "provider_id"])}
            if "pcp_attributions" in block.tables else {})
    for p in rows(block["persons"], iso=True):
        pid = p["person_id"]
        ext = [e for e in (race_extension(p["race"]), ethnicity_extension(p["ethnicity"])) if e]
        if p["sex"] in GENDER:
            ext.append({"url": f"{US_CORE}/us-core-birthsex", "valueCode": p["sex"]})
        res = {"resourceType": "Patient", "id": ctx.rid("persons", pid),
               "meta": {"profile": [f"{US_CORE}/us-core-patient"]}, "extension": ext,
               "identifier": identifiers(p, ids.get(pid, [])),
               "name": [{"use": "official", "family": p["last_name"], "given": [p["first_name"]]}],
               "telecom": phone(p["phone"]), "gender": GENDER.get(p["sex"], "unknown"),
               "birthDate": iso(p["birth_date"]), "address": [address(p)]}
        if not res["telecom"]:
            del res["telecom"]
        if pid in pcps:
            res["generalPractitioner"] = [ctx.shared_ref("Practitioner", "providers", pcps[pid])]
        yield pid, res
