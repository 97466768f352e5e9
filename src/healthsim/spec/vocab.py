"""Controlled vocabularies that specs and tables share.

Labels are the values stored in the canonical tables; the codes are the
standard ones exporters need (CDC Race & Ethnicity code set, as used by US
Core). Aliases let a spec or a sentence say "Black" or "Hispanic or Latino".
"""

from __future__ import annotations

COVERAGE_TYPES = (
    "medicare",
    "medicare_advantage",
    "medicaid",
    "commercial",
    "exchange",
    "dual",
    "uninsured",
)

COVERAGE_ALIASES = {
    "medicare": "medicare",
    "original medicare": "medicare",
    "medicare ffs": "medicare",
    "traditional medicare": "medicare",
    "medicare advantage": "medicare_advantage",
    "ma": "medicare_advantage",
    "mapd": "medicare_advantage",
    "medicare_advantage": "medicare_advantage",
    "medicaid": "medicaid",
    "chip": "medicaid",
    "commercial": "commercial",
    "employer": "commercial",
    "group": "commercial",
    "exchange": "exchange",
    "aca": "exchange",
    "marketplace": "exchange",
    "dual": "dual",
    "dual eligible": "dual",
    "dual-eligible": "dual",
    "medi-medi": "dual",
    "uninsured": "uninsured",
    "self-pay": "uninsured",
    "self pay": "uninsured",
}

# OMB 1997 race categories (+ Census "some other race" and multiracial), with CDC codes.
RACES = {
    "american_indian_or_alaska_native": ("1002-5", "American Indian or Alaska Native"),
    "asian": ("2028-9", "Asian"),
    "black": ("2054-5", "Black or African American"),
    "native_hawaiian_or_pacific_islander": ("2076-8", "Native Hawaiian or Other Pacific Islander"),
    "white": ("2106-3", "White"),
    "other": ("2131-1", "Other Race"),
    "two_or_more": ("2131-1", "Two or more races"),
}
ETHNICITIES = {
    "hispanic": ("2135-2", "Hispanic or Latino"),
    "not_hispanic": ("2186-5", "Not Hispanic or Latino"),
}
SEXES = ("F", "M")

RACE_ALIASES = {
    "aian": "american_indian_or_alaska_native",
    "american indian": "american_indian_or_alaska_native",
    "alaska native": "american_indian_or_alaska_native",
    "black or african american": "black",
    "african american": "black",
    "nhpi": "native_hawaiian_or_pacific_islander",
    "pacific islander": "native_hawaiian_or_pacific_islander",
    "native hawaiian": "native_hawaiian_or_pacific_islander",
    "multiracial": "two_or_more",
    "multiple": "two_or_more",
    "some other race": "other",
}
ETHNICITY_ALIASES = {
    "hispanic or latino": "hispanic",
    "latino": "hispanic",
    "non-hispanic": "not_hispanic",
    "not hispanic or latino": "not_hispanic",
    "non_hispanic": "not_hispanic",
}
SEX_ALIASES = {"female": "F", "f": "F", "woman": "F", "women": "F", "male": "M", "m": "M", "man": "M", "men": "M"}


def canonical(label: str, allowed, aliases: dict[str, str]) -> str | None:
    """Map a label (any case, spaces or underscores) to its canonical form, or None."""
    key = str(label).strip().lower()
    if key in aliases:
        return aliases[key]
    key_us = key.replace(" ", "_").replace("-", "_")
    for value in allowed:
        if value.lower() == key or value.lower() == key_us:
            return value
    return None
