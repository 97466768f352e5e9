"""The HL7 v2 exporter: run the active message builders block by block.

By default, one file per message type and block (`adt_a04-<first>-<last>.hl7`).
With the `feed` option, every message of the cohort goes into one
chronological stream, `feed.hl7`, ordered by message time (MSH-7) as an
interface engine would receive them. Memory stays flat for any cohort size:
each block's messages are sorted and spilled to a run file, and the runs are
merged (a k-way merge that holds one message per run). With `mllp`, each
message is framed <VT> ... <FS><CR> (MLLP) in either layout.
"""

from __future__ import annotations

import heapq
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.hl7v2.er7 import message, mllp, msh, ts
from healthsim.formats.hl7v2.registry import MESSAGE_BUILDERS, Hl7Context, Hl7Message


def render(m: Hl7Message, ctx: Hl7Context, options) -> tuple[str, str]:
    """(sort key, ER7 text) of a message: MSH added with its send time and parties."""
    sent = m.sent(ctx.cutoff)
    parties = (options.sending_application, options.sending_facility, options.receiving_application,
               options.receiving_facility)
    text = message([msh(sent, m.message_type, m.event, m.structure, m.control, parties), *m.segments])
    return f"{ts(sent)}|{ts(m.when)}|{m.control}", (mllp(text) if options.mllp else text)


@register
class Hl7v2Exporter:
    name = "hl7v2"
    description = ("HL7 v2.5.1 ER7: ADT A28/A08 (people), A04/A01/A08/A03 (visits), ORM^O01 and ORU^R01 "
                   "(labs); per type or one chronological feed, optional MLLP")
    requires = ("persons",)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        npis = {}
        if source.has("providers"):
            t = source.static("providers")
            npis = dict(zip(map(str, t.column("provider_id").to_pylist()), t.column("npi").to_pylist(), strict=True))
        ctx = Hl7Context(source.info, npis)
        options = source.options
        builders = [b for b in MESSAGE_BUILDERS if source.has(*b.tables)]
        tables: dict = {}
        for b in builders:
            tables.update(b.tables)
            tables.update(b.optional)
        counts: dict[str, int] = defaultdict(int)
        runs_dir = Path(tempfile.mkdtemp(prefix=".feed-runs-", dir=out)) if options.feed else None
        runs: list[Path] = []
        try:
            for block in source.person_blocks(tables):
                by_file: dict[str, list[tuple[str, str]]] = defaultdict(list)
                for b in builders:
                    if not all(t in block.tables for t in b.tables):
                        continue
                    for m in b.build(block, ctx):
                        by_file[m.key].append(render(m, ctx, options))
                        counts[m.key] += 1
                if options.feed:
                    merged = sorted(item for items in by_file.values() for item in items)
                    run = runs_dir / f"{len(runs):06d}.run"
                    # one message per line: ER7 segments end with CR, values never hold LF (escaped)
                    run.write_bytes("".join(f"{key}\t{text}\n" for key, text in merged).encode("utf-8"))
                    runs.append(run)
                else:
                    for key, items in sorted(by_file.items()):
                        path = out / f"{key}-{block.lo:08d}-{block.hi:08d}.hl7"
                        path.write_bytes("".join(text for _, text in items).encode("utf-8"))
                del block, by_file  # free this block before the next is read: flat memory
            if options.feed:
                counts["feed_messages"] = merge_runs(runs, out / "feed.hl7")
        finally:
            if runs_dir is not None:
                shutil.rmtree(runs_dir, ignore_errors=True)
        return dict(sorted(counts.items()))


def merge_runs(runs: list[Path], target: Path) -> int:
    """Merge sorted run files (key TAB message per line) into one stream of messages."""
    files = [open(r, encoding="utf-8", newline="\n") for r in runs]  # noqa: SIM115 (closed below)
    n = 0
    try:
        with open(target, "w", encoding="utf-8", newline="") as f:
            for line in heapq.merge(*files):
                f.write(line[line.index("\t") + 1:-1])
                n += 1
    finally:
        for fh in files:
            fh.close()
    return n
