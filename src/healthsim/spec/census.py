"""The U.S. age pyramid (2020 Census): the age shape a spec falls back to when it names none.

Used by the request builders ("adults", "over 50" with no template shape to
keep) and by the original-format aliases (a document that gives no ages), so
the default is one table with one citation.
"""

from __future__ import annotations

# U.S. resident population by 5-year age group, 2020 Census (DHC table P12),
# shares rounded to 0.1 percentage point; 85+ spread over 85-100.
US_AGE_BANDS_2020 = [
    (0, 5, 5.7), (5, 10, 6.0), (10, 15, 6.5), (15, 20, 6.6), (20, 25, 6.4), (25, 30, 6.8),
    (30, 35, 6.9), (35, 40, 6.6), (40, 45, 6.3), (45, 50, 6.0), (50, 55, 6.3), (55, 60, 6.6),
    (60, 65, 6.4), (65, 70, 5.5), (70, 75, 4.5), (75, 80, 3.0), (80, 85, 1.9), (85, 100, 2.0),
]
CENSUS_SOURCE = "U.S. Census Bureau, 2020 Census DHC table P12 (age by 5-year group)"


def census_bands(low: float = 0, high: float = 100) -> dict:
    """The 2020 U.S. age pyramid restricted to [low, high), as an age_bands distribution."""
    bands = []
    for lo, hi, pct in US_AGE_BANDS_2020:
        a, b = max(lo, low), min(hi, high)
        if b > a:
            bands.append((a, b, pct * (b - a) / (hi - lo)))
    if not bands:  # beyond 100: one uniform band
        return {"distribution": "uniform", "min": low, "max": high}
    return {"distribution": "age_bands", "bands": normalised(bands)}


def normalised(bands: list[tuple[float, float, float]]) -> list[dict]:
    """Bands as {min, max, weight} with weights summing to exactly 1."""
    total = sum(w for *_, w in bands)
    out = [{"min": a, "max": b, "weight": round(w / total, 6)} for a, b, w in bands]
    out[-1]["weight"] = round(1 - sum(x["weight"] for x in out[:-1]), 6)
    return out
