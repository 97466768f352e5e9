"""The HL7 v2 exporter: run the active message builders block by block."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.hl7v2.registry import MESSAGE_BUILDERS, Hl7Context


@register
class Hl7v2Exporter:
    name = "hl7v2"
    description = "HL7 v2.5.1 ER7: ADT^A04/A08 registrations (A01/A03, ORU^R01 when encounters exist)"
    requires = ("persons",)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        npis = {}
        if source.has("providers"):
            t = source.static("providers")
            npis = dict(zip(map(str, t.column("provider_id").to_pylist()), t.column("npi").to_pylist(), strict=True))
        ctx = Hl7Context(source.info, npis)
        builders = [b for b in MESSAGE_BUILDERS if source.has(*b.tables)]
        tables: dict = {}
        for b in builders:
            tables.update(b.tables)
            tables.update(b.optional)
        counts: dict[str, int] = defaultdict(int)
        for block in source.person_blocks(tables):
            by_file: dict[str, list[str]] = defaultdict(list)
            for b in builders:
                for key, msg in b.build(block, ctx):
                    by_file[key].append(msg)
            for key, messages in sorted(by_file.items()):
                path = out / f"{key}-{block.lo:08d}-{block.hi:08d}.hl7"
                path.write_bytes("".join(messages).encode("utf-8"))
                counts[key] += len(messages)
            del block, by_file, messages  # free this block before the next is read: flat memory
        return dict(sorted(counts.items()))
