"""All-or-nothing output: an export is written into a hidden staging folder
inside the output directory and moved into place only when it is complete.

A failure (bad data, a full disk, Ctrl-C) removes the staging folder, so the
output directory holds either the previous files or the complete new ones,
never a half-written export. The staging folder sits in the output directory
so the final moves are same-filesystem renames.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from healthsim.errors import HealthSimError

STAGING_SUFFIX = ".partial"


class ExportError(HealthSimError):
    """The export could not be written (e.g. an unwritable output directory)."""


def prepare_out_dir(out: Path) -> Path:
    """Create `out` if needed and check it is a writable directory."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create output directory {out}: {exc.strerror or exc}") from None
    if not out.is_dir():
        raise ExportError(f"output path {out} is not a directory")
    if not os.access(out, os.W_OK | os.X_OK):
        raise ExportError(f"output directory {out} is not writable")
    return out


@contextmanager
def staged(out: Path, label: str) -> Iterator[Path]:
    """Yield a staging folder; on success move its entries into `out`, else delete it."""
    out = prepare_out_dir(out)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{label}-", suffix=STAGING_SUFFIX, dir=out))
    except OSError as exc:
        raise ExportError(f"cannot write in output directory {out}: {exc.strerror or exc}") from None
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    publish(stage, out)


def publish(stage: Path, out: Path) -> None:
    """Move each top-level entry of `stage` into `out`, replacing what was there."""
    try:
        for entry in sorted(stage.iterdir()):
            target = out / entry.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            os.replace(entry, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def list_files(root: Path) -> list[str]:
    """Relative paths of every file under root, sorted (stable across runs)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
