"""Which FHIR resources are built from which canonical tables.

A *person* builder turns one block of person-keyed tables into resources
that belong to a patient (Patient, Condition, Coverage, Encounter, ...); a
*shared* builder turns a static table into resources many patients refer to
(payer and provider Organizations, Practitioners, Locations). A builder is
active only when its required tables are in the store, so a resource type
slots in by adding one decorated function in a module listed in
fhir/__init__.py, and appears in NDJSON, the Bundles and the tests at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from healthsim.formats.base import Block
from healthsim.formats.fhir.common import FhirContext

Via = tuple[str, str] | None


@dataclass(frozen=True)
class PersonBuilder:
    resource_type: str
    tables: dict[str, Via]
    optional: dict[str, Via]
    build: Callable[[Block, FhirContext], Iterator[tuple[int, dict]]]


@dataclass(frozen=True)
class SharedBuilder:
    resource_type: str
    tables: tuple[str, ...]
    build: Callable[[dict[str, pa.Table], FhirContext], Iterator[dict]]
    optional: tuple[str, ...] = field(default=())


PERSON_BUILDERS: list[PersonBuilder] = []
SHARED_BUILDERS: list[SharedBuilder] = []


def person_resource(resource_type: str, tables: dict[str, Via], optional: dict[str, Via] | None = None):
    """Register fn(block, ctx) -> iterator of (person_id, resource)."""
    def deco(fn):
        PERSON_BUILDERS.append(PersonBuilder(resource_type, dict(tables), dict(optional or {}), fn))
        return fn
    return deco


def shared_resource(resource_type: str, tables: tuple[str, ...], optional: tuple[str, ...] = ()):
    """Register fn(static tables by name, ctx) -> iterator of resources."""
    def deco(fn):
        SHARED_BUILDERS.append(SharedBuilder(resource_type, tables, fn, optional))
        return fn
    return deco


def group(table: pa.Table, key: str = "person_id", iso: bool = False) -> dict:
    """Row dicts of a key-ordered table grouped by key (iso: dates as ISO strings)."""
    from healthsim.formats.fhir.common import rows

    out: dict = {}
    for row in rows(table, iso=iso):
        out.setdefault(row[key], []).append(row)
    return out
