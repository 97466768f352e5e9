"""An age restriction from a request -> an age distribution for the spec.

"aged 70-80" on a Medicare template keeps the template's shape (a normal around
72) cut to 70-80, because that is what the population looks like; an explicit
range on a template that does not cover it becomes uniform; an open range or a
named group ("over 50", "adults") with no template shape to keep follows the
U.S. age pyramid, so "adults" are not as many 80-year-olds as 30-year-olds.
"""

from __future__ import annotations

from healthsim.builders.facts import AgeFact
from healthsim.distributions import parse_distribution
from healthsim.spec.census import CENSUS_SOURCE, census_bands
from healthsim.spec.census import normalised as _normalised

TOP_AGE = 100  # open-ended ranges ("over 70") end here

__all__ = ["CENSUS_SOURCE", "age_distribution", "bounds", "census_bands", "describe_age", "shared_age_distribution"]

MIN_KEPT_MASS = 0.05  # a template's normal is kept only if the range holds this much of it


def bounds(age: AgeFact) -> tuple[float, float]:
    """[low, high) in years for an age fact."""
    if age.exact is not None:
        return float(age.exact), float(age.exact + 1)
    low = float(age.low) if age.low is not None else 0.0
    high = float(age.high) if age.high is not None else float(TOP_AGE)
    return low, (high if high > low else low + 1)  # months: [0, 0.5) for "under 6 months"


def age_distribution(age: AgeFact, template_age: dict) -> tuple[dict, str]:
    """(distribution document, how it was chosen) for an age restriction."""
    low, high = bounds(age)
    if age.exact is not None:
        return {"distribution": "uniform", "min": low, "max": high}, f"everyone aged {age.exact}"
    if age.mean is not None:
        sd = (high - low) / 4
        return ({"distribution": "normal", "mean": age.mean, "std_dev": sd, "min": low, "max": high},
                f"a normal around {age.mean:g} (sd {sd:g}, assumed; {_span(low, high)})")
    kept = _clip_template(template_age, low, high)
    if kept is not None:
        return kept, f"the template's age shape cut to {_span(low, high)}"
    explicit = age.group is None and age.low is not None and age.high is not None and age.low > 0
    if explicit:
        return {"distribution": "uniform", "min": low, "max": high}, f"uniform over {_span(low, high)}"
    return census_bands(low, high), f"U.S. age pyramid (2020 Census) within {_span(low, high)}"


def shared_age_distribution(age: AgeFact, template_age: dict) -> tuple[dict, str]:
    """'half of them over 60': a mixture of the range asked for (its share) and the other ages.

    The others are the template's other ages when the template spans the range (so "30% over 80"
    on a Medicare template keeps the other 70% at 65-79), else the ages outside it from 18 (from 0
    when the range reaches below 18); both by the 2020 U.S. age pyramid."""
    from healthsim.spec.census import US_AGE_BANDS_2020

    inside, how = age_distribution(age.model_copy(update={"share": None}), template_age)
    low, high = bounds(age)
    try:
        t_low, t_high = parse_distribution(template_age).support()
    except ValueError:
        t_low, t_high = 0.0, float(TOP_AGE)
    pieces = []
    if t_low <= low and high <= t_high:  # the template is made for these ages: the others are its other ages
        pieces = [(a, b) for a, b in ((t_low, low), (high, t_high)) if b > a]
    if not pieces:
        floor = 0.0 if low < 18 else 18.0
        pieces = [(a, b) for a, b in ((floor, low), (high, float(TOP_AGE))) if b > a]
    bands = [(max(lo, a), min(hi, b), pct * (min(hi, b) - max(lo, a)) / (hi - lo))
             for a, b in pieces for lo, hi, pct in US_AGE_BANDS_2020 if min(hi, b) > max(lo, a)]
    if not bands or not 0 < age.share < 1:
        return inside, how
    outside = {"distribution": "age_bands", "bands": _normalised(bands)}
    share = round(age.share, 6)
    mixture = {"distribution": "mixture", "components": [
        {"weight": share, "distribution": inside}, {"weight": round(1 - share, 6), "distribution": outside}]}
    others = ", ".join(_span(a, b) for a, b in pieces)
    return mixture, f"{share:.0%} {how}; the other {1 - share:.0%} aged {others} (U.S. age pyramid, 2020 Census)"


def describe_age(dist: dict) -> str:
    """A short human form of an age distribution document."""
    kind = dist.get("distribution")
    if kind == "mixture":
        return " + ".join(f"{c['weight']:.0%} {describe_age(c['distribution'])}" for c in dist["components"])
    if kind == "normal":
        lo, hi = dist.get("min"), dist.get("max")
        rng = f", {lo:g}-{hi:g}" if lo is not None and hi is not None else ""
        return f"normal mean {dist['mean']:g}, sd {dist.get('std_dev', dist.get('sd')):g}{rng}"
    if kind == "uniform":
        return f"uniform {_span(dist['min'], dist['max'])}"
    if kind == "age_bands":
        bands = dist["bands"]
        return f"age bands {_span(min(b['min'] for b in bands), max(b['max'] for b in bands))}"
    return str(kind)


def _clip_template(dist: dict, low: float, high: float) -> dict | None:
    """The template's own distribution restricted to [low, high), if it spans that whole range
    (a request never gets fewer ages than it asked for)."""
    try:
        lo, hi = parse_distribution(dist).support()
    except ValueError:
        return None
    if lo > low or hi < high:
        return None
    kind = dist.get("distribution")
    if kind == "normal":
        lo = max(low, dist.get("min", low) if dist.get("min") is not None else low)
        hi = min(high, dist.get("max", high) if dist.get("max") is not None else high)
        if hi <= lo:
            return None
        clipped = {**dist, "min": lo, "max": hi}
        try:
            parse_distribution(clipped)
        except ValueError:
            return None
        return clipped if _normal_mass(dist, lo, hi) >= MIN_KEPT_MASS else None
    if kind == "uniform":
        return {"distribution": "uniform", "min": low, "max": high}
    if kind == "age_bands":
        bands = [(max(b["min"], low), min(b["max"], high), b["weight"] * _share(b, low, high))
                 for b in dist["bands"]]
        bands = [b for b in bands if b[1] > b[0] and b[2] > 0]
        if bands:
            return {"distribution": "age_bands", "bands": _normalised(bands)}
    return None


def _share(band: dict, low: float, high: float) -> float:
    width = band["max"] - band["min"]
    return max(0.0, min(band["max"], high) - max(band["min"], low)) / width


def _normal_mass(dist: dict, lo: float, hi: float) -> float:
    from statistics import NormalDist

    n = NormalDist(dist["mean"], dist.get("std_dev") or dist.get("sd") or 1.0)
    return n.cdf(hi) - n.cdf(lo)


def _span(low: float, high: float) -> str:
    return f"{low:g}-{high - 1:g}" if high - low > 1 else f"{low:g}"
