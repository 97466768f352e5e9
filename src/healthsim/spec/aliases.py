"""The original HealthSim specification's spellings, accepted as documented aliases.

The seed README and the skill documents it links to write specs in an older
shape; HealthSim loads them by translating, on load, into its own spec and
saying what it translated (`Normalised.notes`, also appended to the spec's
description so the note travels with the cohort). Nothing is guessed silently:
a part with no counterpart is dropped *with a note*.

What is translated:
- distributions: `type:` for `distribution:`, `log_normal`, `explicit`
  (`values: [{value, weight}]` -> categorical or empirical), `conditional` with
  `rules: [{if: "severity == 'controlled'", distribution: ...}]` -> `on` + `cases`
  (numeric tests such as "age >= 18 && age < 65" -> interval cases "[18, 65)");
  `derived` amounts dropped with a note; relative multipliers read as weights;
- illustrations: a claim example's amount distributions are read; journey-pattern
  sketches and cross-domain `sync` settings are recognised and explained in notes;
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
MULTIPLIERS = re.compile(r"adjust|multiplier|factor|seasonal|index", re.IGNORECASE)
COMPARISON = re.compile(r"^\s*([a-z_0-9]+)\s*([<>]=?)\s*(\d+(?:\.\d+)?)")


@dataclass
class Normalised:
    """A document in HealthSim's own shape, and what was changed to get there."""

    kind: str  # profile | journey | request | journey_ref | distribution | distributions | event | execution
    #          | claim_example | pattern | sync (recognised; what has no counterpart is explained in notes)
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
    if isinstance(doc.get("events"), list) and ("journey_id" in doc or "duration_days" in doc):
        return "journey"
    if "branching_rules" in doc:
        return "journey_fragment"
    if ("pattern" in doc and "phases" not in doc) or set(doc) == {"branch_point"}:
        return "pattern"
    if set(doc) & {"sync", "cross_domain_sync"}:
        return "sync"
    if "claim_type" in doc:
        return "claim_example"
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
    if doc and all(isinstance(v, dict) and (_is_distribution(v) or _is_derived(v)) for v in doc.values()) and \
            any(_is_distribution(v) for v in doc.values()):
        return "distributions"
    return "unknown"


def _is_derived(d: object) -> bool:
    """`{"type": "derived", "formula": "billed_amount * allowed_ratio"}`: an amount computed from others."""
    return isinstance(d, dict) and d.get("type", d.get("distribution")) == "derived"


def normalise(doc: dict, kind: str | None = None) -> Normalised:
    """Translate an original-format document (any kind) into HealthSim's shape."""
    from healthsim.spec import original_journey, original_profile

    kind = kind or detect(doc)
    doc = copy.deepcopy(doc)
    out = Normalised(kind=kind, document=doc)
    meta = doc.get("template") if isinstance(doc.get("template"), dict) else None
    if kind in ("profile", "request") and isinstance(doc.get("profile"), dict):
        for key in [k for k in doc if k not in ("profile", "journey", "template")]:
            _note(out.notes, f"{key} dropped: no HealthSim counterpart")
    if kind == "profile":
        out.document = original_profile.profile(
            doc.get("profile", doc) if isinstance(doc.get("profile"), dict) else doc, out, meta)
    elif kind == "request":
        original_journey.journey_part(doc["journey"], out)
        out.document = original_profile.profile(doc["profile"], out, meta)
    elif kind == "journey":
        if isinstance(doc.get("journey"), dict):
            for key in [k for k in doc if k not in ("journey", "template")]:
                if key == "cross_product" and isinstance(doc[key], dict):
                    original_profile.products(list(doc[key]), out, "cross_product")
                else:
                    _note(out.notes, f"{key} dropped: no HealthSim counterpart")
            out.document = original_journey.journey(doc["journey"], out, meta)
        elif isinstance(doc.get("events"), list) and "phases" not in doc:
            out.document = original_journey.event_list(doc, out)
        else:
            out.document = original_journey.journey(doc, out)
    elif kind == "journey_ref":
        original_journey.journey_part(doc["journey"], out)
        out.document = out.journeys[0] if out.journeys else {}
    elif kind == "journey_fragment":
        out.document = original_journey.journey({"name": "branching rules", "phases": [{"name": "main", "events": []}],
                                 "branching_rules": doc["branching_rules"]}, out)
    elif kind == "distribution":
        out.document = distribution(doc, "", out.notes)
    elif kind == "distributions":
        out.document = _distributions(doc, out.notes)
    elif kind == "claim_example":
        out.document = _claim_example(doc, out.notes)
    elif kind == "pattern":
        out.document = _pattern(doc, out.notes)
    elif kind == "sync":
        out.document = {}
        _note(out.notes, "cross-domain sync settings dropped: HealthSim derives every product (claims, fills, "
              "records, trial subjects) from one member state, so records are linked by construction "
              "(shared person_id; claims and fills from the same journey events)")
    elif kind == "event":
        ctx = original_journey.JourneyContext("", out.notes)
        events = original_journey.translate_events([doc], ctx, "event")
        out.document = events[0] if events else {}
    elif kind == "execution":
        out.document = original_profile.execution(doc["execution"], out)
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
        from healthsim.spec import original_journey

        return bool(isinstance(doc.get("journey"), dict) or (isinstance(doc.get("events"), list) and "journey_id" in doc) or JOURNEY_MARKERS & set(doc)
                    or original_journey.has_named_events(doc) or _has_typed_distribution(doc)
                    or original_journey.has_original_events(doc))
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
        if MULTIPLIERS.search(path or "") and all(isinstance(w, int | float) for w in d["weights"].values()):
            total = sum(d["weights"].values())
            if total > 0 and abs(total - 1) > 1e-6:
                d["weights"] = {k: round(w / total, 9) for k, w in d["weights"].items()}
                _note(notes, f"{path}: relative multipliers (summing to {total:g}) read as weights in the same "
                      "proportions")
    return d


def _distributions(doc: dict, notes: list[str]) -> dict:
    """A block of named distributions; `derived` amounts (formulas over others) are dropped with a note."""
    out = {}
    for key, value in doc.items():
        if _is_derived(value):
            _note(notes, f"{key}: derived amount ({value.get('formula', 'a formula')}) dropped: HealthSim computes "
                  "allowed, paid and member amounts in its pricing step")
            continue
        out[key] = distribution(value, key, notes)
    return out


def _claim_example(doc: dict, notes: list[str]) -> dict:
    """One illustrated claim ({claim_type, dates, cpt/drg, amounts as distributions}): its amount
    distributions, translated; the fixed fields illustrate one generated claim."""
    dists = {k: v for k, v in doc.items() if isinstance(v, dict) and (_is_distribution(v) or _is_derived(v))}
    fixed = [k for k in doc if k not in dists]
    _note(notes, f"{doc.get('claim_type', 'claim')} claim example: fixed fields ({', '.join(fixed)}) illustrate one "
          "generated claim; HealthSim prices claims from its fee schedules, so only the amount distributions are read")
    return _distributions(dists, notes)


PATTERN_COUNTERPARTS = {
    "linear": "phases of events timed in days from the journey start",
    "branching": "`decision` events with branches and probabilities",
    "cyclic": "events with a `recurrence` (e.g. monthly, 12 times)",
    "protocol": "TrialSim protocols (visit schedules per arm) or a journey's recurring events",
    "lifecycle": "journey phases (e.g. chf-lifecycle)",
}


def _pattern(doc: dict, notes: list[str]) -> dict:
    """A journey-pattern sketch (events named A, B, C; a branch point on 'lab_result > threshold'):
    recognised and explained, not run: it names no encounter, code or drug to generate."""
    name = str(doc.get("pattern") or "branching")
    _note(notes, f"{name} pattern sketch: no events to generate (placeholders); in HealthSim a {name} journey is "
          f"{PATTERN_COUNTERPARTS.get(name, 'a journey of phases and events')}")
    return {"pattern": name}


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
        ranged = None if m else _range_test(test)
        if not m and not ranged:
            raise ValueError(f"conditional rule {i}{' of ' + path if path else ''}: cannot read the test "
                             f"{test!r}; write it as column == 'value' or column < number")
        column = m.group(1) if m else ranged[0]
        if on not in (None, column):
            raise ValueError(f"conditional rules{' of ' + path if path else ''} test two columns ({on!r} and "
                             f"{column!r}); one conditional conditions on one column")
        on = column
        cases[m.group(2).strip() if m else ranged[1]] = dist
    if on is None:
        raise ValueError(f"conditional{' ' + path if path else ''} has no rule with a test")
    out: dict = {"distribution": "conditional", "on": on, "cases": cases}
    if default is not None:
        out["default"] = default
    _note(notes, f"conditional `rules` read as on: {on} with cases {', '.join(cases)}"
          + (f" ({path})" if path else ""))
    return out


_COMPARISON = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$")
_FLIPPED = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(<=|>=|<|>)\s*([A-Za-z_][\w.]*)\s*$")
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _range_test(test: str) -> tuple[str, str] | None:
    """'age >= 40 && age < 65' -> ('age', '[40, 65)'): a numeric range test as an interval case
    key (distributions/conditional.py); None when the test is not one."""
    column, lo, hi, lo_closed, hi_closed = None, "-inf", "inf", False, False
    for part in re.split(r"&&|\band\b", test):
        m = _COMPARISON.match(part)
        if m:
            col, op, num = m.groups()
        elif (f := _FLIPPED.match(part)):
            num, op, col = f.group(1), _FLIP[f.group(2)], f.group(3)
        else:
            return None
        if column not in (None, col):
            return None
        column = col
        if op in (">", ">="):
            lo, lo_closed = num, op == ">="
        else:
            hi, hi_closed = num, op == "<="
    if column is None:
        return None
    return column, f"{'[' if lo_closed else '('}{lo}, {hi}{']' if hi_closed else ')'}"


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


# --- shared look-ups ---------------------------------------------------------------

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


def day_of(timing: dict) -> int | None:
    """Days from the anchor of an original timing ({day: 3}, {week: 4}, {month: 3}); hours -> 0."""
    for unit in ("day", "week", "month", "year"):
        if unit in timing or f"{unit}s" in timing:
            value = float(timing.get(unit, timing.get(f"{unit}s")))
            return round(value * DAYS_PER[unit])
    if "hour" in timing or "hours" in timing:
        return 0
    return None


def _medicare_advantage_plan(cov: dict) -> bool:
    return str(cov.get("type", "")).lower() == "medicare" and "advantage" in str(cov.get("plan", "")).lower()
