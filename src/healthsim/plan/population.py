"""Compile a ProfileSpec into a PopulationPlan the engine samples from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from healthsim.distributions import Distribution, parse_distribution
from healthsim.errors import FieldProblem, SpecError
from healthsim.plan.benefits import default_benefits, default_plan_name
from healthsim.plan.demography import Demography
from healthsim.plan.sdoh import SdohPlan
from healthsim.spec.conditions import PrevalenceTable
from healthsim.spec.coverage import BenefitDesign
from healthsim.spec.profile import ProfileSpec

DEFAULT_YEARS_SINCE_ONSET = {"distribution": "gamma", "shape": 2.0, "scale": 4.0}
"""Years since diagnosis when a condition does not say: mean 8 y, mode 4 y —
the typical duration mix of prevalent chronic disease in a cross-section."""

COVERAGE_PREFIX = {
    "medicare": "MC", "medicare_advantage": "MA", "medicaid": "MD", "commercial": "CM",
    "exchange": "EX", "dual": "DS", "uninsured": "UN",
}


@dataclass(frozen=True)
class ConditionPlan:
    code: str
    description: str
    prevalence: float | PrevalenceTable
    given: tuple[tuple[int, float], ...]  # (index of an earlier condition, P(this | that))
    sex: str | None
    min_age: int
    max_age: int
    years_since_onset: Distribution
    local_odds: np.ndarray | None = None  # per county row (geography.counties()): PLACES odds multiplier


@dataclass(frozen=True)
class PlanOption:
    plan_id: str
    plan_name: str
    coverage_type: str
    share: float
    benefits: BenefitDesign
    min_age: float | None = None
    max_age: float | None = None


@dataclass(frozen=True)
class PopulationPlan:
    spec: ProfileSpec
    seed: int
    count: int
    as_of: date
    zip_rows: np.ndarray  # indices into reference zips()
    zip_p: np.ndarray  # probability of each of those rows
    conditions: tuple[ConditionPlan, ...]
    options: tuple[PlanOption, ...]
    period_start: date
    period_end: date
    zip_county: np.ndarray | None = None  # per plan ZIP: its row in geography.counties()
    demography: Demography | None = None  # place-based demographics (None: source explicit)
    sdoh: SdohPlan | None = None


def window_bounds(spec: ProfileSpec) -> tuple[date, date]:
    """First and last day of the cohort: the spec's window, else the coverage dates, else the year of as_of."""
    w = spec.window
    if w is not None:
        end = w.end or spec.as_of
        if w.start is not None:
            return w.start, end
        days_back = round(w.years * 365.2425)
        return end - timedelta(days=days_back - 1), end
    return spec.coverage.enrollment.start or date(spec.as_of.year, 1, 1), spec.coverage.enrollment.end or spec.as_of


def compile_profile(spec: ProfileSpec) -> PopulationPlan:
    """Resolve everything the engine needs; raise SpecError if the spec cannot run."""
    from healthsim.reference.geography import counties, zips
    from healthsim.spec.consistency import check_population

    impossible = check_population(spec)  # also checked on load; specs built in code come here directly
    if impossible:
        raise SpecError(impossible, source=spec.profile_name)
    zip_rows, zip_p = _geography(spec)
    zip_rows, zip_p = _sdoh_geography(spec, zip_rows, zip_p)
    zip_county = np.searchsorted(counties().county_fips, zips().county_fips[zip_rows])
    start, end = window_bounds(spec)
    demography = _demography(spec, zip_rows, zip_p)
    lo, hi = spec.sdoh.fpl_range()
    return PopulationPlan(
        spec=spec, seed=spec.seed, count=spec.count, as_of=spec.as_of,
        zip_rows=zip_rows, zip_p=zip_p,
        conditions=tuple(_conditions(spec, zip_county, zip_p, demography)), options=tuple(_options(spec)),
        period_start=start, period_end=end, zip_county=zip_county, demography=demography,
        sdoh=SdohPlan(lo, hi),
    )


def _demography(spec: ProfileSpec, zip_rows: np.ndarray, zip_p: np.ndarray) -> Demography | None:
    from healthsim.plan.demography import compile_demography
    from healthsim.reference.places import describe_geography

    demo = spec.demographics
    if demo.source == "explicit" or not demo.from_place():
        return None  # the spec gives every marginal: the place has nothing to add
    reference = None
    label = describe_geography(spec.geography.model_dump(exclude_none=True))
    if demo.reference is not None:
        place = demo.reference.resolve()
        label = place.name
        if place.kind != "nation" and sorted(place.geography().get("counties", [])) != sorted(
                spec.geography.counties or []):
            from healthsim.reference.geography import zips

            counties_of_place = place.counties or tuple(sorted(set(zips().county_fips[
                _rows_of(place.geography())].tolist())))
            here = set(zips().county_fips[zip_rows].tolist())
            if not here <= set(counties_of_place):
                reference = tuple(counties_of_place)
    return compile_demography(demo.from_place(), zip_rows, zip_p, reference, label)


def _rows_of(geography: dict) -> np.ndarray:
    from healthsim.reference.geography import zip_indices

    return zip_indices(state=geography.get("states"), county_fips=geography.get("counties"),
                       zip_prefix=geography.get("zips"))


def _sdoh_geography(spec: ProfileSpec, rows: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep the ZIPs of counties that pass the SVI / rurality filters; weight counties by
    their share of people in the requested income band."""
    from healthsim.plan.sdoh import band_share
    from healthsim.reference.geography import counties, zips
    from healthsim.reference.population import county_sdoh

    sd = spec.sdoh
    if not sd.is_set():
        return rows, w
    county = np.searchsorted(counties().county_fips, zips().county_fips[rows])
    cols = county_sdoh().columns
    keep = np.ones(len(rows), bool)
    codes = sd.rucc_codes()
    if codes is not None:
        keep &= np.isin(cols["rucc_2023"][county].astype(int), codes)
    lo, hi = sd.svi_range()
    if (lo, hi) != (0.0, 1.0):
        svi = cols["svi_overall"][county]
        keep &= (svi >= lo) & (svi <= hi)
    if not keep.any():
        raise SpecError([FieldProblem("sdoh", "no county of this geography passes the SDOH filters",
                                      sd.model_dump(exclude_none=True),
                                      allowed="widen the geography or relax svi / rurality")])
    rows, w, county = rows[keep], w[keep], county[keep]
    flo, fhi = sd.fpl_range()
    if (flo, fhi) != (0.0, None):
        uniq, inv = np.unique(county, return_inverse=True)
        w = w * band_share(uniq, flo, fhi)[inv]
    return rows, w / w.sum()


def _geography(spec: ProfileSpec) -> tuple[np.ndarray, np.ndarray]:
    from healthsim.reference.geography import zips

    geo, table = spec.geography, zips()
    states = geo.states if isinstance(geo.states, list) else (list(geo.states) if geo.states else None)
    rows = np.arange(len(table.zip))
    if states:
        rows = rows[np.isin(table.state[rows], states)]
    if geo.counties:
        rows = rows[np.isin(table.county_fips[rows], geo.counties)]
    if geo.zips:
        z = table.zip[rows].astype(str)
        keep = np.zeros(len(rows), bool)
        for pattern in geo.zips:
            keep |= np.char.startswith(z, pattern)
        rows = rows[keep]
    if len(rows) == 0:
        raise SpecError([FieldProblem("geography", "no residential ZIP matches these filters",
                                      geo.model_dump(exclude_none=True))])
    w = table.weight[rows].astype(float)
    if isinstance(geo.states, dict):
        st = table.state[rows]
        for s, share in geo.states.items():
            m = st == s
            total = w[m].sum()
            if total <= 0:
                raise SpecError([FieldProblem("geography.states", f"no ZIPs for state {s}")])
            w[m] *= share / total
    if geo.urban_share is not None:
        urban = table.urban[rows].astype(bool)
        for mask, share in ((urban, geo.urban_share), (~urban, 1 - geo.urban_share)):
            total = w[mask].sum()
            if share > 0 and total <= 0:
                kind = "urban" if mask is urban else "rural"
                raise SpecError([FieldProblem("geography.urban_share", f"no {kind} ZIPs in this geography",
                                              geo.urban_share)])
            if total > 0:
                w[mask] *= share / total
    return rows, w / w.sum()


def _conditions(spec: ProfileSpec, zip_county: np.ndarray, zip_p: np.ndarray,
                demography: Demography | None) -> list[ConditionPlan]:
    from healthsim.plan.sdoh import local_odds
    from healthsim.reference.code_rules import rule_for
    from healthsim.reference.geography import counties
    from healthsim.reference.icd10 import lookup

    conditions, reference = list(spec.conditions), "national"
    if spec.demographics.source == "populationsim" and not conditions:
        conditions, reference = _places_conditions(zip_county, zip_p, demography), "geography"
    local = spec.demographics.source != "explicit" and spec.demographics.local_prevalence
    weights = np.bincount(zip_county, zip_p, len(counties().county_fips))
    index = {c.code: i for i, c in enumerate(conditions)}
    out = []
    for c in conditions:
        rule = rule_for(c.code)
        min_age = c.onset_min_age if c.onset_min_age is not None else rule.onset_min_age
        years = c.years_since_onset or parse_distribution(DEFAULT_YEARS_SINCE_ONSET)
        out.append(ConditionPlan(
            code=c.code, description=c.name or lookup(c.code).description,
            prevalence=c.prevalence, given=tuple((index[g.code], g.prevalence) for g in c.given),
            sex=rule.sex, min_age=int(max(min_age, rule.min_age) if c.onset_min_age is None else min_age),
            max_age=int(rule.max_age), years_since_onset=years,
            local_odds=local_odds(c.code, reference, weights) if local and not c.given else None,
        ))
    return out


def _places_conditions(zip_county: np.ndarray, zip_p: np.ndarray, demography: Demography | None) -> list:
    """Conditions of a populationsim profile that lists none: every PLACES measure with a code,
    at the geography's crude adult prevalence, spread over 18-44 / 45-64 / 65+ by the measure's
    relative age gradient (normalised on the place's adults)."""
    from healthsim.reference.geography import counties
    from healthsim.reference.population import county_places, places_measures
    from healthsim.spec.conditions import ConditionSpec

    weights = np.bincount(zip_county, zip_p, len(counties().county_fips))
    adults = _adult_age_mix(demography)
    places = county_places()
    out = []
    for m in places_measures():
        if m.code is None:
            continue
        crude = float((places[f"{m.measure}_crude"] * weights).sum() / weights.sum())
        rel = np.asarray(m.relative_by_age)
        scale = crude / float((rel * adults).sum())
        bands = [{"age_min": lo, "age_max": hi, "prevalence": round(min(float(r * scale), 0.95), 4)}
                 for (lo, hi), r in zip(((18, 44), (45, 64), (65, 110)), rel, strict=True)]
        out.append(ConditionSpec.model_validate({
            "code": m.code, "prevalence": {"bands": bands, "default": 0.0},
        }))
    return out


def _adult_age_mix(demography: Demography | None) -> np.ndarray:
    """Shares of adults aged 18-44, 45-64, 65+ in the place (U.S. 2020 Census mix without tables)."""
    if demography is None:
        return np.array([0.46, 0.33, 0.21])
    in_bin = (demography.joint.sum(axis=(1, 3)) * demography.weight[:, None]).sum(axis=0)
    bins = in_bin / in_bin.sum()
    mix = np.array([bins[2] + bins[3], bins[4], bins[5] + bins[6]])
    return mix / mix.sum()


def _options(spec: ProfileSpec) -> list[PlanOption]:
    out, counters = [], {}
    for o in spec.coverage.options:
        n = counters[o.type] = counters.get(o.type, 0) + 1
        out.append(PlanOption(
            plan_id=f"{COVERAGE_PREFIX[o.type]}-{n:02d}",
            plan_name=o.plan or default_plan_name(o.type),
            coverage_type=o.type, share=o.share,
            benefits=o.benefits or default_benefits(o.type), min_age=o.min_age, max_age=o.max_age,
        ))
    return out
