"""What the Profile and Journey Builders share: questions, state, turns, replies.

Both builders are pure state machines: `reply(state, message) -> Turn` returns
a new state and never mutates the old one, so a CLI chat, an MCP session store
or a test can hold the state however it likes (it is plain pydantic data and
serialises to JSON). A turn carries the spec so far, what was assumed, and the
next questions, each with the default an empty reply accepts.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from healthsim.builders.facts import Facts
from healthsim.builders.request import Assumption, RequestSpec

ACCEPT_WORDS = frozenset({
    "", "y", "yes", "yep", "yeah", "ok", "okay", "sure", "fine", "good", "default", "defaults",
    "keep", "next", "continue", "go", "go ahead", "looks good", "sounds good", "all good",
    "use defaults", "accept", "confirm", "confirmed", "proceed", "generate", "do it", "done",
    "typical", "as is", "no changes", "no change", "none", "skip", "yes please", "ok thanks",
    "that's fine", "thats fine", "perfect", "great",
})
DECLINE_WORDS = frozenset({"no", "n", "nope", "not yet", "wait", "change", "edit"})
COMMAND = re.compile(r"^\s*(back|go back|previous|undo|help|\?|commands|show|summary|status|review|"
                     r"rename|rename to|rename it|rename it to|call it|name it|name)\b[\s:]*(.*)$",
                     re.IGNORECASE | re.DOTALL)
TITLES = {"profile": "Profile Builder", "journey": "Journey Builder"}
HELP = [
    "Answer the questions in your own words; an empty answer accepts the defaults in [brackets].",
    "You can change anything at any phase, e.g. 'in Texas and Oklahoma', '60% female', 'change COPD to 20%',",
    "  'add asthma', 'without dementia', 'Medicare Advantage', 'over 18 months', 'quarterly visits', 'no labs'.",
    "Commands: back (the previous phase) · show (the spec so far, with every assumption) ·",
    "  rename NAME (the cohort's name) · help (this) · yes (at review: finish).",
]


def command_of(message: object) -> tuple[str, str] | None:
    """('back' | 'help' | 'show' | 'rename', argument) when the reply is a dialogue command."""
    if not isinstance(message, str):
        return None
    m = COMMAND.match(message)
    if not m:
        return None
    word = m.group(1).lower()
    arg = m.group(2).strip().strip("\"'").strip()
    if word in ("back", "go back", "previous", "undo"):
        return ("back", arg) if not arg else None
    if word in ("help", "?", "commands"):
        return ("help", "") if not arg else None
    if word in ("show", "summary", "status", "review"):
        return ("show", "") if not arg else None
    if word == "name" and not arg:
        return None
    return ("rename", arg) if arg else None


def previous_phase(state: BuilderState) -> int:
    """The phase before the current one in this dialogue (1 at the start)."""
    earlier = [p for p in state.history if p < state.phase]
    return earlier[-1] if earlier else max(1, state.phase - 1)


PROFILE_FIELDS = ("count", "template", "name", "seed", "as_of", "window", "coverage", "medicare_unqualified", "age", "sex",
                  "race", "ethnicity", "states", "region", "city", "zips", "counties", "urban_share",
                  "healthy", "background", "severity", "household_size")


def profile_edits(facts: Facts, said: Facts) -> Facts:
    """`facts` with the profile fields a later message stated (used by the Journey Builder, so
    'change COPD to 20%' works in any phase of either builder)."""
    update = {k: getattr(said, k) for k in PROFILE_FIELDS if getattr(said, k) not in (None, False)}
    if said.conditions:
        merged = facts.merged(Facts(conditions=said.conditions))
        update["conditions"] = merged.conditions
    if any(k in update for k in ("states", "region", "city", "zips", "counties")):
        for k in ("states", "region", "city", "zips", "counties"):
            update.setdefault(k, None)
    return facts.model_copy(update=update) if update else facts


class Question(BaseModel):
    key: str
    text: str
    default: str = Field(description="What an empty reply means.")
    options: list[str] = Field(default_factory=list)

    def render(self) -> str:
        opts = f" ({' / '.join(self.options)})" if self.options else ""
        return f"{self.text}{opts} [{self.default}]"


class BuilderState(BaseModel):
    """Everything a dialogue needs to continue: plain data, safe to store as JSON."""

    kind: Literal["profile", "journey"]
    phase: int = 1
    facts: Facts = Field(default_factory=Facts)
    request: str | None = None
    asked: list[str] = Field(default_factory=list, description="Question keys already settled.")
    journey: dict[str, Any] = Field(default_factory=dict, description="Journey builder: template + adjustments.")
    history: list[int] = Field(default_factory=list, description="Phases shown so far, in order (for 'back').")
    done: bool = False


class Turn(BaseModel):
    """One step of a dialogue: the new state and what to show."""

    state: BuilderState
    phase: int
    phase_name: str
    questions: list[Question] = Field(default_factory=list)
    assumptions: list[Assumption] = Field(default_factory=list)
    understood: list[str] = Field(default_factory=list, description="What the last message changed.")
    problems: list[str] = Field(default_factory=list)
    summary: list[str] = Field(default_factory=list)
    spec: RequestSpec | None = None
    journey_document: dict | None = None
    info: list[str] = Field(default_factory=list, description="Help or the spec so far, when asked for.")
    done: bool = False

    @property
    def title(self) -> str:
        """'Profile Builder', or 'Journey Builder (diabetic-first-year)'."""
        head = TITLES.get(self.state.kind, "Builder")
        template = self.state.journey.get("template") if self.state.kind == "journey" else None
        return f"{head} ({template})" if template else head

    def message(self) -> str:
        """The turn as text for a person (chat) or a client (MCP)."""
        lines = []
        if self.understood:
            lines.append("Got it: " + "; ".join(self.understood) + ".")
        lines += [f"! {p}" for p in self.problems]
        lines += self.info
        if self.done:
            lines.append(f"{self.title}: done. The spec is complete and valid:")
            lines += self.summary
            return "\n".join(lines)
        lines.append(f"{self.title} · Phase {self.phase} of 4 - {self.phase_name}")
        if (self.phase == 4 or self.summary) and not self.info:
            lines += self.summary
        lines += [f"  {i}. {q.render()}" for i, q in enumerate(self.questions, 1)]
        lines.append("(answer in your own words, or press Enter to accept the defaults in brackets; "
                     "'help', 'back', 'show', 'rename NAME')")
        return "\n".join(lines)


def not_understood(message: object) -> str:
    shown = message.strip() if isinstance(message, str) else message
    return (f"I did not understand {shown!r}; answer a question below, "
            "or press Enter to accept the defaults")


def normalise_reply(message: object) -> str:
    text = message if isinstance(message, str) else ""
    return " ".join(text.strip().lower().rstrip(".!").split())


def is_accept(reply: str) -> bool:
    return reply in ACCEPT_WORDS


def is_decline(reply: str) -> bool:
    return reply in DECLINE_WORDS


def mentions(reply: str, phrase: str) -> bool:
    """Whole-word, case-insensitive: does the reply say this phrase?"""
    return re.search(r"(?<![\w])" + re.escape(phrase.lower()) + r"(?![\w])", reply) is not None


def changed(before: Facts, after: Facts) -> list[str]:
    """Human notes of which facts a reply changed ('count 500', 'states TX')."""
    out = []
    for name in ("count", "template", "coverage", "age", "sex", "states", "region", "urban_share",
                 "race", "ethnicity", "severity", "background", "seed", "claims", "pharmacy_claims"):
        old, new = getattr(before, name, None), getattr(after, name, None)
        if new != old and new is not None:
            label = name.replace("_", " ")
            out.append(label if new is True else f"{label} {_show(new)}")
    old_codes = {(c.code, c.negated, c.prevalence) for c in before.conditions}
    for c in after.conditions:
        if (c.code, c.negated, c.prevalence) not in old_codes:
            verb = "without" if c.negated else "with"
            share = f" in {c.prevalence:.0%}" if c.prevalence is not None and not c.negated else ""
            out.append(f"{verb} {c.code} ({c.description}){share}")
    for j in after.journeys:
        if j not in before.journeys:
            out.append(f"journey {j.template}")
    new_formats = [f for f in after.formats if f not in before.formats]
    if new_formats:
        out.append("formats " + ", ".join(new_formats))
    return out


def _show(value: object) -> str:
    if isinstance(value, BaseModel):
        value = value.text or {k: v for k, v in value.model_dump().items() if v not in (None, "")}
    if isinstance(value, list) and value and isinstance(value[0], tuple | list):
        return ", ".join(str(v[0]) for v in value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return " / ".join(f"{v:.0%} {k}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items())
    return str(value)
