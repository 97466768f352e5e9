"""The MCP server's guard rails: where files may go, what may be read, how much
a call may cost, and who may use the store when.

An LLM client chooses paths, sizes and queries, so each is checked here before
any work:
  - every path it names is taken relative to the configured workspace and must
    stay inside it (no `..` component, no absolute path outside it, no symlink
    escaping it); a refusal never says whether an outside path exists;
  - a spec file is read through `read_spec_file`: confined, opened without
    following a final symlink, checked again after opening (the open file's
    real path), bounded in size, and parsed by the hostile-input-safe reader;
  - a cohort larger than the configured cap is refused, saying what the cap is;
  - the store is used by one tool at a time (`StoreGate`): DuckDB refuses a
    second connection to a file with different settings in one process, so a
    query during a generation would otherwise fail with DuckDB's words. The
    gate makes it wait briefly, then say what is running and how far along.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TypeVar

from healthsim.errors import HealthSimError

T = TypeVar("T")
SPEC_SUFFIXES = (".yaml", ".yml", ".json")


class Refused(HealthSimError):
    """A request outside what this server allows (path outside the workspace, count over the cap)."""


@dataclass(frozen=True)
class ServerConfig:
    """The server's frozen run configuration (no global state)."""

    workspace: Path
    db: Path
    max_count: int = 100_000
    max_rows: int = 500
    max_sessions: int = 200
    query_timeout: float = 30.0
    query_memory: str = "1GB"  # DuckDB memory_limit of a client's query (spills to the workspace, then fails)
    call_timeout: float = 60.0  # whole-call bound for the store's read tools (queries stop at query_timeout)
    busy_wait: float = 10.0  # how long a store tool waits for another to finish before saying it is busy

    @property
    def temp_directory(self) -> Path:
        """Where a large query may spill (bounded; inside the workspace)."""
        return self.workspace / ".healthsim-tmp"

    @classmethod
    def create(cls, workspace: str | Path, db: str | Path | None = None, **limits) -> ServerConfig:
        """A config with the workspace created and resolved; the store defaults to WORKSPACE/healthsim.duckdb."""
        ws = Path(workspace).expanduser()
        ws.mkdir(parents=True, exist_ok=True)
        ws = ws.resolve()
        store = Path(db).expanduser().resolve() if db else ws / "healthsim.duckdb"
        return cls(workspace=ws, db=store, **limits)


def confine(workspace: Path, user_path: str, what: str = "path") -> Path:
    """`user_path` as a path inside `workspace`, or Refused saying why not."""
    if not isinstance(user_path, str) or not user_path.strip():
        raise Refused(f"give a {what} inside the workspace (a relative path like 'exports/cohort-1')")
    if "\x00" in user_path:
        raise Refused(f"the {what} contains a NUL character")
    raw = PurePath(user_path.strip())
    if ".." in raw.parts:
        raise Refused(f"the {what} {user_path!r} contains '..'; paths must stay inside the workspace "
                      f"{workspace}")
    candidate = Path(raw) if raw.is_absolute() else workspace / raw
    resolved = candidate.resolve()
    root = workspace.resolve()
    if resolved != root and not resolved.is_relative_to(root):
        raise Refused(f"the {what} {user_path!r} is outside the workspace {root}; give a path inside it")
    return resolved


def check_count(count: int, cap: int) -> None:
    if count > cap:
        raise Refused(f"{count:,} members is over this server's cap of {cap:,}; ask for fewer "
                      "(the cap is set with `healthsim mcp --max-count`)")


def looks_like_spec_file(text: str) -> bool:
    """A request string that names a spec file rather than describing a cohort."""
    t = text.strip()
    return t.lower().endswith(SPEC_SUFFIXES) and "\n" not in t and len(t) < 1_000


def read_spec_file(workspace: Path, user_path: str, what: str = "spec path") -> tuple[bytes, str, str]:
    """(bytes, 'yaml' | 'json', name relative to the workspace) of a spec file inside it.

    Refused without touching the file system when the path is outside the workspace;
    inside it, the file is opened without following a final symlink and its real path
    is checked again after opening (a path swapped between the check and the open)."""
    from healthsim.spec.limits import MAX_DOCUMENT_BYTES

    path = confine(workspace, user_path, what)
    if path.suffix.lower() not in SPEC_SUFFIXES:
        raise Refused(f"the {what} must be a .yaml, .yml or .json file inside the workspace")
    shown = str(path.relative_to(workspace.resolve()))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise Refused(f"no file {shown!r} in the workspace") from None
    except OSError as exc:
        raise Refused(f"cannot read {shown!r} in the workspace ({exc.strerror or 'error'})") from None
    try:
        import stat

        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"{shown!r} is not a regular file")
        real = Path(os.path.realpath(f"/proc/self/fd/{fd}")) if Path("/proc/self/fd").is_dir() else path
        if not real.is_relative_to(workspace.resolve()):
            raise Refused(f"the {what} {user_path!r} is outside the workspace {workspace}; give a path inside it")
        with os.fdopen(fd, "rb", closefd=False) as f:
            raw = f.read(MAX_DOCUMENT_BYTES + 1)
    finally:
        os.close(fd)
    return raw, "json" if path.suffix.lower() == ".json" else "yaml", shown


class StoreGate:
    """One user of the cohort store at a time, and a truthful answer for the others.

    `run(what, fn)` waits up to `wait` seconds for the store, then raises Refused naming
    the tool that holds it, for how long, and how far along it is (`progress`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.holder: str | None = None
        self.since = 0.0
        self.done: tuple[int, int] | None = None

    def run(self, what: str, fn: Callable[[], T], wait: float) -> T:
        if not self._lock.acquire(timeout=max(0.0, wait)):
            raise Refused(self.busy(what))
        self.holder, self.since, self.done = what, time.monotonic(), None
        try:
            return fn()
        finally:
            self.holder, self.done = None, None
            self._lock.release()

    def progress(self, done: int, total: int) -> None:
        self.done = (done, total)

    def busy(self, what: str) -> str:
        holder = self.holder or "another tool"
        elapsed = time.monotonic() - self.since if self.holder else 0.0
        far = (f", {self.done[0]:,} of {self.done[1]:,} done" if self.done and self.done[1] else "")
        return (f"the cohort store is busy: {holder} has been running for {elapsed:.0f} s{far}. "
                f"{what} can use it when that finishes (try again shortly); parse_request, "
                "preview_entities, lookup_code, describe_tables and the templates work meanwhile")
