"""Shared FHIR pieces: deterministic ids, references, code systems, row iteration.

Resource ids are uuid5 over a cohort namespace and (table, key): the same
cohort always gives the same ids, and a reference can be computed from a key
without a lookup table. The namespace is derived from the cohort's identity
(name, seed, as_of, size), not from its cohort_id, so regenerating the cohort
into another file gives the same ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import pyarrow as pa

from healthsim.formats.base import CohortInfo

SID = "https://healthsim.example.org/sid"
MRN_SYSTEM = f"{SID}/mrn"
MEMBER_SYSTEM = f"{SID}/member-id"
CARDHOLDER_SYSTEM = f"{SID}/cardholder-id"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
SSN_SYSTEM = "http://hl7.org/fhir/sid/us-ssn"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition"
CDCREC = "urn:oid:2.16.840.1.113883.6.238"


@dataclass
class FhirContext:
    """What resource builders share: the cohort and its id namespace."""

    info: CohortInfo
    namespace: uuid.UUID = field(init=False)

    def __post_init__(self) -> None:
        i = self.info
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL,
                                    f"healthsim:{i.name}:{i.seed}:{i.as_of}:{i.member_count}")
        self._cached = lru_cache(maxsize=65_536)(self._rid)

    def _rid(self, table: str, key: str) -> str:
        return str(uuid.uuid5(self.namespace, f"{table}/{key}"))

    def rid(self, table: str, *key) -> str:
        """Resource id of the row of `table` with this key."""
        return self._rid(table, "/".join(map(str, key)))

    def shared_rid(self, table: str, *key) -> str:
        """Like rid, cached: for the few resources many others refer to (payers, providers)."""
        return self._cached(table, "/".join(map(str, key)))

    def ref(self, resource_type: str, table: str, *key) -> dict:
        return {"reference": f"{resource_type}/{self.rid(table, *key)}"}

    def shared_ref(self, resource_type: str, table: str, *key) -> dict:
        return {"reference": f"{resource_type}/{self.shared_rid(table, *key)}"}


def rows(table: pa.Table, columns: list[str] | None = None) -> Iterator[dict]:
    """Rows of an Arrow table as dicts (columns converted once, not per cell)."""
    names = columns or table.column_names
    cols = [table.column(n).to_pylist() for n in names]
    for values in zip(*cols, strict=True):
        yield dict(zip(names, values, strict=True))


def coding(system: str, code: str, display: str | None = None) -> dict:
    c = {"system": system, "code": code}
    if display:
        c["display"] = display
    return c


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    cc = {"coding": [coding(system, code, display)]}
    if text or display:
        cc["text"] = text or display
    return cc


def identifier(system: str, value: str, type_code: str | None = None, type_display: str | None = None) -> dict:
    ident = {"system": system, "value": value}
    if type_code:
        ident = {"type": concept(V2_0203, type_code, type_display), **ident}
    return ident


def address(row: dict, use: str = "home") -> dict:
    a = {"use": use, "type": "physical", "line": [row["address_line"]], "city": row["city"],
         "state": row["state"], "postalCode": row["zip"], "country": "US"}
    return {k: v for k, v in a.items() if v not in (None, [None])}


def phone(value: str | None, use: str = "home") -> list[dict]:
    return [{"system": "phone", "value": value, "use": use}] if value else []


def iso(d) -> str | None:
    return d.isoformat() if d is not None else None


def references(obj) -> Iterator[str]:
    """Every literal reference ("Type/id") inside a resource."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "reference" and isinstance(v, str):
                yield v
            elif isinstance(v, dict | list):
                yield from references(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from references(v)
