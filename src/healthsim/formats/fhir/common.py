"""Shared FHIR pieces: deterministic ids, references, code systems, row iteration.

Resource ids are uuid5 over a cohort namespace and (table, key): the same
cohort always gives the same ids, and a reference can be computed from a key
without a lookup table. The namespace is derived from the cohort's identity
(name, seed, as_of, size), not from its cohort_id, so regenerating the cohort
into another file gives the same ids.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat

import pyarrow as pa
import pyarrow.compute as pc

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
ROWS_PER_BATCH = 8192  # rows turned into Python objects at a time: bounds memory per block


@dataclass
class FhirContext:
    """What resource builders share: the cohort and its id namespace."""

    info: CohortInfo
    namespace: uuid.UUID = field(init=False)
    npi_refs: dict = field(default_factory=dict)  # NPI -> reference of its shared Practitioner/Organization

    def __post_init__(self) -> None:
        i = self.info
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL,
                                    f"healthsim:{i.name}:{i.seed}:{i.as_of}:{i.member_count}")
        self._ns = self.namespace.bytes
        self.key = self._ns  # key of the derived facts (formats/derived): same cohort, same facts
        self.as_of_text = i.as_of.isoformat()
        # Patients and encounters are referred to by many resources: cache recent ids.
        self._cached = lru_cache(maxsize=1 << 17)(self._rid)
        self._cached_ref = lru_cache(maxsize=1 << 16)(self._ref)

    def _rid(self, table: str, key: str) -> str:
        return uuid5_str(self._ns, f"{table}/{key}")

    def rid(self, table: str, *key) -> str:
        """Resource id of the row of `table` with this key (uuid5, as uuid.uuid5 gives)."""
        return self._cached(table, str(key[0]) if len(key) == 1 else "/".join(map(str, key)))

    shared_rid = rid

    def ref(self, resource_type: str, table: str, *key) -> dict:
        """{"reference": "Type/id"}; the same (immutable by convention) dict is reused."""
        return self._cached_ref(resource_type, table, str(key[0]) if len(key) == 1 else "/".join(map(str, key)))

    def _ref(self, resource_type: str, table: str, key: str) -> dict:
        return {"reference": f"{resource_type}/{self._cached(table, key)}"}

    shared_ref = ref

    def provider_ref(self, npi: str | None) -> dict:
        """The shared resource of a billing NPI (practice, facility or clinician), else a
        logical reference by NPI identifier."""
        found = self.npi_refs.get(npi) if npi else None
        return found if found is not None else {"identifier": {"system": NPI_SYSTEM, "value": npi or "unknown"}}

    def after_as_of(self, when: str | None) -> bool:
        """ISO date or dateTime strings compare in order: anything after the as_of day."""
        return when is not None and when[:10] > self.as_of_text


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}  # RFC 4122 variant nibble
_sha1 = hashlib.sha1


def uuid5_str(namespace: bytes, name: str) -> str:
    """str(uuid.uuid5(ns, name)) without building UUID objects (4x faster on the hot path):
    the SHA-1 hex digest with the version nibble 5 and the variant bits 10 set."""
    x = _sha1(namespace + name.encode()).hexdigest()
    return f"{x[:8]}-{x[8:12]}-5{x[13:16]}-{_VARIANT[x[16]]}{x[17:20]}-{x[20:32]}"


def rows(table: pa.Table, columns: list[str] | None = None, iso: bool = False) -> Iterator[dict]:
    """Rows of an Arrow table as dicts (columns converted once, not per cell).

    With iso=True, dates become 'YYYY-MM-DD' and timestamps 'YYYY-MM-DDThh:mm:ssZ'
    strings, formatted by Arrow for the whole column (FHIR's formats)."""
    names = columns or table.column_names
    keys = tuple(names)
    for batch in table.select(names).to_batches(max_chunksize=ROWS_PER_BATCH):
        lists = [(_iso_column(c) if iso else c).to_pylist() for c in batch.columns]
        yield from map(dict, map(zip, repeat(keys), zip(*lists)))


def _iso_column(col):
    if pa.types.is_timestamp(col.type):
        seconds = col.cast(pa.timestamp("s", col.type.tz), safe=False)
        if col.type.tz is not None:
            return pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%SZ")
        # naive times (the canonical tables'): the ISO cast with T and Z, 2x faster than strftime
        return pc.binary_join_element_wise(pc.replace_substring(seconds.cast(pa.string()), " ", "T"),
                                           pa.scalar("Z"), "")
    if pa.types.is_date(col.type):
        return col.cast(pa.string())
    return col


def coding(system: str, code: str, display: str | None = None) -> dict:
    c = {"system": system, "code": code}
    if display:
        c["display"] = display
    return c


@lru_cache(maxsize=1 << 16)
def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    """A CodeableConcept; the same dict for the same arguments (resources are serialised as
    they are built and never changed after, like the references)."""
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
    return d if d is None or isinstance(d, str) else d.isoformat()


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
