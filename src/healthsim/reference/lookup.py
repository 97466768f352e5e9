"""Look a code or a name up in every shipped code set: ICD-10-CM, LOINC, RxNorm,
CPT/HCPCS, ICD-10-PCS.

One entry point (`lookup_code`) for people and LLM clients (MCP `lookup_code`):
an exact code returns that code; text is matched fuzzily against the code
set's names. ICD-10-CM uses its own full-text search; the smaller subsets are
scored with rapidfuzz over their display names. A code set is offered only if
its loader is present in this installation (`available_systems`), so sets
added later are picked up by adding one row to SYSTEMS.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from healthsim.errors import UsageError

MIN_SCORE = 60.0


def _icd10cm(query: str, limit: int) -> list[dict]:
    from healthsim.reference import icd10

    info = icd10.lookup(query)
    if info is not None:
        return [_row("ICD-10-CM", info.code, info.description, 100.0, billable=info.billable)]
    return [_row("ICD-10-CM", i.code, i.description, s, billable=i.billable)
            for i, s in icd10.search(query, limit=limit)]


def _entries(loader: str) -> Callable[[], list[tuple[str, str, str, dict]]]:
    """(system, code, display, extra) rows of a shipped subset, read via reference.clinical."""

    def rows() -> list[tuple[str, str, str, dict]]:
        clinical = importlib.import_module("healthsim.reference.clinical")
        if loader == "loinc":
            obs = [("LOINC", o.loinc, o.display, {"key": o.key, "unit": o.unit, "category": o.category})
                   for o in clinical.observables().values()]
            panels = [("LOINC", p.loinc, p.display, {"panel": p.panel}) for p in clinical.lab_panels().values()]
            return obs + panels
        if loader == "rxnorm":
            return [("RxNorm", d.rxcui, d.name, {"ingredient": d.ingredient, "class": d.drug_class})
                    for d in clinical.drugs().values()]
        if loader == "cpt":
            return [(p.system, p.code, p.description, {"category": p.category})
                    for p in clinical.procedure_codes().values()]
        return [("ICD-10-PCS", code, text, {}) for code, text in clinical.pcs_codes().items()]

    return rows


SYSTEMS: dict[str, Callable[[], list[tuple[str, str, str, dict]]] | None] = {
    "icd10cm": None, "loinc": _entries("loinc"), "rxnorm": _entries("rxnorm"),
    "cpt": _entries("cpt"), "icd10pcs": _entries("icd10pcs"),
}
ALIASES = {"icd10": "icd10cm", "icd-10-cm": "icd10cm", "icd": "icd10cm", "hcpcs": "cpt",
           "cpt/hcpcs": "cpt", "rx": "rxnorm", "lab": "loinc", "pcs": "icd10pcs", "all": "auto"}


def available_systems() -> list[str]:
    """The code sets this installation ships."""
    out = []
    for name, rows in SYSTEMS.items():
        try:
            if rows is not None:
                rows()
            out.append(name)
        except (ImportError, AttributeError, FileNotFoundError, KeyError):
            continue
    return out


# Common names of labs and vitals people type ("hba1c", "LDL-C", "eGFR") -> HealthSim's observation
# or panel key (reference/data/loinc_subset.csv, lab_panels.csv), so the LOINC code comes first.
LOINC_COMMON_NAMES = {
    "hba1c": "a1c", "hgba1c": "a1c", "a1c": "a1c", "hemoglobin a1c": "a1c", "glycated hemoglobin": "a1c",
    "glycohemoglobin": "a1c", "ldl": "ldl", "ldl c": "ldl", "ldl cholesterol": "ldl", "hdl": "hdl",
    "hdl c": "hdl", "hdl cholesterol": "hdl", "total cholesterol": "cholesterol", "tg": "triglycerides",
    "trigs": "triglycerides", "egfr": "egfr", "gfr": "egfr", "bnp": "bnp", "nt probnp": "ntprobnp",
    "ntprobnp": "ntprobnp", "nt pro bnp": "ntprobnp", "bun": "bun", "scr": "creatinine", "cr": "creatinine",
    "k": "potassium", "na": "sodium", "wbc": "wbc", "hgb": "hgb", "hb": "hgb", "hemoglobin": "hgb", "hct": "hct",
    "plt": "plt", "platelets": "plt", "tsh": "tsh", "inr": "inr", "pt inr": "inr", "uacr": "uacr",
    "urine albumin": "uacr", "microalbumin": "uacr", "bp": "systolic", "blood pressure": "systolic",
    "sbp": "systolic", "dbp": "diastolic", "bmi": "bmi", "spo2": "spo2", "o2 sat": "spo2", "pulse": "heart_rate",
    "hr": "heart_rate", "phq9": "phq9", "phq 9": "phq9", "lipid panel": "lipid", "lipids": "lipid",
    "cmp": "cmp", "bmp": "bmp", "cbc": "cbc", "troponin": "troponin", "trop": "troponin", "glucose": "glucose",
    "blood sugar": "glucose", "fasting glucose": "glucose", "alt": "alt", "ast": "ast", "lactate": "lactate",
}


def _common_loinc(query: str) -> list[dict]:
    """The LOINC row for a common lab or vital name, if the query is one."""
    import re

    key = LOINC_COMMON_NAMES.get(" ".join(re.sub(r"[^a-z0-9]+", " ", query.lower()).split()))
    if key is None:
        return []
    clinical = importlib.import_module("healthsim.reference.clinical")
    obs, panels = clinical.observables(), clinical.lab_panels()
    out = []
    if key in obs:
        o = obs[key]
        out.append(_row("LOINC", o.loinc, o.display, 100.0, key=o.key, unit=o.unit, category=o.category))
    if key in panels and panels[key].loinc not in {r["code"] for r in out}:
        p = panels[key]
        out.append(_row("LOINC", p.loinc, p.display, 100.0, panel=p.panel))
    return out


def lookup_code(query: str, system: str = "auto", limit: int = 10) -> list[dict]:
    """Codes matching `query` (a code or a name), best first; system 'auto' searches all.
    A common lab name ("hba1c", "LDL", "eGFR", "BNP") finds its LOINC code first."""
    if not isinstance(query, str) or not query.strip():
        raise UsageError("give a code or a name to look up")
    query = query.strip()[:200]
    limit = max(1, min(int(limit), 50))
    name = ALIASES.get(system.lower(), system.lower())
    systems = available_systems()
    if name != "auto" and name not in systems:
        raise UsageError(f"unknown code system {system!r}; available: {', '.join(systems)}, auto")
    wanted = systems if name == "auto" else [name]
    found: list[dict] = []
    for s in wanted:
        found += _icd10cm(query, limit) if s == "icd10cm" else _subset(SYSTEMS[s], query, limit)
    exact = [r for r in found if r["code"].replace(".", "").upper() == query.replace(".", "").upper()]
    if exact:
        return exact[:limit]
    common = _common_loinc(query) if "loinc" in wanted else []
    seen = {(r["system"], r["code"]) for r in common}
    rest = [r for r in sorted(found, key=lambda r: -r["score"]) if (r["system"], r["code"]) not in seen]
    return (common + rest)[:limit]


def _subset(rows: Callable, query: str, limit: int) -> list[dict]:
    from rapidfuzz import fuzz, process, utils

    entries = rows()
    texts = [f"{display} {' '.join(map(str, extra.values()))}" for _, _, display, extra in entries]
    exact = [e for e in entries if e[1].upper() == query.upper()]
    if exact:
        return [_row(s, c, d, 100.0, **x) for s, c, d, x in exact]
    hits = process.extract(query, texts, scorer=fuzz.WRatio, processor=utils.default_process,
                           limit=limit, score_cutoff=MIN_SCORE)
    out: dict[tuple[str, str], dict] = {}
    for _, score, i in hits:
        system, code, display, extra = entries[i]
        out.setdefault((system, code), _row(system, code, display, round(score, 1), **extra))
    return list(out.values())


def _row(system: str, code: str, display: str, score: float, **extra) -> dict:
    return {"system": system, "code": code, "display": display, "score": score, **extra}
