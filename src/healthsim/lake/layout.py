"""Where a lake's files go, and publishing a finished lake with one rename.

A lake is built in a hidden staging directory next to its destination
(`.NAME.staging-PID-XXXX`) and renamed into place only when every file and the
manifest are there, so a run that is killed leaves no lake (and an old lake at
the same path untouched). Staging directories whose process is gone are swept
at the next start.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from healthsim.errors import HealthSimError

MANIFEST = "manifest.json"
CATALOG = "catalog.duckdb"
RUN_INFO = "run.json"
STATIC_FILE = "static.parquet"


class LakeError(HealthSimError):
    """A lake path that cannot be written or read (shown to the user, exit 2)."""


def block_file(table: str, block: int) -> str:
    """Path of one block's file of `table`, relative to the lake root."""
    return f"{table}/part-b{block:06d}.parquet"


def static_file(table: str) -> str:
    return f"{table}/{STATIC_FILE}"


def is_lake(path: Path) -> bool:
    return (path / MANIFEST).is_file()


def check_destination(out: Path, overwrite: bool) -> None:
    """Refuse a destination that is a file or a non-empty directory that is not a lake."""
    if out.exists() and not out.is_dir():
        raise LakeError(f"--lake {out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not is_lake(out):
            raise LakeError(f"--lake {out}: directory is not empty and holds no lake ({MANIFEST}); "
                            "choose a new directory")
        if not overwrite:
            raise LakeError(f"--lake {out}: a lake is already there; pass --overwrite to replace it")


def _prefix(out: Path, kind: str) -> str:
    return f".{out.name}.{kind}-"


def make_staging(out: Path) -> Path:
    """A fresh staging directory beside `out` (same filesystem, so the final rename is atomic)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(out)
    staging = Path(tempfile.mkdtemp(prefix=f"{_prefix(out, 'staging')}{os.getpid()}-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp's 0700 would make the published lake private
    return staging


def publish(staging: Path, out: Path) -> None:
    """Put the finished staging directory at `out`, replacing an old lake there."""
    for leftover in staging.rglob("*.tmp-*"):  # a retried block's unfinished write
        leftover.unlink(missing_ok=True)
    if out.exists() and any(out.iterdir()):
        old = Path(tempfile.mkdtemp(prefix=f"{_prefix(out, 'old')}{os.getpid()}-", dir=out.parent))
        os.rename(out, old / "lake")
        os.rename(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        if out.exists():
            out.rmdir()
        os.rename(staging, out)


def sweep_stale(out: Path) -> list[Path]:
    """Remove staging/old directories of `out` left by runs whose process is gone."""
    removed = []
    if not out.parent.is_dir():
        return removed
    for kind in ("staging", "old"):
        prefix = _prefix(out, kind)
        for entry in out.parent.iterdir():
            if not entry.name.startswith(prefix):
                continue
            owner = entry.name[len(prefix):].split("-", 1)[0]
            if owner.isdigit() and not _alive(int(owner)):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
