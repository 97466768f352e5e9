"""FHIR R4 exporters: bulk-data NDJSON and one transaction Bundle per patient.

Both run the same registered builders (registry.py) over the same blocks, so
a resource is identical in the two outputs. NDJSON writes one file per
resource type (`Patient.ndjson`, ...), as the Bulk Data export does. Bundles
(`bundles/<first>-<last>/patient-<person_id>.json`) hold a patient's
resources plus every shared resource they refer to (transitively), each
entry a PUT of its deterministic id, so loading is idempotent and every
reference resolves inside the Bundle.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import orjson

from healthsim.formats.base import CohortSource, register
from healthsim.formats.fhir.common import FhirContext
from healthsim.formats.fhir.registry import (
    PERSON_BUILDERS,
    SHARED_BUILDERS,
    PersonBuilder,
    SharedBuilder,
)
from healthsim.progress import step

FLUSH_EVERY = 20_000  # NDJSON lines buffered before a write
BUNDLE_BLOCK_PERSONS = 1_000  # a Bundle needs all of a patient's resources: smaller blocks, flat memory


def active_builders(source: CohortSource) -> tuple[list[SharedBuilder], list[PersonBuilder]]:
    shared = [b for b in SHARED_BUILDERS if source.has(*b.tables)]
    person = [b for b in PERSON_BUILDERS if source.has(*b.tables)]
    return shared, person


def shared_resources(source: CohortSource, ctx: FhirContext, builders: list[SharedBuilder]):
    cache: dict[str, object] = {}
    for b in builders:
        step(source.progress, b.resource_type)
        static = {}
        for name in (*b.tables, *b.optional):
            if source.has(name):
                if name not in cache:
                    cache[name] = source.static(name)
                static[name] = cache[name]
        yield from b.build(static, ctx)


def person_blocks(source: CohortSource, ctx: FhirContext, builders: list[PersonBuilder],
                  block_persons: int | None = None):
    """Per block: a lazy stream of (person_id, resource) from every active builder."""
    tables: dict = {}
    for b in builders:
        tables.update(b.tables)
        tables.update(b.optional)
    for block in source.person_blocks(tables, block_persons):
        yield block, _built(source, block, ctx, builders)


def _built(source: CohortSource, block, ctx: FhirContext, builders: list[PersonBuilder]):
    """Every active builder's (person_id, resource) for one block, announcing each
    resource type to the progress display as it starts."""
    for b in builders:
        if all(t in block.tables for t in b.tables):
            step(source.progress, b.resource_type)
            yield from b.build(block, ctx)


@register
class FhirNdjsonExporter:
    name = "fhir-ndjson"
    description = "FHIR R4 bulk-data NDJSON, one file per resource type"
    requires = ("persons",)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        ctx = FhirContext(source.info)
        shared, person = active_builders(source)
        counts: dict[str, int] = defaultdict(int)
        files = {}

        def write(lines_by_type):
            for rtype, lines in lines_by_type.items():
                if rtype not in files:
                    files[rtype] = open(out / f"{rtype}.ndjson", "wb")  # noqa: SIM115 (closed below)
                files[rtype].write(b"".join(lines))
                counts[rtype] += len(lines)

        dumps = orjson.dumps
        try:
            buf = defaultdict(list)
            for res in shared_resources(source, ctx, shared):
                buf[res["resourceType"]].append(dumps(res) + b"\n")
            write(buf)
            for _block, items in person_blocks(source, ctx, person):
                buf, held = defaultdict(list), 0
                for _pid, res in items:
                    buf[res["resourceType"]].append(dumps(res) + b"\n")
                    held += 1
                    if held >= FLUSH_EVERY:  # bounded memory whatever the block holds
                        write(buf)
                        buf, held = defaultdict(list), 0
                write(buf)
                del _block, items, buf  # free this block before the next is read: flat memory
        finally:
            for f in files.values():
                f.close()
        return dict(sorted(counts.items()))


@register
class FhirBundleExporter:
    name = "fhir-bundles"
    description = "FHIR R4 transaction Bundles, one JSON file per patient"
    requires = ("persons",)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        ctx = FhirContext(source.info)
        shared_b, person_b = active_builders(source)
        shared = {f"{r['resourceType']}/{r['id']}".encode(): (r["resourceType"], _entry(r))
                  for r in shared_resources(source, ctx, shared_b)}
        stamp = datetime.combine(source.info.as_of, datetime.min.time(), UTC).isoformat()
        counts: dict[str, int] = defaultdict(int)
        size = min(source.block_persons, BUNDLE_BLOCK_PERSONS)
        for block, items in person_blocks(source, ctx, person_b, size):
            folder = out / "bundles" / f"{block.lo:08d}-{block.hi:08d}"
            folder.mkdir(parents=True)
            by_person = defaultdict(list)
            for pid, res in items:
                by_person[pid].append((res["resourceType"], _entry(res)))
            for pid in sorted(by_person):
                entries = _with_shared(by_person[pid], shared)
                head = orjson.dumps({"resourceType": "Bundle", "id": ctx.rid("bundles", pid), "type": "transaction",
                                     "timestamp": stamp})
                body = head[:-1] + b',"entry":[' + b",".join(e for _, e in entries) + b"]}"
                (folder / f"patient-{pid:08d}.json").write_bytes(body)
                counts["Bundle"] += 1
                for rtype, _ in entries:
                    counts[rtype] += 1
            del block, items, by_person  # free this block before the next is read: flat memory
        return dict(sorted(counts.items()))


_REFERENCE = re.compile(rb'"reference":"([^"]+)"')


def _with_shared(entries: list[tuple[str, bytes]], shared: dict[bytes, tuple[str, bytes]]) -> list:
    """Shared resources referred to (transitively) first, then the patient's own entries."""
    needed: dict[bytes, tuple[str, bytes]] = {}
    todo = [ref for _, e in entries for ref in _REFERENCE.findall(e) if ref in shared]
    while todo:
        ref = todo.pop()
        if ref in needed:
            continue
        needed[ref] = shared[ref]
        todo.extend(r for r in _REFERENCE.findall(needed[ref][1]) if r in shared)
    return [needed[k] for k in sorted(needed)] + entries


def _entry(res: dict) -> bytes:
    """One Bundle entry, serialised once: a PUT of the resource at its deterministic id."""
    url = f"{res['resourceType']}/{res['id']}"
    return (b'{"fullUrl":"urn:uuid:' + res["id"].encode() + b'","resource":' + orjson.dumps(res)
            + b',"request":{"method":"PUT","url":"' + url.encode() + b'"}}')
