"""The condition library: every condition file, validated and indexed.

`library()` reads `conditions/data/*.yaml` once (files whose names start with
`_` hold shared tables, not families), validates each against
`ConditionFamily`, and checks what a file alone cannot: families named in
`with:` exist, stage codes exist in their family, measures and drugs exist in
the shipped LOINC and RxNorm subsets, and no code prefix belongs to two
families. Adding a condition is adding one file; the contract test runs them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from healthsim.conditions.model import ConditionFamily, Requirement
from healthsim.errors import HealthSimError

DATA_DIR = Path(__file__).resolve().with_name("data")


class ConditionLibraryError(HealthSimError):
    """A shipped or user condition file is invalid."""


@dataclass(frozen=True)
class Library:
    families: dict[str, ConditionFamily]
    _prefixes: tuple[tuple[str, str], ...] = field(repr=False)  # (prefix, family id), longest first

    def family_of(self, code: str) -> str | None:
        """The family a code belongs to (longest matching prefix), or None for codes no family owns."""
        code = code.upper()
        for prefix, fid in self._prefixes:
            if code.startswith(prefix):
                return fid
        return None

    def indications(self) -> dict[str, tuple[str, ...]]:
        """rxcui -> the families whose therapy ladder uses it (a chronic drug's indications)."""
        out: dict[str, set[str]] = {}
        for fam in self.families.values():
            for cls in fam.therapy:
                for d in cls.drugs:
                    out.setdefault(d.rxcui, set()).add(fam.id)
        return {k: tuple(sorted(v)) for k, v in out.items()}


def load_family(path: Path) -> ConditionFamily:
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
        return ConditionFamily.model_validate(data)
    except (ValidationError, yaml.YAMLError, TypeError) as exc:
        raise ConditionLibraryError(f"condition file {path.name}: {exc}") from None


@lru_cache(maxsize=1)
def library() -> Library:
    fams = {}
    for path in sorted(DATA_DIR.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        fam = load_family(path)
        if fam.id != path.stem:
            raise ConditionLibraryError(f"condition file {path.name}: id {fam.id!r} must match the file name")
        fams[fam.id] = fam
    prefixes = sorted(((p, f.id) for f in fams.values() for p in f.codes.prefixes), key=lambda x: -len(x[0]))
    _check(fams, prefixes)
    return Library(fams, tuple(prefixes))


def _check(fams: dict[str, ConditionFamily], prefixes) -> None:
    from healthsim.reference.clinical import drugs, observables

    problems = []
    seen: dict[str, str] = {}
    for p, fid in prefixes:
        if p in seen and seen[p] != fid:
            problems.append(f"prefix {p} belongs to both {seen[p]} and {fid}")
        seen[p] = fid
    known_drugs, known_measures = drugs(), observables()

    def req(fid: str, r: Requirement) -> None:
        if r.family not in fams:
            problems.append(f"{fid}: unknown family {r.family!r} in `with` (known: {', '.join(sorted(fams))})")
        elif r.min_stage and fams[r.family].stage_index(r.min_stage) is None:
            problems.append(f"{fid}: {r.family} has no stage {r.min_stage}")

    for fid, fam in fams.items():
        for c in list(fam.codes.combinations) + list(fam.codes.complications):
            for r in c.requires:
                req(fid, r)
        for key, model in fam.measures.items():
            if key not in known_measures:
                problems.append(f"{fid}: unknown measure {key!r}")
            for code in (model.by_stage or {}):
                if fam.stage_index(code) is None:
                    problems.append(f"{fid}: measures.{key}.by_stage names {code}, not a stage")
        for cls in fam.therapy:
            for r in cls.requires:
                req(fid, r)
            for d in cls.drugs:
                if d.rxcui not in known_drugs:
                    problems.append(f"{fid}: therapy {cls.drug_class}: rxcui {d.rxcui} is not in rxnorm_subset.csv")
            tests = list(cls.contraindicated) + list(cls.stop) + ([cls.when] if cls.when else [])
            for t in tests + [e for e in cls.effects]:
                if t.measure not in known_measures:
                    problems.append(f"{fid}: therapy {cls.drug_class}: unknown measure {t.measure!r}")
    if problems:
        raise ConditionLibraryError("condition library: " + "; ".join(problems))
