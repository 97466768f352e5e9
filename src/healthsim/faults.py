"""Named fault points, for tests that kill a run at an exact place.

`HEALTHSIM_FAULT=point:SIGNAL[:nth]` (e.g. `store.commit:SIGINT`) makes the
process send itself SIGNAL the nth time (default: first) it reaches `point`.
Unset (always, outside the fault tests) a fault point costs one dict lookup.
Points: `run.block` (a block has been made and handed to the writer),
`store.insert` (rows of the open transaction are in DuckDB), `store.commit`
(inside the critical section, just before COMMIT), `store.committed` (just after
COMMIT), `lake.publish` (the staging directory is complete, before its rename),
`export.progress` (an export reported progress: files are half-written in staging),
`export.publish` (an export is complete in staging, inside the critical section of its swap).
"""

from __future__ import annotations

import os
import signal

_SPEC = os.environ.get("HEALTHSIM_FAULT", "")
_seen: dict[str, int] = {}


def _parse(spec: str) -> tuple[str, int, int] | None:
    parts = spec.split(":")
    if len(parts) < 2:
        return None
    nth = int(parts[2]) if len(parts) > 2 else 1
    return parts[0], int(getattr(signal, parts[1])), nth


_TARGET = _parse(_SPEC) if _SPEC else None


def fault_point(name: str) -> None:
    """Reached `name`: send the configured signal to this process if it is the target."""
    if _TARGET is None or _TARGET[0] != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] == _TARGET[2]:
        os.kill(os.getpid(), _TARGET[1])
