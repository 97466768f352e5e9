"""Builder dialogue sessions for MCP clients: id -> the dialogue's state.

The builders are pure (state, message) -> turn functions, so a session is
just the last state, kept in memory for the life of the server process, the
oldest dropped when there are more than `max_sessions`.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict

from healthsim.builders import journey_builder, profile_builder
from healthsim.builders.dialogue import BuilderState, Turn
from healthsim.errors import NotFoundError, UsageError


class Sessions:
    def __init__(self, max_sessions: int = 200):
        self.max_sessions = max_sessions
        self._states: OrderedDict[str, BuilderState] = OrderedDict()
        self._specs: dict[str, object] = {}

    def start(self, kind: str, request: str = "") -> tuple[str, Turn]:
        if kind == "profile":
            turn = profile_builder.start(request)
        elif kind == "journey":
            turn = journey_builder.start(request)
        else:
            raise UsageError(f"unknown builder {kind!r}; use 'profile' or 'journey'")
        session_id = uuid.uuid4().hex[:12]
        self._keep(session_id, turn)
        return session_id, turn

    def reply(self, session_id: str, message: str) -> Turn:
        state = self.state(session_id)
        module = profile_builder if state.kind == "profile" else journey_builder
        turn = module.reply(state, message)
        self._keep(session_id, turn)
        return turn

    def state(self, session_id: str) -> BuilderState:
        if session_id not in self._states:
            raise NotFoundError(f"no builder session {session_id!r} (sessions last while the server "
                                "runs); start one with builder_start")
        return self._states[session_id]

    def finished_spec(self, session_id: str):
        """The validated spec of a finished session."""
        state = self.state(session_id)
        if not state.done or session_id not in self._specs:
            raise UsageError(f"session {session_id} is not finished: answer its questions with "
                             "builder_reply (an empty message accepts the defaults)")
        return self._specs[session_id]

    def _keep(self, session_id: str, turn: Turn) -> None:
        self._states[session_id] = turn.state
        self._states.move_to_end(session_id)
        if turn.done and turn.spec is not None:
            self._specs[session_id] = turn.spec
        while len(self._states) > self.max_sessions:
            old, _ = self._states.popitem(last=False)
            self._specs.pop(old, None)
