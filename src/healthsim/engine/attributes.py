"""Extra member attributes declared in the profile (e.g. diabetes_control)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.plan.population import PopulationPlan

ATTRIBUTE_STREAM_BASE = 100  # sub-stream per attribute, by position in the spec


def sample_attributes(plan: PopulationPlan, m: MemberBlock) -> pa.Table:
    """Draw each attribute (in spec order, so later ones may depend on earlier)."""
    ids, names, text, num = [], [], [], []
    for i, (name, dist) in enumerate(plan.spec.attributes.items()):
        rng = block_rng(plan.seed, m.block, Stream.DEMOGRAPHICS, sub=ATTRIBUTE_STREAM_BASE + i)
        values = dist.sample(m.n, rng, m.context())
        m.attributes[name] = values
        ids.append(m.person_id)
        names.append(np.full(m.n, name, dtype=object))
        if values.dtype.kind in "fiub":
            num.append(values.astype(float))
            text.append(np.full(m.n, None, dtype=object))
        else:
            text.append(values.astype(object))
            num.append(np.full(m.n, np.nan))
    if not ids:
        return pa.table({"person_id": pa.array([], pa.int64()), "attribute": pa.array([], pa.string()),
                         "value_text": pa.array([], pa.string()), "value_num": pa.array([], pa.float64())})
    return pa.table({
        "person_id": np.concatenate(ids),
        "attribute": pa.array(np.concatenate(names), pa.string()),
        "value_text": pa.array(np.concatenate(text), pa.string()),
        "value_num": pa.array(np.concatenate(num), pa.float64(), from_pandas=True),
    })


# ------------------------------------------------------------------ SDOH

INCOME_BANDS = ("below_100_fpl", "100_138_fpl", "138_200_fpl", "200_400_fpl", "400_fpl_plus")
INCOME_CUTS = (1.0, 1.38, 2.0, 4.0)
"""Household income as a multiple of the federal poverty level: <100% (poor), 100-138%
(the ACA Medicaid-expansion limit), 138-200% (low income), 200-400% (the ACA premium tax
credit range before 2021), 400%+."""
EDUCATION = ("less_than_high_school", "high_school_or_some_college", "bachelors_or_higher")
EDUCATION_INCOME_CORRELATION = 0.5
"""Correlation of the latent normal scores behind a member's education and income/FPL: a
HealthSim assumption (education-earnings correlations of about 0.4-0.5 are typical in the
economics literature, from memory); both marginals stay the county's."""
FOOD_INSECURE_BY_FPL = ((1.0, 0.35), (1.85, 0.25), (np.inf, 0.06))
"""P(household food insecure) by income/FPL ratio: below 100%, 100-185%, 185% and over;
rounded from USDA ERS 'Household Food Security in the United States in 2022' (ERR-325),
table of prevalence by income-to-poverty ratio, from memory (not re-verified)."""
SVI_QUARTILE_CUTS = (0.25, 0.5, 0.75)
COVERAGE_INCOME = {
    # coverage type: (share drawn inside the band, adults' band, children's band), income/FPL ratio
    "medicaid": (1.0, (0.0, 1.38), (0.0, 2.11)),
    "dual": (1.0, (0.0, 1.35), (0.0, 1.35)),
    "exchange": (0.9, (1.0, 4.0), (1.0, 4.0)),
    "commercial": (0.9, (1.38, np.inf), (1.38, np.inf)),
}
"""Who a payer covers constrains income: Medicaid adults in expansion states up to 138% FPL
and children (Medicaid/CHIP) to a median state limit of ~211% (KFF eligibility tables, from
memory); dual eligibles to ~135% (QMB/SLMB limits); exchange enrollees are mostly in the
100-400% FPL subsidy range; about 90% of people with employer coverage are above 138% FPL
(KFF/Census CPS, from memory). A member's ratio is drawn from their county's distribution
restricted to their coverage's band (for the given share of members; the rest unrestricted).
An `sdoh` income filter in the profile wins over these bands."""


def sample_sdoh(plan: PopulationPlan, m: MemberBlock) -> pa.Table:
    """One person_sdoh row per member: their county's SDOH (SVI, RUCC, area rates) and their own
    income/FPL ratio, income band, education (25+) and food insecurity, drawn consistently with
    the county (plan/sdoh.py). Household members share the subscriber's income. Adds the
    person-level values and the county SVI/RUCC to `m.attributes`, so later steps (and
    conditional distributions) can use them."""
    from healthsim.distributions._math import norm_cdf
    from healthsim.engine.columns import labels
    from healthsim.plan.sdoh import fpl_params
    from healthsim.reference.geography import counties
    from healthsim.reference.population import county_sdoh

    rng = block_rng(plan.seed, m.block, Stream.SDOH)
    county = m.county_row
    sd = county_sdoh().columns
    uniq, inv = np.unique(county, return_inverse=True)
    mu, sigma = fpl_params(uniq)
    group = np.digitize(m.age, (18.0, 65.0))
    lo, hi = _income_bounds(plan, m, group, rng.random(m.n))
    mu_m, sg_m = mu[inv, group], sigma[inv, group]
    f_lo = np.where(lo > 0, norm_cdf((np.log(np.maximum(lo, 1e-9)) - mu_m) / sg_m), 0.0)
    f_hi = np.where(np.isfinite(hi), norm_cdf((np.log(np.where(np.isfinite(hi), hi, 1.0)) - mu_m) / sg_m), 1.0)
    u = rng.random(m.n)
    q = f_lo + u * (f_hi - f_lo)
    z = _fast_ppf(np.clip(q, 1e-9, 1 - 1e-9))
    fpl = np.clip(np.exp(mu_m + sg_m * z), lo, np.where(np.isfinite(hi), hi - 1e-3, np.inf))
    if m.household is not None:  # one household, one income
        head = (m.household - m.person_id[0]).astype(np.int64)
        fpl, z = fpl[head], z[head]
    fpl = np.floor(fpl * 100) / 100  # cents of the ratio, never rounded up past a band limit
    band = np.digitize(fpl, INCOME_CUTS)
    # education: a latent score correlated with income, cut at the county's shares (25+)
    rho = EDUCATION_INCOME_CORRELATION
    latent = rho * z + np.sqrt(1 - rho**2) * rng.standard_normal(m.n)
    p_less = np.clip(1 - sd["hs_grad_rate"][uniq], 0.005, 0.9)
    p_bach = np.clip(sd["bachelors_rate"][uniq], 0.005, 0.9)
    cut1 = _fast_ppf(p_less)[inv]
    cut2 = _fast_ppf(np.clip(1 - p_bach, p_less + 1e-3, 0.999))[inv]
    education = (latent > cut1).astype(np.int32) + (latent > cut2)
    adult25 = m.age >= 25
    p_food = np.select([fpl < c for c, _ in FOOD_INSECURE_BY_FPL], [p for _, p in FOOD_INSECURE_BY_FPL])
    food = rng.random(m.n) < p_food
    rucc = sd["rucc_2023"][county].astype(np.int32)
    m.attributes.update({
        "income_fpl": fpl, "income_band": np.asarray(INCOME_BANDS, object)[band],
        "svi_overall": sd["svi_overall"][county], "rucc": rucc.astype(float),
    })
    edu_codes = np.where(adult25, education, -1)
    return pa.table({
        "person_id": m.person_id,
        "county_fips": counties().county_fips[county],
        "rucc_2023": rucc,
        "rurality": labels((rucc >= 4).astype(np.int32), ["metro", "nonmetro"]),
        "svi_overall": sd["svi_overall"][county],
        "svi_socioeconomic": sd["svi_socioeconomic"][county],
        "svi_household": sd["svi_household"][county],
        "svi_minority": sd["svi_minority"][county],
        "svi_housing_transport": sd["svi_housing_transport"][county],
        "svi_quartile": (np.digitize(sd["svi_overall"][county], SVI_QUARTILE_CUTS) + 1).astype(np.int32),
        "area_median_household_income": sd["median_household_income"][county],
        "area_poverty_rate": sd["poverty_rate"][county],
        "area_below_150_fpl": sd["below_150_fpl"][county],
        "area_uninsured_rate": sd["uninsured_rate"][county],
        "area_bachelors_rate": sd["bachelors_rate"][county],
        "area_no_hs_diploma": sd["no_hs_diploma"][county],
        "area_unemployment_rate": sd["unemployment_rate"][county],
        "area_housing_burden": sd["housing_burden"][county],
        "area_no_vehicle": sd["no_vehicle"][county],
        "income_fpl_ratio": fpl,
        "income_band": labels(band.astype(np.int32), list(INCOME_BANDS)),
        "education": pa.DictionaryArray.from_arrays(
            pa.array(edu_codes.astype(np.int32), mask=edu_codes < 0), pa.array(EDUCATION)),
        "food_insecure": food,
    })


_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
      1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
      6.680131188771972e01, -1.328068155288572e01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
      -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)


def _fast_ppf(p: np.ndarray) -> np.ndarray:
    """Normal quantile by Acklam's rational approximation alone (relative error < 1.2e-9):
    distributions._math.norm_ppf adds a Newton step through a per-element erf, which costs
    ~0.3 s per million members and buys nothing for drawing incomes."""
    p = np.asarray(p, float)
    x = np.empty_like(p)
    lo, hi = p < 0.02425, p > 1 - 0.02425
    mid = ~(lo | hi)
    q = p[mid] - 0.5
    r = q * q
    x[mid] = (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q / (
        ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1)
    for mask, sign in ((lo, 1.0), (hi, -1.0)):
        pp = p[mask] if sign > 0 else 1 - p[mask]
        t = np.sqrt(-2 * np.log(pp))
        x[mask] = sign * (((((_C[0] * t + _C[1]) * t + _C[2]) * t + _C[3]) * t + _C[4]) * t + _C[5]) / (
            (((_D[0] * t + _D[1]) * t + _D[2]) * t + _D[3]) * t + 1)
    return x


def _income_bounds(plan: PopulationPlan, m: MemberBlock, group: np.ndarray, u: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Per member [low, high) income/FPL bounds: the profile's sdoh filter, else the band of
    the member's coverage (COVERAGE_INCOME)."""
    lo, hi = np.zeros(m.n), np.full(m.n, np.inf)
    if plan.sdoh is not None and plan.sdoh.restricted:
        lo[:] = plan.sdoh.fpl_low
        hi[:] = np.inf if plan.sdoh.fpl_high is None else plan.sdoh.fpl_high
        return lo, hi
    if m.plan_index is None:
        return lo, hi
    types = np.array([o.coverage_type for o in plan.options] + ["uninsured"], dtype=object)
    kind = types[np.where(m.plan_index < 0, len(types) - 1, m.plan_index)]
    for name, (share, adult, child) in COVERAGE_INCOME.items():
        mine = (kind == name) & (u < share)
        is_child = group == 0
        lo = np.where(mine, np.where(is_child, child[0], adult[0]), lo)
        hi = np.where(mine, np.where(is_child, child[1], adult[1]), hi)
    return lo, hi
