"""All-or-nothing output: an export is written into a staging directory beside
its output directory, and the two are swapped in one step when it is complete.

Why a whole-directory swap: moving files into place one by one is not atomic —
a kill half-way leaves one format's files mixed from two cohorts and some
missing. So the output directory is replaced as a unit:

- the export is written to `<parent>/.<name>.<format>.<pid>.<random>.partial`
  (same filesystem as `<parent>/<name>`, so renames never copy);
- when complete it gets a `.healthsim-export` marker (format, cohort, files)
  and is swapped with `<parent>/<name>` by `renameat2(RENAME_EXCHANGE)` — one
  atomic step on Linux — or, where that is unavailable, by two renames whose
  interrupted state the next export repairs (the old directory is parked as
  `.<name>.<pid>.<random>.old` and restored if the new one never arrived);
- the swap runs inside `interrupts.deferred()`, so SIGINT/SIGTERM wait for it;
- SIGKILL can still strike anywhere: what it leaves (a `.partial` or `.old`
  whose process is gone) is removed, or restored, at the start of the next
  export into the same parent directory (`sweep`).

So `<name>` always holds exactly the previous export or the complete new one.

Because the directory is replaced as a whole, an export only replaces a
directory that is empty or holds a previous HealthSim export (the marker): it
never deletes files of someone else's into which it was pointed by mistake.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from healthsim import interrupts
from healthsim.errors import HealthSimError

STAGING_SUFFIX = ".partial"
PARKED_SUFFIX = ".old"
MARKER = ".healthsim-export"


class ExportError(HealthSimError):
    """The export could not be written (e.g. an unwritable output directory, a full disk)."""


def prepare_parent(out: Path) -> Path:
    """Create `out`'s parent if needed, check `out` can be (re)placed there; return `out` absolute."""
    out = Path(os.path.abspath(out))
    if out.parent == out:
        raise ExportError("export into a directory of its own, not the file system root")
    blocker = next((p for p in [out.parent, *out.parent.parents] if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise ExportError(f"cannot create output directory {out.parent}: {blocker} is a file")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create output directory {out.parent}: {exc.strerror or exc}") from None
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write in {out.parent}: permission denied")
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise ExportError(f"output path {out} exists and is not a directory")
    if out.is_dir():
        foreign = sorted(e.name for e in out.iterdir() if not _legacy_staging(e))
        if foreign and not (out / MARKER).is_file():
            shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
            raise ExportError(f"{out} already holds files that are not a HealthSim export ({shown}); an export "
                              "replaces its directory as a whole, so give a new or empty directory (or delete "
                              "that one)")
        if not os.access(out, os.W_OK | os.X_OK):
            raise ExportError(f"output directory {out} is not writable")
    return out


@contextmanager
def staged(out: Path, label: str, describe: dict | None = None) -> Iterator[Path]:
    """Yield a staging directory for an export into `out`; on success swap it into place
    (with a marker naming `describe`), on any failure delete it and leave `out` as it was."""
    out = prepare_parent(Path(out))
    sweep(out.parent)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.{_safe(label)}.{os.getpid()}.", suffix=STAGING_SUFFIX,
                                      dir=out.parent))
    except OSError as exc:
        raise ExportError(f"cannot write in {out.parent}: {exc.strerror or exc}") from None
    try:
        yield stage
        _write_marker(stage, label, describe or {})
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise _os_error(exc, out) from None
    except BaseException as exc:
        shutil.rmtree(stage, ignore_errors=True)
        if isinstance(exc, KeyboardInterrupt):  # for the CLI's report of what the interrupt left
            exc.rolled_back = f"the unfinished export was removed; {out} is unchanged"
        raise
    publish(stage, out)


def publish(stage: Path, out: Path) -> None:
    """Put the complete `stage` at `out`, replacing what was there in one step; no signal
    can interrupt the swap. The replaced export is deleted afterwards."""
    from healthsim.faults import fault_point

    old: Path | None = None
    swapped = False
    try:
        with interrupts.deferred():
            fault_point("export.publish")
            old, swapped = _swap(stage, out), True
    except KeyboardInterrupt as exc:  # held until the swap was done: the new export is in place
        if not swapped:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise interrupts.mark_committed(exc, f"the complete export in {out}") from None
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise ExportError(f"cannot put the export in place at {out}: {exc.strerror or exc}") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _swap(stage: Path, out: Path) -> Path | None:
    """Make `stage` be `out`; return where the previous `out` now is (to delete), if any."""
    if not out.exists():
        try:
            os.rename(stage, out)
            return None
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise  # someone created `out` meanwhile: exchange with it below
    if _exchange(stage, out):
        return stage  # `stage` now holds the previous export
    parked = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.", suffix=PARKED_SUFFIX, dir=out.parent))
    os.rmdir(parked)
    os.rename(out, parked)  # a kill here leaves no `out`: sweep() puts `parked` back
    os.rename(stage, out)
    return parked


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2); False where unsupported."""
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False  # the file system cannot exchange: two renames instead
    raise OSError(err, os.strerror(err), str(b))


_LIBC: list = []


def _renameat2():
    if not _LIBC:
        fn = None
        with contextlib.suppress(OSError, AttributeError, TypeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            fn = libc.renameat2
            fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            fn.restype = ctypes.c_int
        _LIBC.append(fn)
    return _LIBC[0]


def sweep(parent: Path) -> list[str]:
    """Remove what killed exports left in `parent`: staging directories and parked old
    exports whose process is gone. A parked export whose replacement never arrived is
    put back. Returns what was done (for tests and -v)."""
    done: list[str] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return done
    for entry in entries:
        name = entry.name
        if not name.startswith(".") or not entry.is_dir(follow_symlinks=False):
            continue
        kind = STAGING_SUFFIX if name.endswith(STAGING_SUFFIX) else (
            PARKED_SUFFIX if name.endswith(PARKED_SUFFIX) else None)
        owner = _owner(name)
        if kind is None or owner is None or _alive(owner[1]):
            continue
        target = parent / owner[0]
        path = Path(entry.path)
        if kind == PARKED_SUFFIX and not target.exists():
            with contextlib.suppress(OSError):
                os.rename(path, target)
                done.append(f"restored {target.name} from an interrupted export")
                continue
        shutil.rmtree(path, ignore_errors=True)
        done.append(f"removed {name}")
    for legacy in _legacy_inside(parent):
        shutil.rmtree(legacy, ignore_errors=True)
        done.append(f"removed {legacy}")
    return done


def _owner(name: str) -> tuple[str, int] | None:
    """(output directory name, pid) from `.<name>.<label>.<pid>.<rand>.partial` or
    `.<name>.<pid>.<rand>.old`; None for anything else."""
    if name.endswith(STAGING_SUFFIX):
        parts, fixed = name[1:-len(STAGING_SUFFIX)].split("."), 3
    elif name.endswith(PARKED_SUFFIX):
        parts, fixed = name[1:-len(PARKED_SUFFIX)].split("."), 2
    else:
        return None
    if len(parts) <= fixed or not parts[-2].isdigit():
        return None
    return ".".join(parts[:-fixed]), int(parts[-2])


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _legacy_staging(entry) -> bool:
    """A staging folder of the previous design (`.<format>-XXXX.partial` inside the output)."""
    return entry.name.startswith(".") and entry.name.endswith(STAGING_SUFFIX) and entry.is_dir()


def _legacy_inside(parent: Path) -> list[Path]:
    """Old-design staging folders inside exports in `parent` (they are never complete)."""
    out = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(parent):
            if entry.is_dir(follow_symlinks=False) and (Path(entry.path) / MARKER).is_file():
                out += [Path(e.path) for e in os.scandir(entry.path) if _legacy_staging(e)]
    return out


def _write_marker(stage: Path, label: str, describe: dict) -> None:
    files = list_files(stage)
    doc = {"healthsim_export": 1, "format": label, **describe, "file_count": len(files)}
    (stage / MARKER).write_text(json.dumps(doc, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")


def _os_error(exc: OSError, out: Path) -> ExportError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(exc):
        return ExportError(f"the disk is full: the export to {out} was stopped and its partial files removed; "
                           f"{out} is unchanged. Free space (or choose another disk) and export again")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return ExportError(f"cannot write the export to {out}: {exc.strerror}; {out} is unchanged")
    return ExportError(f"writing the export to {out} failed: {exc.strerror or exc}; {out} is unchanged")


def _safe(label: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in label)


def list_files(root: Path) -> list[str]:
    """Relative paths of every file under root, sorted (stable across runs); the marker is not listed."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name != MARKER)
