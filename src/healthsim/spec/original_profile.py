"""The original HealthSim profile document, translated into HealthSim's ProfileSpec shape.

`{profile: {...}}` (or `{template: {...}, profile: {...}}`) with `generation`,
`demographics` (geography, a PopulationSim reference), `clinical`
(primary_condition, comorbidities by ICD-10-CM category, severity), `coverage`
with `plan_distribution`, and `outputs`; the execution-options document. Part of
spec/aliases.py (see there for the whole list); every translation is noted.
"""

from __future__ import annotations

from healthsim.spec.aliases import (
    Normalised,
    _medicare_advantage_plan,
    _note,
    _walk_distributions,
    billable_code,
    distribution,
    table,
)

DROPPED_SECTIONS = {
    "utilization": "utilisation comes from the journeys (and calibration), not stated rates",
    "medications": "medications come from the journeys and the condition library's therapy ladders",
    "care_management": "care management comes from the journeys",
    "quality_measures": "quality measures are computed from the generated data (healthsim validate)",
    "customizable": "documentation of what a user may change",
    "journey_integration": "attach a journey with `journeys:`",
}


def profile(src: dict, out: Normalised, meta: dict | None = None) -> dict:
    notes = out.notes
    src = dict(src)
    for key, why in DROPPED_SECTIONS.items():
        if key in src:
            section = src.pop(key)
            if key == "journey_integration" and isinstance(section, dict) and section.get("default_journey"):
                from healthsim.spec.original_journey import journey_part

                journey_part({"template": section["default_journey"]}, out)
            _note(notes, f"{key} dropped: {why}")
    clinical_src = src.pop("clinical", None) or {}
    src = _walk_distributions(src, "", notes)
    doc: dict = {}
    if meta:
        src.setdefault("name", meta.get("name") or meta.get("id"))
        dropped = [k for k in meta if k not in ("name", "id")]
        if dropped:
            _note(notes, f"template {', '.join(dropped)} dropped (metadata)")
    gen = src.pop("generation", None) or {}
    name = src.pop("profile_name", None) or src.pop("name", None)
    pid = src.pop("id", None)
    doc["profile_name"] = name or (str(pid).replace("-", " ").replace("_", " ").strip().capitalize() if pid else
                                   "Original-format profile")
    if pid and not name:
        _note(notes, f"profile id {pid!r} used as the name")
    for key in ("version", "created", "updated", "author"):
        if key in src:
            _note(notes, f"{key} {src.pop(key)!r} dropped (HealthSim specs carry no version metadata)")
    if "description" in src:
        doc["description"] = src.pop("description")
    count = src.pop("count", None) or gen.get("count")
    if count is None:
        count = 100
        _note(notes, "no count: 100 members (the original builder's default)")
    doc["count"] = count
    for key in ("seed", "as_of"):
        value = src.pop(key, None) if key in src else gen.get(key)
        if value is not None:
            doc[key] = value
    if gen.get("products"):
        products(gen["products"], out, "generation.products")
    if gen.get("validation"):
        _note(notes, f"generation.validation {gen['validation']!r} dropped: every spec is validated strictly")
    doc["demographics"], geo = _demographics(src.pop("demographics", None) or {}, notes)
    geography = dict(src.pop("geography", None) or {})
    geography.update(geo)
    if geography:
        doc["geography"] = geography
    conditions = list(src.pop("conditions", None) or [])
    attributes = dict(src.pop("attributes", None) or {})
    conditions += _clinical(clinical_src, attributes, notes)
    if isinstance(src.get("sdoh"), dict):
        src["sdoh"] = _sdoh(src["sdoh"], conditions, notes)
    doc["conditions"] = _conditions(conditions, notes)
    if attributes:
        doc["attributes"] = attributes
    doc["coverage"] = _coverage(src.pop("coverage", None), doc["demographics"], notes)
    if "outputs" in src:
        _outputs(src.pop("outputs"), out)
    journey = src.pop("journey", None)
    if isinstance(journey, dict):
        from healthsim.spec.original_journey import journey_part

        journey_part(journey, out)
    journeys = list(src.pop("journeys", None) or [])
    if journeys or out.journeys:
        doc["journeys"] = journeys + [j for j in out.journeys if j not in journeys]
    from healthsim.spec.profile import ProfileSpec

    for key in [k for k in src if k in ProfileSpec.model_fields and k not in doc]:
        doc[key] = src.pop(key)  # HealthSim fields the document already spells our way (window, claims...)
    for key in list(src):
        _note(notes, f"{key} dropped: no HealthSim counterpart")
        src.pop(key)
    return doc


def _demographics(demo: dict, notes: list[str]) -> tuple[dict, dict]:
    """(demographics, geography) from the original's demographics (which may hold geography
    and a PopulationSim reference)."""
    from healthsim.spec.profile import Demographics

    demo = dict(demo)
    geo: dict = {}
    if "geography" in demo:
        geo.update(_geography_ref(demo.pop("geography"), notes, "demographics.geography"))
    source = demo.get("source")
    keeps_source = "source" in Demographics.model_fields
    if "reference" in demo and not keeps_source:
        geo.update(_geography_ref(demo.pop("reference"), notes, "demographics.reference"))
    if source is not None and not keeps_source:
        demo.pop("source")
        _note(notes, f"demographics.source {source!r}: the reference place is used as the geography; ages, "
              "sex and race come from the spec or the U.S. defaults")
    if "datasets" in demo:
        _note(notes, f"demographics.datasets {demo.pop('datasets')} dropped")
    for key in ("gender", "sex"):
        if isinstance(demo.get(key), dict) and str(demo[key].get("distribution", demo[key].get("type"))) == "fixed":
            demo[key] = {"distribution": "categorical", "weights": {str(demo[key]["value"]): 1.0}}
            _note(notes, f"demographics.{key} fixed read as categorical with one value")
    if isinstance(demo.get("age"), dict) and demo["age"].get("distribution") == "categorical":
        demo["age"] = _age_bands(demo["age"], notes)
    allowed = set(Demographics.model_fields) | {"sex"}
    for key in [k for k in demo if k not in allowed]:
        _note(notes, f"demographics.{key} dropped: no HealthSim counterpart")
        demo.pop(key)
    if "age" not in demo and "age" in Demographics.model_fields and Demographics.model_fields["age"].is_required():
        from healthsim.spec.census import census_bands

        demo["age"] = census_bands(0, 100)
        _note(notes, "no ages given: the U.S. age pyramid (2020 Census)")
    return demo, geo


def _age_bands(dist: dict, notes: list[str]) -> dict:
    """A categorical age over labels like 'infant_0-1', 'school_age_6-11' -> age_bands."""
    import re

    bands = []
    for label, weight in (dist.get("weights") or {}).items():
        m = re.search(r"(\d{1,3})\s*(?:-|_to_|to)\s*(\d{1,3})|(\d{1,3})\s*\+", str(label))
        if not m:
            raise ValueError(f"demographics.age: cannot read an age range from the label {label!r}")
        lo = int(m.group(1) or m.group(3))
        hi = int(m.group(2)) + 1 if m.group(2) else 100
        bands.append([lo, hi, float(weight)])
    bands.sort()
    for i in range(len(bands) - 1):  # "0-1", "1-3": a child of 1 belongs to the next band
        bands[i][1] = min(bands[i][1], bands[i + 1][0]) if bands[i + 1][0] > bands[i][0] else bands[i][1]
    _note(notes, "demographics.age categories read as age bands: " + ", ".join(f"{a}-{b - 1}" for a, b, _ in bands))
    return {"distribution": "age_bands", "bands": [{"min": a, "max": b, "weight": w} for a, b, w in bands]}


def _geography_ref(ref: object, notes: list[str], path: str) -> dict:
    """{source, reference: {state: TX}} / {type: county, fips: 48201} / {geography: {...}} -> geography."""
    if not isinstance(ref, dict):
        return {}
    ref = dict(ref)
    if "reference" in ref:
        if ref.get("source"):
            _note(notes, f"{path}.source {ref['source']!r}: the reference place is used as the geography")
        inner = ref.pop("reference")
        for key in [k for k in ref if k != "source"]:
            _note(notes, f"{path}.{key} {ref[key]!r} dropped")
        return _geography_ref(inner, notes, f"{path}.reference")
    if "geography" in ref and isinstance(ref["geography"], dict):
        for key in [k for k in ref if k != "geography"]:
            _note(notes, f"{path}.{key} {ref[key]!r} dropped")
        return _geography_ref(ref["geography"], notes, path)
    out: dict = {}
    kind = str(ref.get("type", "")).lower()
    fips = ref.get("fips") or ref.get("county_fips")
    if fips is not None or kind == "county":
        out["counties"] = [str(f).zfill(5) for f in (fips if isinstance(fips, list) else [fips])]
    state = ref.get("state") or ref.get("states") or (ref.get("code") if kind == "state" else None)
    if state:
        out["states"] = state if isinstance(state, list | dict) else [state]
    for key in ("zips", "urban_share"):
        if key in ref:
            out[key] = ref[key]
    if kind in ("national", "nationwide", "us"):
        _note(notes, f"{path}: national (all 50 states and DC, weighted by population)")
    for key in ("filter", "distribution"):
        if key in ref:
            _note(notes, f"{path}.{key} {ref[key]!r} dropped: members are spread over the place by population")
    if ref.get("city_distribution"):
        _note(notes, f"{path}.city_distribution {ref['city_distribution']!r}: members are spread over the "
              "place's ZIPs by population")
    if out:
        _note(notes, f"{path} read as geography {out}")
    return out


def _clinical(clinical: dict, attributes: dict, notes: list[str]) -> list[dict]:
    """Conditions and member attributes from the original's clinical section.

    Condition lists come in several shapes: `primary_condition` (+ its `severity`),
    `comorbidities`, `conditions`, `primary_conditions: {conditions: [...]}`,
    groups with a share each (`conditions_by_status`, `pregnancy_conditions`: a
    condition's prevalence is its group's share times its share in the group),
    and `conditions_by_age` (a prevalence table by the age range in each label).
    A categorical over labels (health_status, risk_category, pregnancy_stage...)
    becomes a member attribute of that name. Lab models and the rest are dropped,
    each with a note."""
    out: list[dict] = []
    clinical = dict(clinical)
    primary = clinical.pop("primary_condition", None)
    if isinstance(primary, dict):
        primary = dict(primary)
        severity = primary.pop("severity", None)
        if isinstance(severity, dict):
            attributes["diabetes_control"] = _severity(severity, notes)
        out.append({**primary, "prevalence": primary.get("prevalence", 1.0)})
        _note(notes, "clinical.primary_condition read as a condition")
    for key in ("comorbidities", "conditions", "pre_existing_conditions"):
        items = clinical.pop(key, None)
        if isinstance(items, dict):
            items = items.get("conditions")
        if items:
            out += list(items)
            _note(notes, f"clinical.{key} read as conditions")
    grouped = clinical.pop("primary_conditions", None)
    if isinstance(grouped, dict | list):
        out += list(grouped.get("conditions") or []) if isinstance(grouped, dict) else list(grouped)
        _note(notes, "clinical.primary_conditions read as conditions (each at its own prevalence)")
    for key in ("conditions_by_status", "pregnancy_conditions", "conditions_by_group"):
        groups = clinical.pop(key, None)
        if isinstance(groups, dict):
            out += _group_conditions(groups, key, notes)
    by_age = clinical.pop("conditions_by_age", None)
    if isinstance(by_age, dict):
        out += _age_conditions(by_age, notes)
    severity = clinical.pop("severity", None)
    if isinstance(severity, dict):
        attributes["diabetes_control"] = _severity(severity, notes)
    for key, value in list(clinical.items()):
        dist = distribution(value, f"clinical.{key}", notes) if _categorical(value) else None
        if dist is not None:
            attributes[key] = dist
            _note(notes, f"clinical.{key} read as member attribute {key}")
        else:
            _note(notes, f"clinical.{key} dropped: no HealthSim counterpart")
    return out


def _categorical(value: object) -> bool:
    return isinstance(value, dict) and str(value.get("distribution", value.get("type"))) == "categorical" and \
        isinstance(value.get("weights"), dict)


def _group_conditions(groups: dict, key: str, notes: list[str]) -> list[dict]:
    out: dict[str, dict] = {}
    for group in groups.values():
        if not isinstance(group, dict):
            continue
        share = float(group.get("prevalence", 1.0))
        for c in group.get("conditions") or []:
            if not isinstance(c, dict) or "code" not in c:
                continue
            p = share * float(c.get("prevalence", 1.0))
            entry = out.setdefault(str(c["code"]), {"code": c["code"], "name": c.get("description"), "prevalence": 0.0})
            entry["prevalence"] = round(min(1.0, entry["prevalence"] + p), 6)
            if "conditional" in c:
                _note(notes, f"clinical.{key}: the condition {c['code']}'s test {c['conditional']!r} dropped")
    _note(notes, f"clinical.{key}: each condition's prevalence is its group's share times its share in the group")
    return list(out.values())


def _age_conditions(by_age: dict, notes: list[str]) -> list[dict]:
    import re

    out: dict[str, dict] = {}
    for label, conditions in by_age.items():
        m = re.search(r"(\d{1,3})\s*-\s*(\d{1,3})", str(label))
        if not m:
            _note(notes, f"clinical.conditions_by_age: no age range in {label!r}; dropped")
            continue
        lo, hi = int(m.group(1)), int(m.group(2))
        for c in conditions or []:
            if not isinstance(c, dict) or "code" not in c:
                continue
            entry = out.setdefault(str(c["code"]), {"code": c["code"], "name": c.get("description"),
                                                    "prevalence": {"bands": [], "default": 0.0}})
            entry["prevalence"]["bands"].append({"age_min": lo, "age_max": hi,
                                                 "prevalence": float(c.get("prevalence", 1.0))})
    _note(notes, "clinical.conditions_by_age read as prevalence tables by age band")
    return list(out.values())


def _severity(dist: dict, notes: list[str]) -> dict:
    labels = table()["severity_labels"]
    dist = distribution(dist, "clinical.severity", notes)
    weights = dist.get("weights") or {}
    mapped: dict[str, float] = {}
    for label, w in weights.items():
        key = labels.get(str(label).lower(), str(label).lower())
        mapped[key] = mapped.get(key, 0.0) + float(w)
    _note(notes, "clinical.severity read as attribute diabetes_control ("
          + ", ".join(f"{k} -> {labels.get(str(k).lower(), k)}" for k in weights) + ")")
    return {"distribution": "categorical", "weights": mapped}


# The original format's SDOH factors (shares of members) and the ICD-10-CM Z code that
# records each on a member (FY2026 codes; Z59.41 and Z59.82 were added in FY2023).
SDOH_FACTOR_CODES = {
    "food_insecurity": ("Z59.41", "Food insecurity"),
    "housing_instability": ("Z59.819", "Housing instability, housed, unspecified"),
    "homelessness": ("Z59.00", "Homelessness unspecified"),
    "transportation_barriers": ("Z59.82", "Transportation insecurity"),
    "transportation_insecurity": ("Z59.82", "Transportation insecurity"),
    "financial_insecurity": ("Z59.869", "Financial insecurity, unspecified"),
    "low_literacy": ("Z55.0", "Illiteracy and low-level literacy"),
}


def _sdoh(sdoh: dict, conditions: list, notes: list[str]) -> dict:
    """The original's `sdoh: {source, factors}` block as HealthSim reads it: area SDOH always
    come from the member's county (PopulationSim), so `source` needs nothing; each factor
    share becomes a Z-code condition at that prevalence; the filters HealthSim has are kept."""
    from healthsim.spec.population import SdohSpec

    sdoh = dict(sdoh)
    source = sdoh.pop("source", None)
    if source is not None:
        _note(notes, f"sdoh.source {source!r}: area SDOH (SVI, RUCC, income) come from each member's "
              "county in the shipped PopulationSim tables")
    factors = sdoh.pop("factors", None)
    if isinstance(factors, dict):
        for name, share in factors.items():
            code = SDOH_FACTOR_CODES.get(str(name).lower())
            if code is None or not isinstance(share, (int, float)):
                _note(notes, f"sdoh.factors.{name} dropped: no ICD-10-CM Z code records it")
                continue
            conditions.append({"code": code[0], "name": code[1], "prevalence": float(share)})
            _note(notes, f"sdoh.factors.{name} {share}: condition {code[0]} ({code[1]}) in that share")
    elif factors is not None:
        _note(notes, "sdoh.factors dropped: expected a mapping of factor to share")
    for key in [k for k in sdoh if k not in SdohSpec.model_fields]:
        _note(notes, f"sdoh.{key} {sdoh.pop(key)!r} dropped: no HealthSim counterpart")
    return sdoh


def _conditions(conditions: list, notes: list[str]) -> list[dict]:
    out, seen = [], set()
    for c in conditions:
        c = {"code": c} if isinstance(c, str) else dict(c)
        raw = str(c.get("code", ""))
        code = billable_code(raw)
        if code != raw:
            _note(notes, f"condition {raw} (a category) read as {code}")
        c["code"] = code
        if "description" in c:
            c.setdefault("name", c.pop("description"))
        if c.get("name") is None:
            c.pop("name", None)
        c.setdefault("prevalence", 1.0)
        allowed = {"code", "name", "prevalence", "given", "onset_min_age", "years_since_onset", "source"}
        for key in [k for k in c if k not in allowed]:
            _note(notes, f"condition {c['code']}: {key} {c.pop(key)!r} dropped")
        if code in seen:
            _note(notes, f"condition {code} listed twice; the first is kept")
            continue
        seen.add(code)
        out.append(c)
    return out


def _coverage(cov: object, demo: dict, notes: list[str]) -> object:
    if cov is None:
        from healthsim.distributions import parse_distribution

        try:
            mean = parse_distribution(demo.get("age")).mean() if demo.get("age") else None
        except (ValueError, TypeError):
            mean = None
        kind = "medicare" if mean is not None and mean >= 65 else "commercial"
        _note(notes, f"no coverage: {kind} assumed (by the members' ages)")
        return {"type": kind}
    if not isinstance(cov, dict):
        return cov
    cov = dict(cov)
    if "program_distribution" in cov and "plan_distribution" not in cov:
        cov["plan_distribution"] = cov.pop("program_distribution")
    if "plan_distribution" in cov:
        options = []
        for plan, share in cov.pop("plan_distribution").items():
            options.append({"type": _coverage_type(str(plan), str(cov.get("type", ""))), "plan": str(plan),
                            "share": share})
        _drop_coverage_extras(cov, notes)
        _note(notes, "coverage.plan_distribution read as coverage options: "
              + ", ".join(f"{o['plan']} -> {o['type']} {o['share']:.0%}" for o in options))
        cov.pop("type", None)
        return {**cov, "options": options}
    if _medicare_advantage_plan(cov):
        cov["type"] = "medicare_advantage"
        _note(notes, f"coverage type Medicare with plan {cov.get('plan')!r} read as medicare_advantage")
    _drop_coverage_extras(cov, notes)
    return cov


COVERAGE_KEYS = {"type", "plan", "share", "benefits", "options", "enrollment"}


def _drop_coverage_extras(cov: dict, notes: list[str]) -> None:
    for key in [k for k in cov if k not in COVERAGE_KEYS]:
        _note(notes, f"coverage.{key} dropped: the plan's benefit design comes from the coverage type")
        cov.pop(key)


def _coverage_type(plan: str, base: str) -> str:
    p = plan.lower()
    if "advantage" in p or p in ("ma", "mapd") or p.startswith("ma "):
        return "medicare_advantage"
    if "original" in p or "traditional" in p or "ffs" in p or "fee" in p:
        return "medicare"
    if "dual" in p:
        return "dual"
    if "medicaid" in p or "chip" in p:
        return "medicaid"
    if "exchange" in p or "marketplace" in p:
        return "exchange"
    b = base.lower().replace(" ", "_")
    return {"medicare_advantage": "medicare_advantage", "medicaid": "medicaid", "medicare": "medicare"}.get(
        b, b or "commercial")


def products(products: list, out: Normalised, path: str) -> None:
    mapping = table()["products"]
    for p in products:
        what = mapping.get(str(p).lower())
        if what == "claims":
            out.claims = True
        elif what == "pharmacy_claims":
            out.pharmacy_claims = True
        elif what == "trial":
            out.trial = True
    _note(out.notes, f"{path} {list(products)} read as outputs"
          + (": claims" if out.claims else "") + (", pharmacy claims" if out.pharmacy_claims else ""))


def _outputs(outputs: object, out: Normalised) -> None:
    formats = table()["formats"]
    found = []
    if isinstance(outputs, dict):
        for product, spec in outputs.items():
            products([product], out, f"outputs.{product}")
            for f in (spec or {}).get("formats", []) if isinstance(spec, dict) else []:
                name = formats.get(str(f).lower())
                if name is None:
                    _note(out.notes, f"output format {f!r} is not known; dropped")
                else:
                    found.append(name)
            if isinstance(spec, dict) and spec.get("include"):
                _note(out.notes, f"outputs.{product}.include dropped: every table of the product is written")
    elif isinstance(outputs, list):
        found = [formats.get(str(f).lower(), str(f)) for f in outputs]
    out.formats = list(dict.fromkeys(out.formats + found))
    if found:
        _note(out.notes, f"outputs read as formats {', '.join(out.formats)}")


def execution(ex: dict, out: Normalised) -> dict:
    options = ex.get("options") or {}
    formats = table()["formats"]
    out.formats = [formats.get(str(f).lower(), str(f)) for f in options.get("formats") or []]
    result = {"profile": ex.get("profile_id"), "cohort_name": options.get("cohort_name"),
              "formats": out.formats, "dry_run": bool(options.get("dry_run", False)),
              "save": bool(options.get("save_cohort", True))}
    _note(out.notes, "execution options read as: generate profile "
          f"{result['profile']!r} as cohort {result['cohort_name']!r}"
          + (f", export {', '.join(out.formats)}" if out.formats else "")
          + (" (dry run: healthsim preview)" if result["dry_run"] else ""))
    if options.get("validation"):
        _note(out.notes, f"validation {options['validation']!r}: every spec is validated strictly")
    return result


