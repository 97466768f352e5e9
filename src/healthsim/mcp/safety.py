"""The MCP server's guard rails: where files may go, how big a cohort may be.

An LLM client chooses paths and sizes, so both are checked here before any
work: every path it names is taken relative to the configured workspace and
must stay inside it (no `..` component, no absolute path outside it, no
symlink escaping it), and a cohort larger than the configured cap is refused
with a message saying what the cap is and how to raise it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePath

from healthsim.errors import HealthSimError


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
