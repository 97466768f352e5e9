"""MANIFEST.json: where every shipped data file came from, and a check that it still matches.

Each row names the file's source (package, version, original publisher), licence,
build date, sha256 and row count. `verify()` is what the manifest test runs: a
data file without a row, a row without a file, a changed hash or a missing
source or licence is a problem, so no file can ship unaccounted for.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from healthsim.reference._files import DATA_DIR

MANIFEST_NAME = "MANIFEST.json"
REQUIRED_FIELDS = ("source", "licence", "built", "sha256", "rows")


@lru_cache(maxsize=1)
def manifest() -> dict:
    """The parsed MANIFEST.json (generator, built date, and one entry per file under 'files')."""
    return json.loads((DATA_DIR / MANIFEST_NAME).read_text(encoding="utf-8"))


def entry(name: str) -> dict:
    """The manifest row of one data file (KeyError if it has none)."""
    return manifest()["files"][name]


def _sha256(name: str) -> str:
    return hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest()


def verify() -> list[str]:
    """Every way the data folder disagrees with the manifest; empty when all is well."""
    files = manifest()["files"]
    on_disk = {p.name for p in DATA_DIR.iterdir() if p.is_file() and p.name != MANIFEST_NAME}
    on_disk -= {"__init__.py"}
    problems = [f"{n}: data file has no manifest row" for n in sorted(on_disk - files.keys())]
    problems += [f"{n}: listed in the manifest but missing" for n in sorted(files.keys() - on_disk)]
    for name in sorted(files.keys() & on_disk):
        row = files[name]
        problems += [f"{name}: manifest row lacks {f!r}" for f in REQUIRED_FIELDS if not row.get(f)]
        if row.get("sha256") and row["sha256"] != _sha256(name):
            problems.append(f"{name}: sha256 differs from the manifest (rebuild or re-run "
                            "tools/build_reference.py)")
    return problems
