"""A short, human review of a RequestSpec: what will be generated and what was assumed.

Shared by the dialogues' review phase, `healthsim parse`, chat and MCP, so all
of them show a spec the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from healthsim.builders.request import RequestSpec


def describe(spec: RequestSpec) -> list[str]:
    from healthsim.builders.ages import describe_age
    from healthsim.builders.compose import COVERAGE_LABELS

    p = spec.profile
    doc = p.model_dump(mode="json", by_alias=True, exclude_none=True)
    demo = doc["demographics"]
    span = ""
    if p.window is not None:
        span = (f", covering {p.window.years:g} years" if p.window.years is not None
                else f", from {p.window.start}" + (f" to {p.window.end}" if p.window.end else ""))
    lines = [f"{p.count:,} members: {p.profile_name} (seed {p.seed}, as of {p.as_of}{span})",
             (f"  age: {describe_age(demo['age']) if 'age' in demo else 'from the place'}; "
              f"sex: {_weights(demo.get('gender')) if demo.get('gender') else 'from the place'}")]
    geo = doc.get("geography") or {}
    where = ", ".join(geo["states"]) if geo.get("states") else (
        _counties(geo["counties"]) if geo.get("counties") else (
            f"{len(geo['zips'])} ZIPs" if geo.get("zips") else "nationwide"))
    if geo.get("urban_share") is not None:
        where += f"; {geo['urban_share']:.0%} urban"
    lines.append(f"  where: {where}")
    lines.append("  coverage: " + ", ".join(
        f"{COVERAGE_LABELS.get(o.type, o.type)} {o.share:.0%}" for o in p.coverage.options))
    # Conditions everyone has (what was asked for) first, so "..." never hides them.
    ordered = sorted(p.conditions, key=lambda c: not (isinstance(c.prevalence, float | int) and c.prevalence >= 1))
    conds = [f"{c.code} {_prev(c.prevalence)}" for c in ordered]
    from_place = "from the place (CDC PLACES)" if demo.get("source") == "populationsim" else "none"
    lines.append("  conditions: " + (", ".join(conds) if conds else from_place))
    if p.households.size:
        lines.append(f"  households: {p.households.size} members each (subscriber"
                     + (", spouse" if p.households.size > 1 else "") + (", children" if p.households.size > 2 else "")
                     + "; one address and plan)")
    sdoh = {k: v for k, v in (doc.get("sdoh") or {}).items() if v is not None}
    if sdoh:
        lines.append("  social factors: " + ", ".join(f"{k} {v}" for k, v in sdoh.items()))
    if spec.journeys:
        lines.append("  journeys: " + ", ".join(
            j.template + ("" if j.available else " (not installed)")
            + (f" {j.adjustments}" if j.adjustments else "") for j in spec.journeys))
    out = spec.outputs
    extras = [x for x, on in (("claims", out.claims), ("pharmacy claims", out.pharmacy_claims)) if on]
    if out.formats or extras:
        lines.append("  outputs: " + ", ".join(extras + out.formats))
    return lines


def _counties(fips: list[str]) -> str:
    """'Harris County, TX' for county FIPS codes (the first three, then a count)."""
    from healthsim.reference.geography import counties

    c = counties()
    names = []
    for f in fips[:3]:
        at = c.county_fips.searchsorted(f)
        names.append(f"{c.name[at]}, {c.state[at]}" if at < len(c.county_fips) and c.county_fips[at] == f else f)
    return "; ".join(names) + (f" and {len(fips) - 3} more counties" if len(fips) > 3 else "")


def _weights(dist: dict | None) -> str:
    weights = (dist or {}).get("weights") or {}
    return " / ".join(f"{w:.0%} {k}" for k, w in weights.items()) or "default"


def _prev(p) -> str:
    return f"{p:.0%}" if isinstance(p, int | float) else "(by age/sex)"
