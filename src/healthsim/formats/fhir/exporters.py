"""FHIR R4 exporters: bulk-data NDJSON and Bundles for a FHIR server.

Both run the same registered builders (registry.py) over the same blocks, so
a resource is identical in the two outputs. NDJSON writes one file per
resource type (`Patient.ndjson`, ...), as the Bulk Data export does.

Bundles are made to be POSTed to a server's base URL in order:
`bundles/shared.json` first (every Organization, Practitioner,
PractitionerRole and Location: the network and the payers), then one Bundle
per patient (`bundles/<first>-<last>/patient-<person_id>.json`) holding the
patient's own resources and referring to the shared ones by id. Each entry is
a PUT of its deterministic id, so loading is idempotent and the shared
resources are written once instead of re-PUT with every patient (no version
churn, no conflicts when patients load in parallel). The Bundle type is
`transaction` (all or nothing per patient) or `batch`. With `gzip`, every file
is gzip-compressed (`.ndjson.gz`, `.json.gz`; no name or time in the header, so
the bytes repeat).
"""

from __future__ import annotations

import gzip
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
SHARED_BUNDLE = "shared"


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


def open_output(path: Path, compress: bool):
    """A binary file, gzip-compressed (reproducibly: no name, mtime 0) when asked."""
    if compress:
        raw = open(path.with_name(path.name + ".gz"), "wb")  # noqa: SIM115 (closed with the gzip file)
        return _GzipFile(raw)
    return open(path, "wb")


class _GzipFile(gzip.GzipFile):
    def __init__(self, raw):
        super().__init__(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)
        self._raw = raw

    def close(self):
        try:
            super().close()
        finally:
            self._raw.close()


def write_bytes(path: Path, data: bytes, compress: bool) -> None:
    with open_output(path, compress) as f:
        f.write(data)


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
                    files[rtype] = open_output(out / f"{rtype}.ndjson", source.options.gzip)
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
    description = "FHIR R4 Bundles for a server: shared.json first, then one transaction (or batch) per patient"
    requires = ("persons",)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        ctx = FhirContext(source.info)
        options = source.options
        shared_b, person_b = active_builders(source)
        stamp = datetime.combine(source.info.as_of, datetime.min.time(), UTC).isoformat()
        counts: dict[str, int] = defaultdict(int)
        (out / "bundles").mkdir()

        def bundle(bundle_id: str, entries: list[bytes]) -> bytes:
            head = orjson.dumps({"resourceType": "Bundle", "id": bundle_id, "type": options.bundle_type,
                                 "timestamp": stamp})
            return head[:-1] + b',"entry":[' + b",".join(entries) + b"]}"

        shared = []
        for res in shared_resources(source, ctx, shared_b):
            shared.append(_entry(res))
            counts[res["resourceType"]] += 1
        write_bytes(out / "bundles" / f"{SHARED_BUNDLE}.json", bundle(ctx.rid("bundles", SHARED_BUNDLE), shared),
                    options.gzip)
        counts["Bundle"] += 1
        del shared
        size = min(source.block_persons, BUNDLE_BLOCK_PERSONS)
        for block, items in person_blocks(source, ctx, person_b, size):
            folder = out / "bundles" / f"{block.lo:08d}-{block.hi:08d}"
            folder.mkdir(parents=True)
            by_person = defaultdict(list)
            for pid, res in items:
                by_person[pid].append(_entry(res))
                counts[res["resourceType"]] += 1
            for pid in sorted(by_person):
                write_bytes(folder / f"patient-{pid:08d}.json", bundle(ctx.rid("bundles", pid), by_person[pid]),
                            options.gzip)
                counts["Bundle"] += 1
            del block, items, by_person  # free this block before the next is read: flat memory
        return dict(sorted(counts.items()))


def _entry(res: dict) -> bytes:
    """One Bundle entry, serialised once: a PUT of the resource at its deterministic id."""
    url = f"{res['resourceType']}/{res['id']}"
    return (b'{"fullUrl":"urn:uuid:' + res["id"].encode() + b'","resource":' + orjson.dumps(res)
            + b',"request":{"method":"PUT","url":"' + url.encode() + b'"}}')
