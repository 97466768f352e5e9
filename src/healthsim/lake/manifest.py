"""manifest.json: what a lake holds, enough to trust it and to rebuild its cohort row.

Everything in it is a function of the spec (and package version): the spec,
seed, per-table row counts, every file with its rows, size and sha256, and the
realised-vs-target checks. Timing and engine details go to run.json instead,
so two runs of the same spec give byte-identical manifests too.
"""

from __future__ import annotations

import json
from pathlib import Path

from healthsim.lake.files import FileRecord, sha256_file
from healthsim.lake.layout import MANIFEST, LakeError

FORMAT = "healthsim-lake"
FORMAT_VERSION = 1


def build_manifest(meta: dict, files: list[FileRecord], row_counts: dict[str, int], summary: dict) -> dict:
    tables: dict[str, dict] = {}
    for name in sorted(row_counts):
        entries = sorted((f for f in files if f.table == name), key=lambda f: f.path)
        tables[name] = {"rows": int(row_counts[name]),
                        "files": [{k: v for k, v in f.as_dict().items() if k != "table"} for f in entries]}
        if sum(f.rows for f in entries) != row_counts[name]:
            raise RuntimeError(f"lake table {name}: files hold {sum(f.rows for f in entries)} rows, "
                               f"the run counted {row_counts[name]}")
    return {"format": FORMAT, "format_version": FORMAT_VERSION, **meta,
            "row_counts": {k: int(v) for k, v in sorted(row_counts.items())},
            "tables": tables, "summary": summary}


def write_manifest(root: Path, manifest: dict) -> None:
    text = json.dumps(manifest, indent=1, sort_keys=True, default=str)
    (root / MANIFEST).write_text(text + "\n")


def read_manifest(root: Path) -> dict:
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise LakeError(f"no lake at {root}: {MANIFEST} is missing")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise LakeError(f"cannot read {path}: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise LakeError(f"{path} is not a HealthSim lake manifest")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise LakeError(f"{path}: lake format {manifest['format_version']} is newer than this "
                        f"version of healthsim reads ({FORMAT_VERSION})")
    return manifest


def verify(root: Path, manifest: dict) -> list[str]:
    """Problems found checking every file's presence, size and sha256 (empty: the lake is intact)."""
    problems = []
    for name, entry in manifest["tables"].items():
        for f in entry["files"]:
            path = Path(root) / f["path"]
            if not path.is_file():
                problems.append(f"{name}: {f['path']} is missing")
            elif path.stat().st_size != f["bytes"]:
                problems.append(f"{name}: {f['path']} has {path.stat().st_size} bytes, manifest says {f['bytes']}")
            elif sha256_file(path) != f["sha256"]:
                problems.append(f"{name}: {f['path']} does not match its sha256")
    return problems
