"""The journeys part of a composed spec: which journey templates run, and how adjusted.

Journey templates are looked up in the installation at run time, so a request
naming one that is not shipped is kept (marked unavailable, with a note) rather
than rejected. When claims are asked for without a journey, a year of care
(annual-care) is assumed; when journey timing is given without a journey, the
condition's episode journey (`default_journeys` in request_vocab.yaml); either
is recorded as an assumption. If the profile spec has a `journeys` field, the journeys are also
written into the profile so the engine runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from healthsim.builders.extract_context import installed_journeys
from healthsim.builders.facts import Facts
from healthsim.builders.request import Assumption, JourneyRequest
from healthsim.builders.vocab import vocab


@dataclass
class Extra:
    assumptions: list[Assumption] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def journeys(facts: Facts, doc: dict) -> tuple[list[JourneyRequest], Extra]:
    installed = set(installed_journeys())
    extra = Extra()
    adjust = facts.journey_adjustments
    out = [JourneyRequest(template=j.template, adjustments={**adjust, **j.adjustments},
                          available=j.template in installed) for j in facts.journeys]
    wanted = facts.claims or facts.pharmacy_claims or adjust or _claim_formats(facts)
    if not out and wanted:
        # claims without a named journey: a year of care (issue 10); a condition's episode journey only when
        # journey timing was given. diabetic-first-year suits only members diagnosed in the window.
        # '2 years of claims': a span only (no visit timing) is the years a year of care covers
        span_only = bool(adjust) and set(adjust) <= {"duration_months"}
        year_of_care = "annual-care" if "annual-care" in installed and (not adjust or span_only) else None
        default = (_default_journey(facts) or year_of_care) if adjust else (year_of_care or _default_journey(facts))
        why = "claims come from journey encounters" if not adjust else "journey timing was given"
        if default and (default in installed or adjust):
            out.append(JourneyRequest(template=default, adjustments=dict(adjust),
                                      available=default in installed,
                                      origin="request" if adjust and default != year_of_care else "assumed"))
            extra.assumptions.append(Assumption(
                field="journeys", value=default, reason=f"{why}; " + (
                    "chosen for the named condition" if default != "annual-care"
                    else "a year of ordinary care (no episode journey fits the request)")))
        else:
            extra.notes.append(f"{why}, but no journey was named; name one (e.g. "
                               + (", ".join(sorted(installed)) or "once journey templates are installed")
                               + ")")
    for j in out:
        if not j.available:
            extra.notes.append(f"journey template {j.template!r} is not installed in this version: "
                               "it is recorded in the spec but will not run")
    _attach(doc, [j for j in out if j.available], extra)
    _window_for(doc, out, extra)
    return out, extra


def _window_for(doc: dict, out: list[JourneyRequest], extra: Extra) -> None:
    """A journey asked for over more than a year ("CHF over 3 years") needs a cohort window that long:
    enrollment, the member state (progression, deaths) and the journey then span the same years."""
    import math

    months = max((float(j.adjustments.get("duration_months") or 0) for j in out if j.available), default=0)
    if months <= 12 or doc.get("window"):
        return
    years = min(10, math.ceil(months / 12 - 1e-9))
    doc["window"] = {"years": years}
    extra.assumptions.append(Assumption(
        field="window", value=f"{years} years",
        reason=f"a journey runs {months:g} months: the cohort covers the {years} years up to as_of"))


CLAIM_FORMATS = {"x12-837p", "x12-837i", "x12-835", "x12-276-277", "x12-278", "ncpdp", "ncpdp-script", "ccda",
                 "hl7v2"}  # formats whose content comes from journey encounters, orders or claims


def _claim_formats(facts: Facts) -> bool:
    return bool(CLAIM_FORMATS & set(facts.formats))


def _default_journey(facts: Facts) -> str | None:
    table = vocab().get("default_journeys", {})
    for c in facts.conditions:
        if not c.negated and c.code[:3] in table:
            return table[c.code[:3]]
    return None


def _attach(doc: dict, runnable: list[JourneyRequest], extra: Extra) -> None:
    """Put the journeys into the profile when the profile spec supports them."""
    from healthsim.spec.profile import ProfileSpec

    if not runnable or "journeys" not in ProfileSpec.model_fields:
        if runnable:
            extra.notes.append("this version's profile spec has no journeys yet: journeys are "
                               "recorded in the spec and run once the journey engine is installed")
        return
    doc["journeys"] = [_attachment(j) for j in runnable]


def _attachment(journey: JourneyRequest) -> dict:
    """A profile journey entry: the template by name, or inline with the adjustments applied."""
    from healthsim.builders.journey_adjust import adjusted, validate_journey
    from healthsim.builders.templates_cache import template_document

    out: dict = {"template": journey.template}
    if journey.adjustments:
        base = template_document(journey.template, "journey")
        out = {"spec": validate_journey(adjusted(base, journey.adjustments), f"journey {journey.template}")}
    if journey.applies_to:
        out["when"] = {"condition": journey.applies_to}
    return out
