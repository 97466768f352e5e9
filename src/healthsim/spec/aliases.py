"""The original HealthSim specification's spellings, accepted as documented aliases.

The seed README and the skill documents it links to write specs in an older
shape; HealthSim loads them by translating, on load, into its own spec and
saying what it translated (`Normalised.notes`, also appended to the spec's
description so the note travels with the cohort). Nothing is guessed silently:
a part with no counterpart is dropped *with a note*.

What is translated:
- distributions: `type:` for `distribution:`, `log_normal`, `explicit`
  (`values: [{value, weight}]` -> categorical or empirical), `conditional` with
  `rules: [{if: "severity == 'controlled'", distribution: ...}]` -> `on` + `cases`;
- profiles: the nested `{profile: {...}}` document with `id`/`name`, `generation`
  (count, seed, products), `demographics` (with `geography` or `source:
  populationsim` + `reference`), `clinical` (`primary_condition`, `comorbidities`
  by ICD-10-CM category, `severity`), `coverage` with `plan_distribution`, and
  `outputs` (formats per product);
- journeys: the seed README's events written as names (`"events":
  ["initial_visit", "labs", ...]`), and the journey builder's `{journey: {...}}`
  with typed events (`encounter`, `prescription`, `referral`, `observation`,
  `procedure`, `admission`, `discharge`), `timing` in days/weeks/months/hours
  with `variance`, `recurrence`, `condition`, `branching_rules` and `branches`;
  a `{journey: {template: diabetic_first_year}}` reference names a template.

The tables of names live in `spec/data/original_aliases.yaml`. This module is
pure (no I/O beyond reading that table and the shipped code sets).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

DAYS_PER = {"day": 1.0, "week": 7.0, "month": 30.4375, "year": 365.25}
RECURRENCE = {"daily": 1, "weekly": 7, "biweekly": 14, "monthly": 30, "bimonthly": 61, "quarterly": 91,
              "semiannual": 182, "semi-annual": 182, "annually": 365, "annual": 365, "yearly": 365}
DIST_PARAMS = {"mean", "std_dev", "sd", "weights", "values", "rules", "min", "max", "median", "p95",
               "cases", "bands", "lam", "rate", "shape", "value", "mode", "alpha", "on"}
PROFILE_MARKERS = {"generation", "clinical", "outputs", "id", "version", "created"}
JOURNEY_MARKERS = {"branching_rules", "branches", "start_trigger", "cross_product", "version", "id"}
TIMING_KEYS = {"relative_to", "at", "range", "offset", "window", "every", "jitter", "count", "until", "missed",
               "until_event", "occurrence"}
RULE_IF = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(?:==|=|is)\s*['\"]?([\w .+-]+?)['\"]?\s*$")
COMPARISON = re.compile(r"^\s*([a-z_0-9]+)\s*([<>]=?)\s*(\d+(?:\.\d+)?)")


@dataclass
class Normalised:
    """A document in HealthSim's own shape, and what was changed to get there."""

    kind: str  # profile | journey | request | journey_ref | distribution | distributions | event | execution
    document: Any
    notes: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    claims: bool = False
    pharmacy_claims: bool = False
    trial: bool = False
    journeys: list[dict] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.notes)


@cache
def table() -> dict:
    text = resources.files("healthsim.spec").joinpath("data", "original_aliases.yaml").read_text("utf-8")
    return yaml.safe_load(text)


# --- entry points --------------------------------------------------------------

def detect(doc: object) -> str:
    """What an original-format document is (see Normalised.kind)."""
    if not isinstance(doc, dict):
        return "unknown"
    if "profile" in doc and isinstance(doc["profile"], dict):
        return "request" if isinstance(doc.get("journey"), dict) else "profile"
    if "journey" in doc and isinstance(doc["journey"], dict):
        return "journey_ref" if "template" in doc["journey"] and "phases" not in doc["journey"] else "journey"
    if "execution" in doc:
        return "execution"
    if "phases" in doc or "journey_name" in doc or (JOURNEY_MARKERS & set(doc) and "events" in str(doc)):
        return "journey"
    if "branching_rules" in doc:
        return "journey_fragment"
    if _is_distribution(doc):
        return "distribution"
    if "event_type" in doc and "generated" in doc:
        return "output_sample"
    if doc.get("type") in ("encounter", "prescription", "referral", "observation", "procedure", "admission",
                           "discharge"):
        return "event"
    if "demographics" in doc or "conditions" in doc or "count" in doc or "profile_name" in doc or (
            PROFILE_MARKERS & set(doc)):
        return "profile"
    if doc and all(isinstance(v, dict) and _is_distribution(v) for v in doc.values()):
        return "distributions"
    return "unknown"


def normalise(doc: dict, kind: str | None = None) -> Normalised:
    """Translate an original-format document (any kind) into HealthSim's shape."""
    kind = kind or detect(doc)
    doc = copy.deepcopy(doc)
    out = Normalised(kind=kind, document=doc)
    if kind == "profile":
        out.document = _profile(doc.get("profile", doc) if isinstance(doc.get("profile"), dict) else doc, out)
    elif kind == "request":
        _journey_part(doc["journey"], out)
        out.document = _profile(doc["profile"], out)
    elif kind == "journey":
        out.document = _journey(doc.get("journey", doc) if isinstance(doc.get("journey"), dict) else doc, out)
    elif kind == "journey_ref":
        _journey_part(doc["journey"], out)
        out.document = out.journeys[0] if out.journeys else {}
    elif kind == "journey_fragment":
        out.document = _journey({"name": "branching rules", "phases": [{"name": "main", "events": []}],
                                 "branching_rules": doc["branching_rules"]}, out)
    elif kind == "distribution":
        out.document = distribution(doc, "", out.notes)
    elif kind == "distributions":
        out.document = {k: distribution(v, k, out.notes) for k, v in doc.items()}
    elif kind == "event":
        ctx = _JourneyContext("", out.notes)
        events = _events([doc], ctx, "event")
        out.document = events[0] if events else {}
    elif kind == "execution":
        out.document = _execution(doc["execution"], out)
    return out


def description_note(notes: list[str]) -> str:
    """The sentence appended to a translated spec's description."""
    return "Loaded from the original HealthSim format; normalised: " + "; ".join(notes) + "."


def profile_document(doc: dict) -> tuple[dict, list[str]]:
    """(HealthSim profile document, notes) for a profile in either shape."""
    n = normalise(doc, "profile")
    return n.document, n.notes


def journey_document(doc: dict) -> tuple[dict, list[str]]:
    """(HealthSim journey document, notes) for a journey in either shape."""
    n = normalise(doc, "journey")
    return n.document, n.notes


def looks_original(doc: object, kind: str) -> bool:
    """True when a document uses any original-format spelling (so it needs `normalise`)."""
    if not isinstance(doc, dict):
        return False
    if kind == "profile":
        demo = doc.get("demographics") if isinstance(doc.get("demographics"), dict) else {}
        cov = doc.get("coverage") if isinstance(doc.get("coverage"), dict) else {}
        return bool(isinstance(doc.get("profile"), dict) or PROFILE_MARKERS & set(doc)
                    or "geography" in demo or "source" in demo or "plan_distribution" in cov
                    or _medicare_advantage_plan(cov) or "profile_name" not in doc and "name" not in doc
                    or _has_typed_distribution(doc))
    if kind == "journey":
        return bool(isinstance(doc.get("journey"), dict) or JOURNEY_MARKERS & set(doc)
                    or _has_named_events(doc) or _has_typed_distribution(doc) or _has_original_events(doc))
    return False


# --- distributions ---------------------------------------------------------------

def _is_distribution(d: object) -> bool:
    if not isinstance(d, dict):
        return False
    tag = d.get("distribution", d.get("type"))
    return isinstance(tag, str) and tag in table()["distribution_names"] and bool(DIST_PARAMS & set(d))


def _has_typed_distribution(node: object) -> bool:
    if isinstance(node, dict):
        if "distribution" not in node and _is_distribution(node):
            return True
        if node.get("distribution") in ("log_normal", "explicit") or (
                node.get("distribution") == "conditional" and "rules" in node):
            return True
        return any(_has_typed_distribution(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_typed_distribution(v) for v in node)
    return False


def distribution(d: dict, path: str, notes: list[str]) -> dict:
    """One distribution in HealthSim's spelling (recursing into conditional cases)."""
    d = dict(d)
    where = f" ({path})" if path else ""
    if "distribution" not in d and "type" in d:
        d["distribution"] = d.pop("type")
        _note(notes, f"`type:` read as `distribution:`{where}")
    name = str(d["distribution"])
    canonical = table()["distribution_names"].get(name, name)
    if canonical != name:
        d["distribution"] = canonical
        _note(notes, f"distribution {name!r} read as {canonical!r}{where}")
    kind = d["distribution"]
    if kind == "lognormal":
        for bound in ("min", "max"):
            if bound in d:
                value = d.pop(bound)
                _note(notes, f"lognormal {bound}: {value} dropped{where}: a lognormal is positive and unbounded "
                      "above" if not (bound == "min" and value == 0) else f"lognormal min: 0 dropped{where} "
                      "(a lognormal is always positive)")
    elif kind == "explicit":
        d = _explicit(d, where, notes)
    elif kind == "conditional" and "rules" in d:
        d = _conditional(d, path, notes)
    elif kind == "conditional" and isinstance(d.get("cases"), dict):
        d["cases"] = {k: distribution(v, f"{path}.cases.{k}", notes) if isinstance(v, dict) else v
                      for k, v in d["cases"].items()}
    if kind == "categorical" and isinstance(d.get("weights"), dict):
        d["weights"] = _normalised_weights(d["weights"], path, notes)
    return d


def _explicit(d: dict, where: str, notes: list[str]) -> dict:
    values = d.get("values") or []
    pairs = [(v["value"], v.get("weight")) if isinstance(v, dict) else (v, None) for v in values]
    if any(isinstance(v, dict) and "note" in v for v in values):
        _note(notes, f"explicit value notes dropped{where}")
    if not pairs:
        raise ValueError(f"explicit distribution{where} has no values")
    weights = [w for _, w in pairs]
    if all(w is None for w in weights):
        weights = [1 / len(pairs)] * len(pairs)
    elif any(w is None for w in weights):
        raise ValueError(f"explicit distribution{where}: give a weight for every value or for none")
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v, _ in pairs)
    _note(notes, f"`explicit` read as {'empirical' if numeric else 'categorical'}{where}")
    if numeric:
        return {"distribution": "empirical", "values": [v for v, _ in pairs], "weights": weights}
    return {"distribution": "categorical", "weights": _normalised_weights(
        {str(v): float(w) for (v, _), w in zip(pairs, weights, strict=True)}, where, notes)}


def _normalised_weights(weights: dict, path: str, notes: list[str]) -> dict:
    """Weights summing to 1 within rounding (the seed's 0.30/0.50/0.20) are left alone; a sum
    off by more is an error for the spec to report, not something to fix silently."""
    return weights


def _conditional(d: dict, path: str, notes: list[str]) -> dict:
    """`rules: [{if: "severity == 'controlled'", distribution: {...}}]` -> `on: severity, cases`."""
    on, cases, default = None, {}, None
    for i, rule in enumerate(d.get("rules") or []):
        test = str(rule.get("if", rule.get("when", ""))).strip()
        dist = distribution(rule.get("distribution") or rule.get("then") or {}, f"{path}.rules.{i}", notes)
        if test.lower() in ("", "else", "default", "otherwise", "true"):
            default = dist
            continue
        m = RULE_IF.match(test)
        if not m:
            raise ValueError(f"conditional rule {i}{' of ' + path if path else ''}: cannot read the test "
                             f"{test!r}; write it as column == 'value'")
        column = m.group(1)
        if on not in (None, column):
            raise ValueError(f"conditional rules{' of ' + path if path else ''} test two columns ({on!r} and "
                             f"{column!r}); one conditional conditions on one column")
        on = column
        cases[m.group(2).strip()] = dist
    if on is None:
        raise ValueError(f"conditional{' ' + path if path else ''} has no rule with a test")
    out: dict = {"distribution": "conditional", "on": on, "cases": cases}
    if default is not None:
        out["default"] = default
    _note(notes, f"conditional `rules` read as on: {on} with cases {', '.join(cases)}"
          + (f" ({path})" if path else ""))
    return out


def _walk_distributions(node: object, path: str, notes: list[str]) -> object:
    """Every distribution in a document, in HealthSim's spelling."""
    if isinstance(node, dict):
        if _is_distribution(node) or node.get("distribution") in table()["distribution_names"]:
            return distribution(node, path, notes)
        return {k: _walk_distributions(v, f"{path}.{k}" if path else str(k), notes) for k, v in node.items()}
    if isinstance(node, list):
        return [_walk_distributions(v, f"{path}.{i}", notes) for i, v in enumerate(node)]
    return node


def _note(notes: list[str], text: str) -> None:
    if text not in notes:
        notes.append(text)


# --- profiles ---------------------------------------------------------------------

def _medicare_advantage_plan(cov: dict) -> bool:
    return str(cov.get("type", "")).lower() == "medicare" and "advantage" in str(cov.get("plan", "")).lower()


def _profile(src: dict, out: Normalised) -> dict:
    notes = out.notes
    src = _walk_distributions(dict(src), "", notes)
    doc: dict = {}
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
        _products(gen["products"], out, "generation.products")
    if gen.get("validation"):
        _note(notes, f"generation.validation {gen['validation']!r} dropped: every spec is validated strictly")
    doc["demographics"], geo = _demographics(src.pop("demographics", None) or {}, notes)
    geography = dict(src.pop("geography", None) or {})
    geography.update(geo)
    if geography:
        doc["geography"] = geography
    conditions = list(src.pop("conditions", None) or [])
    attributes = dict(src.pop("attributes", None) or {})
    clinical = src.pop("clinical", None) or {}
    conditions += _clinical(clinical, attributes, notes)
    doc["conditions"] = _conditions(conditions, notes)
    if attributes:
        doc["attributes"] = attributes
    doc["coverage"] = _coverage(src.pop("coverage", None), doc["demographics"], notes)
    if "outputs" in src:
        _outputs(src.pop("outputs"), out)
    journey = src.pop("journey", None)
    if isinstance(journey, dict):
        _journey_part(journey, out)
    journeys = list(src.pop("journeys", None) or [])
    if journeys or out.journeys:
        doc["journeys"] = journeys + [j for j in out.journeys if j not in journeys]
    for key in ("claims", "sources", "sdoh", "households"):
        if key in src:
            doc[key] = src.pop(key)
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
    if "age" not in demo and "age" in Demographics.model_fields and Demographics.model_fields["age"].is_required():
        from healthsim.spec.census import census_bands

        demo["age"] = census_bands(0, 100)
        _note(notes, "no ages given: the U.S. age pyramid (2020 Census)")
    return demo, geo


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
    if ref.get("city_distribution"):
        _note(notes, f"{path}.city_distribution {ref['city_distribution']!r}: members are spread over the "
              "place's ZIPs by population")
    if out:
        _note(notes, f"{path} read as geography {out}")
    return out


def _clinical(clinical: dict, attributes: dict, notes: list[str]) -> list[dict]:
    out = []
    primary = clinical.get("primary_condition")
    if isinstance(primary, dict):
        out.append({**primary, "prevalence": primary.get("prevalence", 1.0)})
        _note(notes, "clinical.primary_condition read as a condition")
    out += list(clinical.get("comorbidities") or [])
    if clinical.get("comorbidities"):
        _note(notes, "clinical.comorbidities read as conditions")
    out += list(clinical.get("conditions") or [])
    severity = clinical.get("severity")
    if isinstance(severity, dict):
        attributes["diabetes_control"] = _severity(severity, notes)
    for key in set(clinical) - {"primary_condition", "comorbidities", "conditions", "severity"}:
        _note(notes, f"clinical.{key} dropped: no HealthSim counterpart")
    return out


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
        c.setdefault("prevalence", 1.0)
        if code in seen:
            _note(notes, f"condition {code} listed twice; the first is kept")
            continue
        seen.add(code)
        out.append(c)
    return out


def billable_code(code: str) -> str:
    """An ICD-10-CM category ('E11', 'N18') -> the condition library's default code for it, else
    its first billable code; billable and unknown codes are returned as given (checked later)."""
    from healthsim.reference.icd10 import lookup
    from healthsim.reference.icd10 import table as icd_table

    info = lookup(code)
    if info is None or info.billable:
        return info.code if info else code
    try:
        from healthsim.conditions.library import library

        lib = library()
        fid = lib.family_of(info.code)
        if fid and lib.families[fid].codes.default.startswith(info.code):
            return lib.families[fid].codes.default
    except ImportError:
        pass
    t = icd_table()
    for i, c in enumerate(t.code.tolist()):
        if c.startswith(info.code) and bool(t.billable[i]):
            return c
    return code


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
    if "plan_distribution" in cov:
        options = []
        for plan, share in cov.pop("plan_distribution").items():
            options.append({"type": _coverage_type(str(plan), str(cov.get("type", ""))), "plan": str(plan),
                            "share": share})
        _note(notes, "coverage.plan_distribution read as coverage options: "
              + ", ".join(f"{o['plan']} -> {o['type']} {o['share']:.0%}" for o in options))
        cov.pop("type", None)
        return {**cov, "options": options}
    if _medicare_advantage_plan(cov):
        cov["type"] = "medicare_advantage"
        _note(notes, f"coverage type Medicare with plan {cov.get('plan')!r} read as medicare_advantage")
    return cov


def _coverage_type(plan: str, base: str) -> str:
    p = plan.lower()
    if "advantage" in p or p in ("ma", "mapd"):
        return "medicare_advantage"
    if "original" in p or "traditional" in p or "ffs" in p or "fee" in p:
        return "medicare"
    if "dual" in p:
        return "dual"
    if "medicaid" in p or "chip" in p:
        return "medicaid"
    if "exchange" in p or "marketplace" in p:
        return "exchange"
    return base.lower() or "commercial"


def _products(products: list, out: Normalised, path: str) -> None:
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
            _products([product], out, f"outputs.{product}")
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


def _execution(ex: dict, out: Normalised) -> dict:
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


# --- journeys -----------------------------------------------------------------------

def _journey_part(journey: dict, out: Normalised) -> None:
    """A profile's journey: a template reference, or an inline journey."""
    if "template" in journey and "phases" not in journey:
        name = str(journey["template"])
        installed = table()["journey_templates"].get(name.lower(), name.replace("_", "-"))
        out.journeys.append({"template": installed})
        _note(out.notes, f"journey template {name!r} read as {installed!r}")
        if journey.get("customizations"):
            _note(out.notes, f"journey customizations {journey['customizations']} dropped: adjust the journey "
                  "with the Journey Builder (healthsim chat --journey)")
        return
    out.journeys.append({"spec": _journey(journey, out)})


def _has_named_events(doc: dict) -> bool:
    return any(isinstance(e, str) for p in doc.get("phases") or [] if isinstance(p, dict)
               for e in p.get("events") or [])


def _has_original_events(doc: dict) -> bool:
    for p in doc.get("phases") or []:
        for e in (p.get("events") or []) if isinstance(p, dict) else []:
            if isinstance(e, dict) and (e.get("type") in ("prescription", "observation", "procedure", "admission",
                                                           "discharge") or "details" in e or "recurrence" in e):
                return True
    return False


@dataclass
class _JourneyContext:
    name: str
    notes: list[str]
    condition: str | None = None
    ids: set[str] = field(default_factory=set)
    shift: int = 0
    phase_span: tuple[int, int] | None = None  # the current phase's days from the journey start

    def new_id(self, base: str) -> str:
        base = re.sub(r"[^a-z0-9_]+", "_", base.lower()).strip("_") or "event"
        name, n = base, 2
        while name in self.ids:
            name, n = f"{base}_{n}", n + 1
        self.ids.add(name)
        return name


def _journey_condition(name: str) -> str | None:
    low = name.lower()
    for word, prefix in table()["journey_conditions"].items():
        if word in low:
            return prefix
    return None


def _journey(src: dict, out: Normalised) -> dict:
    notes = out.notes
    src = dict(src)
    name = src.pop("journey_name", None) or src.pop("name", None) or src.pop("id", None) or "Journey"
    src.pop("id", None)
    for key in ("version", "created"):
        if key in src:
            _note(notes, f"journey {key} {src.pop(key)!r} dropped")
    ctx = _JourneyContext(str(name), notes, _journey_condition(str(name)))
    doc: dict = {"journey_name": str(name)}
    if "description" in src:
        doc["description"] = src.pop("description")
    for key in ("kind", "start", "eligibility", "measures", "lifecycle", "sources"):
        if key in src:
            doc[key] = _walk_distributions(src.pop(key), key, notes)
    trigger = src.pop("start_trigger", None)
    if trigger and "start" not in doc:
        doc["start"] = _start(str(trigger), ctx)
    ctx.shift = _negative_shift(src.get("phases") or [])
    if ctx.shift:
        _note(notes, f"events before day 0 (e.g. week -4): every timing moved {ctx.shift} days later, so the "
              "journey starts at its first event")
    phases = []
    start = 0
    for i, p in enumerate(src.pop("phases", None) or []):
        span = _phase_span(p, start)
        own = None
        if span is None:  # no duration: the phase spans its events' days (from the journey start)
            days = [d + ctx.shift for e in (p.get("events") or []) if isinstance(e, dict)
                    and isinstance(e.get("timing"), dict) and (d := _day(e["timing"])) is not None]
            own = (min(days), max(days)) if days else None
        ctx.phase_span = span or own
        phase = _phase(p, i, ctx)
        if own is not None:
            phase["window"] = [own[0], own[1]]
        phases.append(phase)
        start = (span or own or (start, start))[1]
    ctx.phase_span = None
    branching = src.pop("branching_rules", None) or []
    branches = src.pop("branches", None) or {}
    decisions = _decisions(branching, branches, ctx, phases)
    if decisions:
        if phases:
            phases[-1]["events"] += decisions
        else:
            phases.append({"name": "decisions", "events": decisions})
        doc["kind"] = doc.get("kind", "branching")
    phases = [p for p in phases if p["events"]] or phases
    doc["phases"] = phases
    duration = src.pop("duration", None)
    doc["duration"] = duration if duration is not None else _implied_duration(phases, notes)
    if ctx.shift:
        from healthsim.spec.journey_timing import parse_days

        doc["duration"] = parse_days(doc["duration"]) + ctx.shift
    cross = src.pop("cross_product", None)
    if cross:
        _products(list(cross), out, "cross_product")
    for key in list(src):
        _note(notes, f"journey {key} dropped: no HealthSim counterpart")
    return doc


def _start(trigger: str, ctx: _JourneyContext) -> dict:
    t = trigger.lower()
    if "diagnos" in t and ctx.condition:
        _note(ctx.notes, f"start_trigger {trigger!r} read as the onset of {ctx.condition} (re-dated into coverage)")
        return {"anchor": "condition_onset", "condition": ctx.condition, "if_outside": "redate"}
    if "enroll" in t or "coverage" in t:
        _note(ctx.notes, f"start_trigger {trigger!r} read as the first covered day")
        return {"anchor": "coverage_start"}
    _note(ctx.notes, f"start_trigger {trigger!r}: the journey starts on a day within coverage")
    return {"anchor": "coverage"}


def _negative_shift(phases: list) -> int:
    low = 0
    for p in phases:
        for e in (p.get("events") or []) if isinstance(p, dict) else []:
            if isinstance(e, dict) and isinstance(e.get("timing"), dict):
                low = min(low, _day(e["timing"]) or 0)
    return -low


def _implied_duration(phases: list[dict], notes: list[str]) -> int:
    total = sum(p.get("duration") or 0 for p in phases if isinstance(p.get("duration"), int))
    end = max([p["window"][1] for p in phases if p.get("window")] + [total, 0])
    days = max(end, 90)
    _note(notes, f"no duration: {days} days (the phases' extent)")
    return days


def _phase_span(p: object, start: int) -> tuple[int, int] | None:
    """Days [from, to] of a phase from the journey start ('0-30 days' windows, or sequential durations)."""
    from healthsim.spec.journey_timing import parse_days, parse_span

    if not isinstance(p, dict) or p.get("duration") is None:
        return None
    try:
        if isinstance(p["duration"], str) and re.match(r"^\s*\d+\s*(?:-|to)\s*\d+", p["duration"]):
            return parse_span(p["duration"])
        return start, start + parse_days(p["duration"])
    except ValueError:
        return None


def _phase(p: object, i: int, ctx: _JourneyContext) -> dict:
    if not isinstance(p, dict):
        raise ValueError(f"phases.{i} must be a mapping with a name and events")  # noqa: TRY004 (a spec problem)
    out: dict = {"name": str(p.get("name") or f"phase_{i + 1}")}
    dur = p.get("duration")
    if isinstance(dur, str) and re.match(r"^\s*\d+\s*(?:-|to)\s*\d+", dur):
        out["window"] = dur
    elif dur is not None:
        out["duration"] = dur
    if "window" in p:
        out["window"] = p["window"]
    out["events"] = _events(p.get("events") or [], ctx, f"phases.{i}")
    return out


def _day(timing: dict) -> int | None:
    for unit in ("day", "week", "month", "year"):
        if unit in timing or f"{unit}s" in timing:
            value = float(timing.get(unit, timing.get(f"{unit}s")))
            return round(value * DAYS_PER[unit])
    if "hour" in timing or "hours" in timing:
        return 0
    return None


def _timing(e: dict, ctx: _JourneyContext, path: str) -> dict | None:
    t = e.get("timing") if isinstance(e.get("timing"), dict) else {}
    if set(t) & {"at", "range", "offset", "window", "every", "relative_to"}:
        return t  # already HealthSim timing
    out: dict = {}
    day = _day(t) if t else None
    if t and ("hour" in t or "hours" in t):
        _note(ctx.notes, f"{path}: hours within a day become the same day (HealthSim times events by day)")
    if "after" in t or "before" in t:
        ref = str(t.get("after") or t.get("before"))
        sign = 1 if "after" in t else -1
        days = float(t.get("days", 0)) + float(t.get("weeks", 0)) * 7 + float(t.get("hours", 0)) / 24
        out["relative_to"] = re.sub(r"[^a-z0-9_]+", "_", ref.lower())
        out["at"] = round(sign * days)
        day = None
    if day is not None:
        day += ctx.shift
        if ctx.phase_span and ctx.phase_span[0] <= day <= ctx.phase_span[1]:
            if ctx.phase_span[0] > 0:
                out["relative_to"] = "journey_start"  # the original times events from the journey start
        elif ctx.phase_span and ctx.phase_span[0] > 0:
            _note(ctx.notes, f"{path}: day {day} lies outside its phase ({ctx.phase_span[0]}-{ctx.phase_span[1]} "
                  "days from the start), so it is read as days into the phase")
        variance = t.get("variance")
        if t.get("variance_pct") is not None:
            variance = abs(day) * float(t["variance_pct"])
        if variance:
            v = round(float(variance))
            out["range"] = [max(0, day - v), day + v]
        else:
            out["at"] = day
    rec = e.get("recurrence")
    if rec is not None:
        if isinstance(rec, dict):
            unit = str(rec.get("unit", "days")).rstrip("s")
            every = round(float(rec.get("every", 1)) * DAYS_PER.get(unit, 1))
        else:
            every = RECURRENCE.get(str(rec).lower())
            if every is None:
                raise ValueError(f"{path}.recurrence: {rec!r} is not known; use daily, weekly, monthly, quarterly, "
                                 "annually or {every: N, unit: days}")
        out["every"] = every
    return out or None


def _events(events: list, ctx: _JourneyContext, path: str) -> list[dict]:
    out: list[dict] = []
    pending_los: list[tuple[dict, int | None]] = []
    for j, e in enumerate(events):
        where = f"{path}.events.{j}"
        if isinstance(e, str):
            _named_event(e, out, ctx, where)
            continue
        if not isinstance(e, dict):
            raise ValueError(f"{where}: an event is a name or a mapping")  # noqa: TRY004 (a spec problem)
        kind = e.get("type")
        timing = e.get("timing") if isinstance(e.get("timing"), dict) else {}
        if kind in ("encounter", "lab", "medication", "referral", "decision", "member_event", "enrollment_change",
                    "death") and "details" not in e and "recurrence" not in e and not set(timing) - TIMING_KEYS:
            out.append(_walk_distributions(e, where, ctx.notes))  # already HealthSim's
            continue
        event = _typed_event(e, ctx, where, out, pending_los)
        if event is not None:
            out.append(event)
    return out


def _named_event(name: str, out: list[dict], ctx: _JourneyContext, where: str) -> None:
    """The seed README's `"events": ["initial_visit", "labs", "diagnosis", "rx_metformin"]`."""
    key = name.strip().lower()
    entry = copy.deepcopy(table()["named_events"].get(key))
    if entry is None and key.startswith("rx_"):
        entry = {"medication": key[3:]}
    if entry is None and key.endswith(("_check", "_test", "_lab", "_labs")):
        entry = {"merge": "lab", "labs": [key.rsplit("_", 1)[0]]}
    if entry is None:
        raise ValueError(f"{where}: event {name!r} is not a known event name; known: "
                         + ", ".join(sorted(table()["named_events"])) + ", rx_<drug>, <lab>_check")
    previous = next((x for x in reversed(out) if x.get("type") == "encounter"), None)
    if "refills" in entry:
        orders = [m for x in out for m in (x.get("medications") or [])] + [
            x["order"] for x in out if x.get("type") == "medication"]
        for m in orders:
            m["refills"] = entry["refills"]
        _note(ctx.notes, f"event {name!r} read as refills on the phase's medication orders"
              if orders else f"event {name!r} dropped: no medication order before it in the phase")
        return
    if "medication" in entry:
        drug = drug_for(entry["medication"])
        if drug is None:
            raise ValueError(f"{where}: no drug {entry['medication']!r} in the shipped RxNorm subset")
        item = {"id": ctx.new_id(key), "drug": drug, "days_supply": 30}
        if previous is not None:
            previous.setdefault("medications", []).append(item)
        else:
            out.append({"id": ctx.new_id(key + "_order"), "type": "medication", "order": item})
        _note(ctx.notes, f"event {name!r} read as a medication order (RxNorm {drug})")
        return
    labs = [table()["labs"].get(x, x) for x in entry.get("labs", [])]
    if entry.get("merge"):
        target = previous
        if target is None or (entry["merge"] == "lab" and target.get("timing", {}).get("every") is None
                              and out and out[-1] is not target):
            target = None
        if target is None:
            if labs:
                out.append({"id": ctx.new_id(key), "type": "lab", "labs": labs})
                _note(ctx.notes, f"event {name!r} read as a lab visit ({', '.join(labs)})")
            else:
                _note(ctx.notes, f"event {name!r} dropped: no visit before it in the phase")
            return
        target["labs"] = list(dict.fromkeys((target.get("labs") or []) + labs))
        if entry.get("diagnose"):
            if ctx.condition:
                target.setdefault("diagnoses", []).append({"condition": ctx.condition, "record": True,
                                                           "code": billable_code(ctx.condition)})
            else:
                _note(ctx.notes, f"event {name!r}: the journey's name names no condition; no diagnosis coded")
        _note(ctx.notes, f"event {name!r} added to visit {target['id']!r}")
        return
    event = {"id": ctx.new_id(key), **{k: v for k, v in entry.items() if k not in ("labs",)}}
    if labs:
        event["labs"] = labs
    if "labs" in entry and not labs:
        event.pop("labs", None)
    if event.get("type") == "encounter" and ctx.condition:
        event.setdefault("diagnoses", [{"condition": ctx.condition}])
    out.append(event)
    _note(ctx.notes, "events written as names read as HealthSim events (see docs/conversation.md)")


def drug_for(name: str) -> str | None:
    """RxNorm RXCUI in the shipped subset for an ingredient ('metformin') or a drug class."""
    from healthsim.reference.clinical import drugs

    n = str(name).lower().replace("-", "_").strip()
    cls = table()["medication_classes"].get(n)
    rows = list(drugs().values())
    for d in rows:
        if d.ingredient.lower() == n.replace("_", " ") and d.generic:
            return d.rxcui
    for d in rows:
        if d.ingredient.lower() == n.replace("_", " ") or (cls and d.drug_class == cls):
            return d.rxcui
    return None


def _typed_event(e: dict, ctx: _JourneyContext, where: str, out: list[dict],
                 pending: list) -> dict | None:
    kind = str(e.get("type", "encounter")).lower()
    details = dict(e.get("details") or {})
    timing = _timing(e, ctx, where)
    base: dict = {}
    if timing:
        base["timing"] = timing
    if e.get("condition"):
        when = _when(str(e["condition"]), ctx, where)
        if when:
            base["when"] = when
    if kind == "encounter":
        return {"id": ctx.new_id(details.get("visit_type") or details.get("purpose") or e.get("encounter_type")
                                 or "visit"), "type": "encounter", **base, **_encounter(e, details, ctx, where)}
    if kind == "prescription":
        drug = drug_for(details.get("medication", ""))
        if drug is None:
            _note(ctx.notes, f"{where}: medication {details.get('medication')!r} is not in the shipped RxNorm "
                  "subset; dropped")
            return None
        item: dict = {"drug": drug}
        dose = re.match(r"^\s*(\d+(?:\.\d+)?)", str(details.get("dose", "")))
        if dose:
            item["dose"] = float(dose.group(1))
        if details.get("frequency"):
            item["frequency"] = str(details["frequency"])
        if details.get("days_supply"):
            item["days_supply"] = int(details["days_supply"])
        if details.get("refill"):
            _note(ctx.notes, f"{where}: a refill is a renewal order of the same drug")
        return {"id": ctx.new_id(str(details.get("medication", "rx"))), "type": "medication", **base,
                "order": item}
    if kind == "referral":
        to = str(details.get("type") or details.get("to") or "primary_care")
        for extra in ("urgency", "purpose"):
            if extra in details:
                _note(ctx.notes, f"{where}: referral {extra} {details[extra]!r} dropped")
        return {"id": ctx.new_id(f"referral_{to}"), "type": "referral", **base, "referral": {"to": to}}
    if kind == "observation":
        tests = details.get("tests") or details.get("orders") or []
        labs = [table()["labs"][t] for t in tests if t in table()["labs"]]
        procs = [table()["test_procedures"][t] for t in tests if t in table()["test_procedures"]]
        dropped = [t for t in tests if t not in table()["labs"] and t not in table()["test_procedures"]]
        if dropped:
            _note(ctx.notes, f"{where}: tests {dropped} are not in the shipped lab panels; dropped")
        previous = next((x for x in reversed(out) if x.get("type") == "encounter"
                         and x.get("timing") == base.get("timing")), None)
        if previous is not None:
            previous["labs"] = list(dict.fromkeys((previous.get("labs") or []) + labs))
            if procs:
                previous["procedures"] = (previous.get("procedures") or []) + procs
            _note(ctx.notes, f"{where}: observation added to the visit {previous['id']!r} on the same day")
            return None
        if procs:
            return {"id": ctx.new_id("tests"), "type": "encounter", "setting": "office", **base,
                    "labs": labs, "procedures": procs}
        if not labs:
            return None
        return {"id": ctx.new_id("labs"), "type": "lab", **base, "labs": labs}
    if kind == "procedure":
        code = str(details.get("cpt") or table()["procedures"].get(str(details.get("type", "")).lower(), ""))
        if not _known_procedure(code):
            _note(ctx.notes, f"{where}: procedure {details.get('cpt') or details.get('type')!r} is not in the shipped "
                  "CPT/HCPCS subset; dropped")
            return None
        admission = next((x for x in reversed(out) if x.get("setting") == "inpatient"), None)
        if admission is not None:
            admission.setdefault("procedures", []).append(code)
            return None
        return {"id": ctx.new_id(f"procedure_{code}"), "type": "encounter", "setting": "outpatient_surgery",
                **base, "em": "none", "procedures": [code]}
    if kind == "admission":
        event = {"id": ctx.new_id("admission"), "type": "encounter", "setting": "inpatient", **base}
        if details.get("unit"):
            _note(ctx.notes, f"{where}: admission unit {details['unit']!r} dropped")
        if ctx.condition:
            event["diagnoses"] = [{"condition": ctx.condition}]
        pending.append((event, _day(e.get("timing") or {})))
        return event
    if kind == "discharge":
        day = _day(e.get("timing") or {})
        if pending:
            event, start = pending.pop()
            if day is not None and start is not None and day >= start:
                event["length_of_stay"] = {"distribution": "constant", "value": day - start}
                _note(ctx.notes, f"{where}: discharge on day {day} read as a {day - start}-night stay")
            if details.get("disposition") == "home":
                event["disposition"] = {"weights": {"01": 1.0}}
            return None
        _note(ctx.notes, f"{where}: a discharge with no admission before it is dropped")
        return None
    _note(ctx.notes, f"{where}: event type {kind!r} has no HealthSim counterpart; dropped")
    return None


def _known_procedure(code: str) -> bool:
    from healthsim.reference.clinical import procedure_codes

    return bool(code) and code in procedure_codes()


def _encounter(e: dict, details: dict, ctx: _JourneyContext, where: str) -> dict:
    visit = str(details.get("visit_type") or e.get("encounter_type") or "office_visit").lower()
    out: dict = {}
    if re.fullmatch(r"\d{5}", visit) or re.fullmatch(r"[A-Z]\d{4}", visit.upper()):
        out["setting"] = "office"
        out["em"] = visit.upper()
    else:
        entry = table()["visit_types"].get(visit)
        if entry is None:
            _note(ctx.notes, f"{where}: visit type {visit!r} read as an office visit")
            entry = {"setting": "office"}
        out.update(entry)
    if e.get("encounter_type") and str(e["encounter_type"]).lower() in table()["visit_types"]:
        out.update(table()["visit_types"][str(e["encounter_type"]).lower()])
    diagnoses = [{"code": billable_code(str(d))} for d in details.get("diagnoses") or []]
    if diagnoses:
        out["diagnoses"] = diagnoses
    elif ctx.condition:
        out["diagnoses"] = [{"condition": ctx.condition}]
    orders = details.get("orders") or []
    labs = [table()["labs"][o] for o in orders if o in table()["labs"]]
    if labs:
        out["labs"] = list(dict.fromkeys(labs))
    dropped = [o for o in orders if o not in table()["labs"]]
    if dropped:
        _note(ctx.notes, f"{where}: orders {dropped} are not lab panels; dropped")
    if details.get("purpose"):
        out["name"] = str(details["purpose"]).replace("_", " ")
    return out


def _when(test: str, ctx: _JourneyContext, where: str) -> dict | None:
    """An original event/branch condition ('a1c > 7.5', 'egfr < 45') as a member condition."""
    m = COMPARISON.match(test.lower())
    if m and m.group(1) in ("a1c", "hba1c"):
        value = float(m.group(3))
        labels = ["poor"] if value >= 9 else ["suboptimal", "poor"]
        _note(ctx.notes, f"{where}: condition {test!r} read as diabetes_control {labels}")
        return {"attribute": {"diabetes_control": labels}}
    if m and m.group(1) == "egfr":
        value = float(m.group(3))
        prefixes = ["N18.4", "N18.5", "N18.6"] + (["N18.32"] if value >= 45 else [])
        _note(ctx.notes, f"{where}: condition {test!r} read as CKD stages {prefixes}")
        return {"condition": prefixes}
    if test.lower().strip() == "random":
        return None
    _note(ctx.notes, f"{where}: condition {test!r} cannot be read; the event happens for everyone")
    return None


def _decisions(rules: list, branches: dict, ctx: _JourneyContext, phases: list[dict]) -> list[dict]:
    """branching_rules (+ branches) as decision events (and conditional events for actions)."""
    if not rules:
        if branches:
            _note(ctx.notes, "branches without branching_rules dropped")
        return []
    out: list[dict] = []
    first = next((e for p in phases for e in p["events"] if e.get("type") == "encounter"), None)
    by_branch = [r for r in rules if "branch" in r]
    if by_branch:
        named: list[dict] = []
        for r in by_branch:
            name = str(r["branch"])
            events = _events((branches.get(name) or {}).get("events") or [], ctx, f"branches.{name}")
            if not events and name in table()["branch_events"]:
                events = [{"id": ctx.new_id(name), **copy.deepcopy(table()["branch_events"][name])}]
            p = r.get("probability")
            when = _when(str(r.get("condition", "")), ctx, f"branching_rules.{name}") if r.get("condition") else None
            named.append({"name": name, "probability": p, "events": events, "when": when})
        for b in named:
            if b["probability"] is None and b["when"]:
                b["probability"], b["by_rule"] = 0.0, True  # only members matching its condition take it
        stated = sum(b["probability"] or 0 for b in named)
        unstated = [b for b in named if b["probability"] is None]
        for b in unstated:
            b["probability"] = max(0.0, 1 - stated) / len(unstated) if stated < 1 else 0.0
        total = sum(b["probability"] for b in named)
        decision_branches = [{"name": b["name"], "probability": round(b["probability"], 6), "events": b["events"]}
                             for b in named]
        if total < 1 - 1e-9 or len(decision_branches) < 2:
            decision_branches.append({"name": "none", "probability": round(max(0.0, 1 - total), 6), "events": []})
        decision: dict = {"id": ctx.new_id("decision"), "type": "decision", "branches": decision_branches}
        if first is not None:
            decision["timing"] = {"relative_to": first["id"], "at": 0}
        at = re.search(r"\bat\s+month\s+(\d+)", " ".join(str(r.get("condition", "")) for r in by_branch).lower())
        if at:
            decision["timing"] = {"relative_to": "journey_start", "at": round(int(at.group(1)) * DAYS_PER["month"])}
        ruled = [b for b in named if b.get("by_rule") or (b["when"] and b["probability"] < 1)]
        if ruled:
            names = [b["name"] for b in decision_branches]
            decision["rules"] = [{"when": b["when"], "probabilities": {n: (1.0 if n == b["name"] else 0.0)
                                                                       for n in names}} for b in ruled[:1]]
        _fix_sum(decision["branches"])
        out.append(decision)
        _note(ctx.notes, "branching_rules read as a decision with branches "
              + ", ".join(f"{b['name']} {b['probability']:.0%}" for b in decision["branches"]))
    for r in rules:
        if "branch" in r:
            continue
        out += _action(r, ctx)
    return out


def _fix_sum(branches: list[dict]) -> None:
    total = sum(b["probability"] for b in branches)
    if branches and abs(total - 1) > 1e-9:
        branches[-1]["probability"] = round(branches[-1]["probability"] + 1 - total, 6)


def _action(rule: dict, ctx: _JourneyContext) -> list[dict]:
    """A rule with an action ('add_second_agent', 'nephrology_referral') -> a conditional event."""
    action = str(rule.get("action", "")).lower()
    test = str(rule.get("condition", ""))
    when = _when(test, ctx, f"branching_rules.{action}")
    at = re.search(r"\bat\s+month\s+(\d+)", test.lower())
    timing = {"at": round(int(at.group(1)) * DAYS_PER["month"])} if at else None
    base: dict = {"relative_to": "journey_start", **(timing or {"at": 0})}
    if action.endswith("_referral"):
        to = action[: -len("_referral")]
        event = {"id": ctx.new_id(action), "type": "referral", "timing": base, "referral": {"to": to}}
        if when:
            event["when"] = when
        return [event]
    if action in ("add_second_agent", "intensify", "add_agent") and rule.get("options"):
        options = [(o, drug_for(o)) for o in rule["options"]]
        usable = [(o, d) for o, d in options if d]
        for o, d in options:
            if d is None:
                _note(ctx.notes, f"branching option {o!r} has no drug in the shipped RxNorm subset; dropped")
        if not usable:
            return []
        share = round(1 / len(usable), 6)
        branches = [{"name": str(o), "probability": share, "events": [
            {"id": ctx.new_id(f"add_{o}"), "type": "medication", "order": {"drug": d, "days_supply": 30}}]}
                    for o, d in usable]
        _fix_sum(branches)
        if len(branches) == 1:
            branches.append({"name": "none", "probability": 0.0, "events": []})
        decision = {"id": ctx.new_id(action), "type": "decision", "timing": base, "branches": branches}
        if when:
            decision["when"] = when
        _note(ctx.notes, f"branching rule {action!r} read as a decision between {', '.join(o for o, _ in usable)}"
              + (f" for members with {when}" if when else ""))
        return [decision]
    _note(ctx.notes, f"branching rule action {action!r} has no HealthSim counterpart; dropped")
    return []
