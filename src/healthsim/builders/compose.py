"""Facts -> a validated RequestSpec: what was said, plus template defaults for the rest.

One function builds every spec the builders produce (sentence, dialogue, MCP).
It picks the profile template whose population the request describes, overlays
each stated fact, and for every field it did not get from the request records
an `Assumption` naming the value used and where it came from. Conditions are
merged with the template's: a named condition replaces the template's entry of
the same ICD-10-CM category (so its comorbidity links survive), the template's
index condition (the one everyone has) is dropped when another is asked for,
and the rest stay as background prevalence.
"""

from __future__ import annotations

import re

from healthsim.builders import journeys_compose, population_match
from healthsim.builders.ages import (
    CENSUS_SOURCE,
    age_distribution,
    describe_age,
    shared_age_distribution,
)
from healthsim.builders.facts import PLACE_FIELDS, Facts
from healthsim.builders.request import Assumption, OutputRequest, RequestError, RequestSpec
from healthsim.plan.population import compile_profile
from healthsim.spec.profile import MAX_COUNT, ProfileSpec

COVERAGE_LABELS = {
    "medicare": "Original Medicare", "medicare_advantage": "Medicare Advantage",
    "medicaid": "Medicaid", "commercial": "commercial", "exchange": "ACA exchange",
    "dual": "dual-eligible (Medicare + Medicaid)", "uninsured": "uninsured",
}
MEDICARE_TYPES = {"medicare", "medicare_advantage", "dual"}


def choose_template(facts: Facts) -> tuple[str, str]:
    """(profile template name, why) for the population the facts describe."""
    from healthsim.builders.ages import bounds

    if facts.template:
        return facts.template, "named in the request"
    fit = journey_population(facts)
    if fit is not None:
        return fit["template"], f"the journey {fit['journey']} with no population named: {fit['why']}"
    kinds = {kind for kind, _ in facts.coverage or []}
    low, high = bounds(facts.age) if facts.age and facts.age.share is None else (None, None)
    if kinds & MEDICARE_TYPES or (not kinds and low is not None and low >= 60):
        return "medicare-diabetic", "the Medicare population template"
    if high is not None and high <= 19 or (kinds == {"medicaid"} and facts.age is None):
        return "medicaid-pediatric", "the Medicaid/children population template"
    return "commercial-healthy", "the working-age population template"


def _adults(facts: Facts) -> Facts:
    """'postpartum women on Medicaid': women are adults, never the children's template's ages."""
    from healthsim.builders.facts import AgeFact

    if facts.age is not None or not facts.adult_noun or choose_template(facts)[0] != "medicaid-pediatric":
        return facts
    pregnant = any(c.code[:3] in ("Z33", "Z34", "O09") for c in facts.conditions if not c.negated) or any(
        j.template == "maternity-episode" for j in facts.journeys)
    low, high, text = (18, 45, f"{facts.adult_noun}, of childbearing age") if pregnant else (
        18, 65, facts.adult_noun)
    return facts.model_copy(update={"age": AgeFact(low=low, high=high, group=None if pregnant else "adults",
                                                   text=text)})


def journey_population(facts: Facts) -> dict | None:
    """The population a journey fits when the request names a journey and no population
    (no coverage, ages, sex, template or condition of its own): `journey_populations`."""
    from healthsim.builders.vocab import vocab

    if not facts.journeys or facts.coverage or facts.age or facts.template or facts.sex:
        return None
    if any(not c.negated and c.how != "journey" for c in facts.conditions):
        return None
    table = vocab().get("journey_populations", {})
    for j in facts.journeys:
        if j.template in table:
            return {**table[j.template], "journey": j.template}
    return None


def _fit_journey_population(facts: Facts, said: list[Assumption]) -> Facts:
    """Fill in the population a journey with none named fits (ages, sex, its condition)."""
    from healthsim.builders.conditions import fact_for
    from healthsim.builders.facts import AgeFact

    fit = journey_population(facts)
    if fit is None:
        return facts
    update: dict = {}
    if fit.get("age"):
        low, high = fit["age"]
        update["age"] = AgeFact(low=low, high=high, text=f"ages {low}-{high - 1} (fits {fit['journey']})")
    if fit.get("sex"):
        update["sex"] = {fit["sex"]: 1.0}
        said.append(Assumption(field="demographics.sex", value=f"100% {fit['sex']}",
                               reason=f"the journey {fit['journey']} fits {fit['why']}"))
    if fit.get("condition") and not any(c.code == fit["condition"] for c in facts.conditions):
        c = fact_for(fit["condition"], fit["journey"], "journey")
        update["conditions"] = [*facts.conditions, c]
        said.append(Assumption(field="conditions", value=f"{c.code} for everyone",
                               reason=f"the journey {fit['journey']} fits {fit['why']}"))
    return facts.model_copy(update=update)


def compose(facts: Facts, request: str | None = None) -> RequestSpec:
    """The full spec the facts imply; SpecError/RequestError if it cannot be valid."""
    from healthsim.builders.templates_cache import template_document
    from healthsim.spec.load import validate_model

    facts = _adults(facts)
    template, why = choose_template(facts)
    doc = template_document(template, kind="profile")
    said: list[Assumption] = [Assumption(field="template", value=template, reason=why)]
    facts = _fit_journey_population(facts, said)
    facts = _journey_conditions(facts, said)
    notes = list(facts.notes)
    doc["profile_name"] = facts.name or subject_name(request, facts) or _name(request, doc)
    doc.pop("name", None)
    doc["description"] = _description(request, template, facts.purposes)
    notes += [f"purpose: {p} (noted in the description; it changes no value)" for p in facts.purposes]
    _count(doc, facts, said, template)
    _seed_and_date(doc, facts, said)
    _demographics(doc, facts, said, template, notes)
    _geography(doc, facts, said)
    _coverage(doc, facts, said, template)
    _conditions(doc, facts, said, notes, template)
    _age_for_named(doc, facts, said)
    _code_rule_notes(doc, notes)
    _households(doc, facts, said, notes)
    population_match.apply(doc, facts, said, notes)
    population_match.apply_sdoh(doc, facts, said)
    facts = _claims_for_formats(facts, said)
    journeys, more = journeys_compose.journeys(facts, doc)
    said += more.assumptions
    notes += more.notes
    profile = validate_model(ProfileSpec, doc, source="the request")
    if facts.states or facts.zips or facts.counties or facts.urban_share is not None:
        profile = _checked_place(profile, doc, facts, notes)
    trial = trial_request(facts, profile, notes)
    return RequestSpec(
        request=request, template=template, profile=profile, journeys=journeys,
        outputs=OutputRequest(formats=facts.formats, claims=bool(facts.claims),
                              pharmacy_claims=bool(facts.pharmacy_claims)),
        assumptions=said, unrecognized=facts.unrecognized, notes=notes, trial=trial,
    )


def _households(doc: dict, facts: Facts, said: list[Assumption], notes: list[str]) -> None:
    """'a family of 4': one household (a subscriber and dependents) when the spec has households."""
    if not facts.household_size:
        return
    if "households" in ProfileSpec.model_fields:
        doc["households"] = {"enabled": True, "size": facts.household_size}
    else:
        notes.append(f"a family of {facts.household_size}: generated as {facts.household_size} members; "
                     "households (a subscriber with dependents) are not in this version's profile spec")
    if facts.count_text == "a family":
        said.append(Assumption(field="count", value=4, reason="a family: 4 members (say 'a family of N')"))


def _claims_for_formats(facts: Facts, said: list[Assumption]) -> Facts:
    """Claim formats need claims: '837s' and '835 remits' turn medical claims on, NCPDP pharmacy."""
    update = {}
    medical = [f for f in facts.formats if f in ("x12-837p", "x12-837i", "x12-835", "x12-276-277", "x12-278")]
    if medical and facts.claims is None:
        update["claims"] = True
        said.append(Assumption(field="outputs.claims", value=True, reason=f"{', '.join(medical)} needs claims"))
    pharmacy = [f for f in facts.formats if f in ("ncpdp", "ncpdp-script")]
    if pharmacy and facts.pharmacy_claims is None:
        update["pharmacy_claims"] = True
        said.append(Assumption(field="outputs.pharmacy_claims", value=True,
                               reason=f"{', '.join(pharmacy)} needs prescriptions and pharmacy claims"))
    return facts.model_copy(update=update) if update else facts


def _checked_place(profile: ProfileSpec, doc: dict, facts: Facts, notes: list[str]) -> ProfileSpec:
    """Compile the geography now, so a place with no matching ZIPs is refused before generate; a
    template's urban share the place cannot meet (DC has no rural ZIPs) gives way to the place."""
    from healthsim.errors import SpecError
    from healthsim.spec.load import validate_model

    try:
        compile_profile(profile)
        return profile
    except SpecError as exc:
        if profile.geography.urban_share is None or "urban" not in str(exc):
            raise
    share = doc["geography"].pop("urban_share")
    whose = "the requested" if facts.urban_share is not None else "the template's"
    notes.append(f"{whose} urban share ({share:.0%}) does not fit this place (it has no rural or no urban "
                 "ZIPs); the place's own urban/rural mix is used")
    profile = validate_model(ProfileSpec, doc, source="the request")
    compile_profile(profile)
    return profile


def trial_request(facts: Facts, profile: ProfileSpec, notes: list[str]) -> dict | None:
    """What a trial request asked for; noted as unavailable until TrialSim is installed."""
    from healthsim.builders.trials import trial_available

    if facts.trial is None:
        return None
    out = {"subjects": profile.count, "phase": facts.trial.phase, "indication": facts.trial.indication,
           "arms": facts.trial.arms, "formats": [f for f in facts.formats if f == "sdtm"] or ["sdtm"]}
    if not trial_available():
        notes.append("this is a clinical-trial request, but TrialSim (trials, SDTM) is not available in this "
                     "version: the population below is what would be enrolled; generating it makes no trial data")
    return out


def _journey_conditions(facts: Facts, said: list[Assumption]) -> Facts:
    """A journey about a condition, with no condition named, implies that condition; a journey
    picked for what the request is about says so."""
    from healthsim.builders.conditions import fact_for
    from healthsim.builders.vocab import vocab

    for j in facts.journeys:
        if j.how.startswith("intent:"):
            said.append(Assumption(field="journeys", value=j.template,
                                   reason=f"{j.text!r}: the installed journey for that"
                                   + (" and the condition named" if facts.conditions else "")))
    if any(not c.negated for c in facts.conditions):
        return facts
    table = vocab().get("journey_conditions", {})
    added = [fact_for(table[j.template], j.text or j.template, "journey")
             for j in facts.journeys if j.template in table]
    for c in added:
        said.append(Assumption(field="conditions", value=f"{c.code} for everyone",
                               reason=f"the {c.text!r} journey is about {c.description}"))
    return facts.model_copy(update={"conditions": facts.conditions + added}) if added else facts


def _name(request: str | None, doc: dict) -> str:
    if request and request.strip():
        return _cut(" ".join(request.split()), 80)
    return f"{doc.get('profile_name', 'Cohort')} (custom)"


def _cut(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary (never a trailing '...')."""
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return re.sub(r"(?:[\s,;:]+(?:in|with|and|or|of|for|the|as|to|from|at|on|a|an))+$", "", cut, flags=re.IGNORECASE)


def subject_name(request: str | None, facts: Facts) -> str | None:
    """A cohort name from the request's subject: 'Generate 200 Medicare diabetics in Texas as
    FHIR, seed 7' -> 'Medicare diabetics in Texas' (no command words, count, formats, seed)."""
    if not facts.subject:
        return None
    place = place_text(facts)
    text = facts.subject
    if "{place}" in text:
        text = text.replace("{place}", place) if place else re.sub(r"\s*\b(?:in|from|across)?\s*\{place\}", "", text)
    elif place:
        text = f"{text} in {place}"
    text = " ".join(text.split()).strip(" ,;:")
    return _cut(text[:1].upper() + text[1:], 80) if text else None


def place_text(facts: Facts) -> str:
    """Where the members live, in words: 'Texas and Oklahoma', 'Harris County, TX', 'New England'."""
    from healthsim.reference.geography import states

    if facts.place_labels:
        return " and ".join(facts.place_labels[:2])
    if facts.region:
        return facts.region.title() if facts.region.islower() else facts.region
    if facts.states:
        names = dict(zip(states().abbr.tolist(), states().name.tolist(), strict=True))
        shown = [str(names.get(s, s)) for s in facts.states]
        if len(shown) > 3:
            return f"{len(shown)} states"
        return ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]
    return ""


def _description(request: str | None, template: str, purposes: list[str] | None = None) -> str:
    head = f"Built from the request {request.strip()!r}. " if request and request.strip() else ""
    why = f"Purpose: {', '.join(purposes)}. " if purposes else ""
    return head + why + f"Values the request did not state come from template {template!r}."


def _count(doc: dict, facts: Facts, said: list[Assumption], template: str) -> None:
    if facts.count is None:
        said.append(Assumption(field="count", value=doc["count"], reason=f"not stated; template {template}"))
        return
    if facts.count > MAX_COUNT:
        raise RequestError(f"{facts.count:,} members is more than one run allows ({MAX_COUNT:,}); "
                           "ask for fewer, or split the cohort")
    doc["count"] = facts.count


def _seed_and_date(doc: dict, facts: Facts, said: list[Assumption]) -> None:
    if facts.seed is not None:
        doc["seed"] = facts.seed
    else:
        said.append(Assumption(field="seed", value=doc.get("seed", 42),
                               reason="default; the same seed gives the same data"))
    if facts.as_of is not None:
        doc["as_of"] = facts.as_of.isoformat()
    if facts.window is not None:
        doc["window"] = dict(facts.window)


def _demographics(doc: dict, facts: Facts, said: list[Assumption], template: str,
                  notes: list[str]) -> None:
    demo = doc.setdefault("demographics", {})
    if facts.age is not None:
        before = _support(demo["age"])
        if facts.age.share is not None:
            demo["age"], how = shared_age_distribution(facts.age, demo["age"])
        else:
            demo["age"], how = age_distribution(facts.age, demo["age"])
        after = _support(demo["age"])
        banded = any(isinstance(c.get("prevalence"), dict) for c in doc.get("conditions", []))
        if banded and (after[0] < before[0] or after[1] > before[1]):
            notes.append(f"template {template} is calibrated for ages {before[0]:g}-{before[1] - 1:g}; "
                         "its age-banded condition rates do not reach the ages asked for")
        if "Census" in how:
            doc.setdefault("sources", []).append(CENSUS_SOURCE)
        if facts.age.exact is None:
            said.append(Assumption(field="demographics.age", value=describe_age(demo["age"]),
                                   reason=f"'{facts.age.text}': {how}"))
    else:
        said.append(Assumption(field="demographics.age", value=describe_age(demo["age"]),
                               reason=f"not stated; template {template}"))
    sex = facts.sex or _implied_sex(facts, said)
    placed = any(getattr(facts, f) for f in PLACE_FIELDS)
    for key, value in (("gender", sex), ("race", facts.race), ("ethnicity", facts.ethnicity)):
        if value:
            demo[key] = {"distribution": "categorical", "weights": value}
        elif key in ("race", "ethnicity") and (placed or key not in demo):
            # demographics.source hybrid: what the spec leaves out comes from where members live;
            # a template's national race mix would override the named place's own (issue 11)
            demo.pop(key, None)
            said.append(Assumption(field=f"demographics.{key}", value=f"from the place: {_place_words(facts)}",
                                   reason=PLACE_DEMOGRAPHICS))
        elif key in demo or key == "gender":
            shown = _weights_text(demo.get(key)) if key in demo else "51% F / 49% M"
            said.append(Assumption(field=f"demographics.{'sex' if key == 'gender' else key}",
                                   value=shown, reason=f"not stated; template {template}"))


PLACE_DEMOGRAPHICS = "not stated; the place's published shares at these ages (ACS 2015-19, raked)"


def _place_words(facts: Facts) -> str:
    return place_text(facts) or (facts.city or "") or "the United States (county by county)"


def _support(dist: dict) -> tuple[float, float]:
    from healthsim.distributions import parse_distribution

    return parse_distribution(dist).support()


def _implied_sex(facts: Facts, said: list[Assumption]) -> dict[str, float] | None:
    """'pregnant members' are women: the sex every named condition is coded for, if one."""
    from healthsim.reference.code_rules import rule_for

    named = [c for c in facts.conditions if not c.negated and (c.prevalence or 1.0) >= 1.0]
    sexes = {rule_for(c.code).sex or _sex_in(c.description) for c in named}
    if len(sexes) == 1 and None not in sexes:
        sex = sexes.pop()
        said.append(Assumption(field="demographics.sex", value=f"100% {sex}",
                               reason="not stated; the named condition(s) occur only in that sex"))
        return {sex: 1.0}
    return None


def _sex_in(description: str) -> str | None:
    import re

    if re.search(r"\bfemale\b", description, re.IGNORECASE):
        return "F"
    return "M" if re.search(r"\bmale\b", description, re.IGNORECASE) else None


def _weights_text(dist: dict | None) -> str:
    weights = (dist or {}).get("weights") or {}
    top = sorted(weights.items(), key=lambda kv: -kv[1])[:3]
    return " / ".join(f"{w:.0%} {k}" for k, w in top) or str(dist)


def _geography(doc: dict, facts: Facts, said: list[Assumption]) -> None:
    geo = doc.setdefault("geography", {})
    if facts.counties:
        geo["counties"] = facts.counties
        said.append(Assumption(field="geography.counties", value=", ".join(
            label for label in facts.place_labels if "County" in label or "Parish" in label) or facts.counties,
            reason="the county's residential ZIPs, weighted by population"))
    if facts.zips:
        geo["zips"] = facts.zips
        said.append(Assumption(field="geography.zips", value=f"{len(facts.zips)} ZIPs of {facts.city}",
                               reason="the city's residential ZIPs (the most populous city of that "
                                      "name unless a state follows it)"))
    if facts.states:
        geo["states"] = facts.states
    elif facts.region is None and not facts.zips and not facts.counties:
        said.append(Assumption(field="geography.states", value="nationwide",
                               reason="not stated; all 50 states and DC, weighted by population"))
    if facts.urban_share is None and (facts.zips or facts.counties) and geo.get("urban_share") is not None:
        geo.pop("urban_share")  # a named city is as urban as it is
    if facts.urban_share is not None:
        geo["urban_share"] = facts.urban_share
    elif geo.get("urban_share") is None:
        said.append(Assumption(field="geography.urban_share", value="as the population",
                               reason="not stated"))
    else:
        said.append(Assumption(field="geography.urban_share", value=geo["urban_share"],
                               reason="not stated; template"))


def _coverage(doc: dict, facts: Facts, said: list[Assumption], template: str) -> None:
    current = doc["coverage"]
    options = current.get("options") if isinstance(current, dict) and "options" in current else (
        current if isinstance(current, list) else [current])
    if not facts.coverage:
        label = ", ".join(f"{COVERAGE_LABELS.get(o['type'], o['type'])}"
                          + (f" ({o['plan']})" if o.get("plan") else "") for o in options)
        said.append(Assumption(field="coverage", value=label, reason=f"not stated; template {template}"))
        return
    shares = coverage_shares(facts.coverage)
    if shares.get("medicare") and facts.medicare_unqualified:
        said.append(Assumption(field="coverage", value="Original Medicare (fee-for-service)",
                               reason="'Medicare' without 'Advantage' or 'Original': Original Medicare "
                                      "assumed; say 'Medicare Advantage' (or 'MA') for MA plans"))
    if {o["type"] for o in options} == set(shares) and len(shares) == 1:
        return  # the template already has exactly this coverage (keep its plans and churn)
    doc["coverage"] = {"options": [{"type": kind, "share": share} for kind, share in shares.items()]}


def coverage_shares(coverage: list[tuple[str, float | None]]) -> dict[str, float]:
    """Shares by coverage type: stated percentages, the rest split evenly."""
    stated = {k: s for k, s in coverage if s is not None}
    rest = [k for k, s in coverage if s is None and k not in stated]
    total = sum(stated.values())
    if total > 1 + 1e-9:
        raise RequestError(f"coverage shares add up to {total:.0%}; they must not exceed 100%")
    if not rest:
        return {k: s / total for k, s in stated.items()} if total else {}
    each = (1 - total) / len(rest)
    if each <= 0:
        raise RequestError("coverage percentages leave nothing for "
                           + ", ".join(COVERAGE_LABELS.get(k, k) for k in rest))
    return {**stated, **dict.fromkeys(rest, each)}


def _conditions(doc: dict, facts: Facts, said: list[Assumption], notes: list[str], template: str) -> None:
    named = [c for c in facts.conditions if not c.negated]
    negated = {c.code for c in facts.conditions if c.negated}
    negated_cats = {code[:3] for code in negated}
    in_template = {str(e["code"]) for e in doc.get("conditions", [])}
    exact = {c.code: c for c in named if c.code in in_template}
    by_cat = {}
    for c in named:
        if c.code not in exact:
            by_cat.setdefault(c.code[:3], c)
    if facts.healthy and not named and any(e.get("prevalence") == 1.0 for e in doc.get("conditions", [])):
        # "healthy seniors": the template's comorbidities belong to its index condition
        facts = facts.model_copy(update={"background": False})
        notes.append(f"healthy: none of template {template}'s conditions, which describe its "
                     "index condition's comorbidities")
    out, used, dropped = [], set(), []
    for entry in doc.get("conditions", []):
        code, cat = str(entry["code"]), str(entry["code"])[:3]
        if code in negated or cat in negated_cats:
            dropped.append(code)
        elif code in exact:
            used.add(code)
            out.append(_restated(entry, code, exact[code].prevalence))
        elif cat in by_cat and by_cat[cat].code not in used:
            c = by_cat[cat]
            used.add(c.code)
            out.append(_restated(entry, c.code, c.prevalence))
        elif entry.get("prevalence") == 1.0 and facts.template and not named:
            out.append(entry)  # a template named as such keeps its index condition
            said.append(Assumption(field="conditions", value=f"{code} for everyone",
                                   reason=f"the index condition of template {template}, named in the request"))
        elif entry.get("prevalence") == 1.0:
            dropped.append(code)
            notes.append(f"template {template}'s index condition {code} dropped: not asked for")
        elif facts.background is not False:
            out.append(entry)
    for c in named:
        if c.code not in used and c.code not in {e["code"] for e in out}:
            out.append({"code": c.code, "prevalence": 1.0 if c.prevalence is None else c.prevalence})
    kept = {e["code"] for e in out}
    for e in out:
        if e.get("given"):
            e["given"] = [g for g in e["given"] if g["code"] in kept]
    doc["conditions"] = out
    if dropped and negated:
        notes.append("excluded: " + ", ".join(sorted(set(dropped) & _family(negated, dropped))))
    background = [e for e in out if e["code"] not in {c.code for c in named}]
    if background:
        listed = ", ".join(f"{e['code']} {_prevalence_text(e['prevalence'])}" for e in background)
        said.append(Assumption(field="conditions", value=f"{len(background)} background condition(s): {listed}",
                               reason=f"typical comorbidity rates from template {template}"))
    if not named and not background:
        said.append(Assumption(field="conditions", value="none", reason="no condition stated"))
    _attributes(doc, kept, facts, said, notes)


def _family(negated: set[str], dropped: list[str]) -> set[str]:
    cats = {c[:3] for c in negated}
    return {d for d in dropped if d in negated or d[:3] in cats}


def _restated(entry: dict, code: str, prevalence: float | None) -> dict:
    """A template condition with the request's code and prevalence (its citation no longer applies)."""
    out = {k: v for k, v in entry.items() if k not in ("source", "name")}
    out["code"] = code
    out["prevalence"] = 1.0 if prevalence is None else prevalence
    if out["prevalence"] >= 1.0:
        out.pop("given", None)
    return out


def _prevalence_text(p) -> str:
    return f"{p:.0%}" if isinstance(p, int | float) else "by age/sex"


def _attributes(doc: dict, codes: set[str], facts: Facts, said: list[Assumption],
                notes: list[str]) -> None:
    """diabetes_control: the stated severity mix, the template's, or none without diabetes."""
    attrs = doc.get("attributes") or {}
    diabetic = any(c[:3] in ("E10", "E11") for c in codes)
    named = any(c.code[:3] in ("E10", "E11", "E13") and not c.negated for c in facts.conditions)
    if facts.severity and not named:
        # '60 adults with depression, 20 percent severe': the shares are diabetes control's, and no
        # diabetes was asked for; never put them on the template's background diabetics
        notes.append("severity shares (" + ", ".join(f"{k} {v:.0%}" for k, v in facts.severity.items())
                     + ") describe diabetes control, and no diabetes was named: not applied")
        facts = facts.model_copy(update={"severity": None})
    if not diabetic:
        attrs.pop("diabetes_control", None)
    elif facts.severity:
        template_mix = (attrs.get("diabetes_control") or {}).get("weights") or DEFAULT_CONTROL
        weights = complete_shares(facts.severity, template_mix)
        attrs["diabetes_control"] = {"distribution": "categorical", "weights": weights}
        doc["attributes"] = attrs
        if set(weights) - set(facts.severity):
            said.append(Assumption(field="attributes.diabetes_control", value=_weights_text(
                attrs["diabetes_control"]), reason="the shares not stated split as in the template's mix"))
    elif "diabetes_control" in attrs:
        said.append(Assumption(field="attributes.diabetes_control",
                               value=_weights_text(attrs["diabetes_control"]),
                               reason="not stated; template severity mix"))


DEFAULT_CONTROL = {"controlled": 0.5, "suboptimal": 0.3, "poor": 0.2}


def complete_shares(stated: dict[str, float], mix: dict[str, float]) -> dict[str, float]:
    """Stated shares, the rest of 100% split over the other labels in proportion to `mix`."""
    total = sum(stated.values())
    if total > 1 + 1e-9:
        raise RequestError(f"severity shares add up to {total:.0%}; they must not exceed 100%")
    rest = {k: w for k, w in mix.items() if k not in stated}
    if abs(total - 1) <= 1e-9:
        return dict(stated)
    if not rest:
        return {k: round(v / total, 6) for k, v in stated.items()} if total else dict(mix)
    scale = (1 - total) / sum(rest.values())
    return {**{k: round(w * scale, 6) for k, w in rest.items()}, **stated}


def _age_for_named(doc: dict, facts: Facts, said: list[Assumption]) -> None:
    """Ages not stated and the template's ages outside every named condition's age rule
    ('patients with Alzheimer's' on a 25-45 template): take the ages the conditions occur
    at (up to 90), so the condition asked for is not left out."""
    from healthsim.reference.code_rules import rule_for

    named = [c for c in facts.conditions if not c.negated]
    if facts.age is not None or not named:
        return
    rules = [rule_for(c.code) for c in named]
    need_lo = max(max(r.onset_min_age, r.min_age) for r in rules)
    need_hi = min(r.max_age for r in rules) + 1
    lo, hi = _support(doc["demographics"]["age"])
    if need_lo >= need_hi or (hi > need_lo and lo < need_hi):
        return  # the conditions disagree with each other, or the ages already overlap
    top = min(need_hi, max(90, need_lo + 10))
    doc["demographics"]["age"] = {"distribution": "uniform", "min": need_lo, "max": top}
    said[:] = [a for a in said if a.field != "demographics.age"]
    said.append(Assumption(field="demographics.age", value=describe_age(doc["demographics"]["age"]),
                           reason=f"not stated; {', '.join(c.code for c in named)} occur(s) only "
                                  f"from age {need_lo}"))


def _code_rule_notes(doc: dict, notes: list[str]) -> None:
    """Drop, with a note, a condition no member of this population can have (sex or age
    rules): the spec would refuse it (spec/consistency.py), and a default condition of
    the template must not stop a request such as 'infants with RSV'."""
    from healthsim.distributions import parse_distribution
    from healthsim.spec.consistency import condition_conflicts

    demo = doc["demographics"]
    weights = (demo.get("gender") or {}).get("weights")
    sexes = None
    if isinstance(weights, dict):
        from healthsim.spec.vocab import SEX_ALIASES, SEXES, canonical

        sexes = {}
        for label, w in weights.items():
            key = canonical(str(label), SEXES, SEX_ALIASES) or str(label)
            sexes[key] = sexes.get(key, 0.0) + float(w)
    lo, hi = parse_distribution(demo["age"]).support()
    lo, hi = max(0.0, lo), min(110.0, hi)
    dropped = set()
    for entry in doc["conditions"]:
        why = condition_conflicts(entry["code"], entry.get("onset_min_age"), sexes, lo, hi)
        if why:
            dropped.add(entry["code"])
            notes.append(f"{why}; left out")
    if dropped:
        doc["conditions"] = [
            {**e, "given": [g for g in e.get("given") or [] if g.get("code") not in dropped]}
            if e.get("given") else e
            for e in doc["conditions"] if e["code"] not in dropped]
