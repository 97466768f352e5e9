"""The builders' output: a full request spec (profile + journeys + outputs + assumptions).

A `RequestSpec` is what a sentence or a finished dialogue means: the validated
`ProfileSpec`, the journeys to run on it (template names and adjustments), the
outputs asked for, and the list of values that were *assumed* rather than said,
so a person can review exactly what will be generated. It saves to and loads
from YAML; `healthsim generate FILE` accepts it like a profile spec.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from healthsim.errors import HealthSimError
from healthsim.spec.profile import ProfileSpec

EXAMPLES_HINT = "Try, for example:"


class RequestError(HealthSimError):
    """A request could not be understood (or asks for something impossible)."""


class Assumption(BaseModel):
    """One value the request did not state, the default used, and why."""

    field: str
    value: Any
    reason: str

    def render(self) -> str:
        return f"{self.field}: {self.value} ({self.reason})"


class JourneyRequest(BaseModel):
    """A journey template to run on the profile's members, with adjustments."""

    template: str
    applies_to: list[str] = Field(default_factory=list, description="Condition codes; empty = everyone.")
    adjustments: dict[str, Any] = Field(default_factory=dict)
    available: bool = Field(True, description="False when this installation has no such template.")
    origin: str = Field("request", description="request (named or asked for) | assumed (a default, "
                        "e.g. the journey claims come from).")


class OutputRequest(BaseModel):
    formats: list[str] = Field(default_factory=list, description="Export formats asked for.")
    claims: bool = Field(False, description="Medical claims from encounters (MemberSim).")
    pharmacy_claims: bool = Field(False, description="Pharmacy claims from medication orders.")


class RequestSpec(BaseModel):
    """Everything a request asks for, ready to validate, review, save and run."""

    model_config = ConfigDict(extra="forbid")

    request: str | None = Field(None, description="The words this spec was built from.")
    template: str = Field(description="The profile template the defaults came from.")
    profile: ProfileSpec
    journeys: list[JourneyRequest] = Field(default_factory=list)
    outputs: OutputRequest = Field(default_factory=OutputRequest)
    assumptions: list[Assumption] = Field(default_factory=list)
    unrecognized: list[str] = Field(default_factory=list, description="Words that were not understood.")
    notes: list[str] = Field(default_factory=list)
    trial: dict[str, Any] | None = Field(
        None, description="A clinical-trial request (TrialSim): subjects, phase, indication, arms, formats.")

    def document(self) -> dict[str, Any]:
        """The spec as plain JSON-able data (the YAML file's content)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.document(), sort_keys=False, allow_unicode=True, width=100)

    def save(self, path: str | Path) -> Path:
        """Write the spec as YAML (atomically: a temporary name, then rename)."""
        p = Path(path)
        if p.suffix.lower() not in (".yaml", ".yml"):
            raise RequestError(f"save the spec as .yaml or .yml (got {p.name!r})")
        tmp = p.with_name(f".{p.name}.tmp")
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(self.to_yaml(), encoding="utf-8")
            tmp.replace(p)
        except OSError as exc:  # read-only place, /proc, a full disk: say so, leave nothing behind
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise RequestError(f"cannot save the spec to {p}: {exc.strerror or exc}") from None
        return p

    def summary_lines(self) -> list[str]:
        """A short human review of the spec (used by chat, the builders and MCP)."""
        from healthsim.builders.describe import describe

        return describe(self)


def is_request_document(data: dict) -> bool:
    """True for a saved RequestSpec (it has a 'profile' mapping), not a bare profile."""
    return isinstance(data, dict) and isinstance(data.get("profile"), dict) and "template" in data


def load_request_document(data: dict, source: str | None = None) -> RequestSpec:
    """Validate a saved request document (SpecError with field paths if it is wrong)."""
    from healthsim.spec.load import validate_model

    return validate_model(RequestSpec, data, source=source)
