"""PopulationSim parts of the profile spec: the place a population is drawn from, its
social determinants (SDOH) filters, and how members form households.

    demographics: {source: populationsim, reference: "Harris County, TX"}
    sdoh: {income: low, rurality: rural, svi: high}
    households: {mode: auto}          # families where the payer enrolls them
    households: {size: 4}             # "a commercial family of 4"

The original HealthSim spelling of a reference is accepted too:
`reference: {type: county, fips: "48201"}` or
`reference: {geography: {type: state, code: TX}, datasets: [...]}`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEMOGRAPHIC_SOURCES = ("explicit", "populationsim", "hybrid")
LOW_INCOME_FPL = 2.0
"""'Low income' = household income below 200% of the federal poverty level, the usual
cut-off in health services research (e.g. KFF, MEPS 'low income' is 100-199% FPL and
'poor' below 100%; together: below 200%)."""
HIGH_SVI = 0.75
"""'High social vulnerability' = a county SVI percentile rank of 0.75 or more (CDC/ATSDR
describe the top quartile as high vulnerability)."""
METRO_RUCC = (1, 2, 3)
NONMETRO_RUCC = (4, 5, 6, 7, 8, 9)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PlaceRef(_Strict):
    """A named place: 'Harris County, TX', 'TX', 'Boston, MA', 'Houston metro', '48201'."""

    name: str = Field(min_length=1)
    kind: Literal["nation", "state", "county", "metro", "city", "zip"] | None = Field(
        None, description="Force a reading (e.g. county for a 5-digit FIPS that is also a ZIP).")

    @model_validator(mode="before")
    @classmethod
    def _spellings(cls, data: object) -> object:
        if isinstance(data, str):
            return {"name": data}
        if not isinstance(data, dict):
            return data
        d = dict(data)
        if isinstance(d.get("geography"), dict | str):  # {geography: {...}, datasets: [...]}
            d.pop("datasets", None)
            return cls._spellings(d.pop("geography"))
        if "name" in d:
            return d
        kind = d.pop("type", None) or d.pop("kind", None)
        for key in ("fips", "code", "state", "county", "city", "metro", "zip", "value"):
            if key in d:
                value = str(d.pop(key))
                inferred = {"state": "state", "county": "county", "city": "city", "metro": "metro",
                            "zip": "zip"}.get(key)
                d.pop("city_distribution", None)
                return {"name": value, "kind": kind or inferred or ("county" if key == "fips" else None), **d}
        return d

    @model_validator(mode="after")
    def _known(self) -> PlaceRef:
        from healthsim.errors import NotFoundError

        try:
            self.resolve()
        except NotFoundError as e:
            raise ValueError(str(e)) from None
        return self

    def resolve(self):
        """The `reference.places.Place` this names (cached by the resolver's indexes)."""
        from healthsim.reference.places import resolve_place

        return resolve_place(self.name, self.kind)


class SdohSpec(_Strict):
    """Social determinants the population is selected or weighted by.

    County-level filters (svi, rurality) restrict where members live; person-level
    income (a household income / federal poverty level ratio drawn from the member's
    county) is drawn inside the requested band, and counties are weighted by their
    share of people in that band, so "low-income adults in Georgia" live where
    low-income Georgians live.
    """

    income: Literal["any", "low", "poor", "not_low"] | None = Field(
        None, description="low: below 200% FPL; poor: below 100% FPL; not_low: 200% FPL or more.")
    fpl_min: float | None = Field(None, ge=0, description="Lowest income / FPL ratio (e.g. 1.38).")
    fpl_max: float | None = Field(None, gt=0, description="Income / FPL ratio below this (e.g. 2.0).")
    svi: Literal["any", "high", "low"] | None = Field(
        None, description="high: county SVI rank >= 0.75; low: <= 0.25.")
    svi_min: float | None = Field(None, ge=0, le=1)
    svi_max: float | None = Field(None, ge=0, le=1)
    rurality: Literal["any", "rural", "urban"] | None = Field(
        None, description="rural: nonmetro counties (RUCC 2023 codes 4-9); urban: metro (1-3).")
    rucc: list[int] | None = Field(None, description="USDA RUCC 2023 codes 1-9 to draw from.")

    @model_validator(mode="after")
    def _check(self) -> SdohSpec:
        lo, hi = self.fpl_range()
        if hi is not None and lo >= hi:
            raise ValueError(f"income band is empty: fpl_min {lo} >= fpl_max {hi}")
        slo, shi = self.svi_range()
        if slo > shi:
            raise ValueError(f"SVI range is empty: {slo} > {shi}")
        for code in self.rucc or []:
            if not 1 <= code <= 9:
                raise ValueError(f"rucc {code} is not a RUCC 2023 code (1-9)")
        return self

    def fpl_range(self) -> tuple[float, float | None]:
        lo, hi = {"low": (0.0, LOW_INCOME_FPL), "poor": (0.0, 1.0), "not_low": (LOW_INCOME_FPL, None)}.get(
            self.income or "any", (0.0, None))
        if self.fpl_min is not None:
            lo = max(lo, self.fpl_min)
        if self.fpl_max is not None:
            hi = self.fpl_max if hi is None else min(hi, self.fpl_max)
        return lo, hi

    def svi_range(self) -> tuple[float, float]:
        lo, hi = {"high": (HIGH_SVI, 1.0), "low": (0.0, 0.25)}.get(self.svi or "any", (0.0, 1.0))
        return max(lo, self.svi_min or 0.0), min(hi, 1.0 if self.svi_max is None else self.svi_max)

    def rucc_codes(self) -> tuple[int, ...] | None:
        codes = {"rural": NONMETRO_RUCC, "urban": METRO_RUCC}.get(self.rurality or "any")
        if self.rucc:
            codes = tuple(c for c in (codes or range(1, 10)) if c in self.rucc)
        return codes

    def is_set(self) -> bool:
        return self.fpl_range() != (0.0, None) or self.svi_range() != (0.0, 1.0) or self.rucc_codes() is not None


class HouseholdSpec(_Strict):
    """Who shares a policy. auto: members of family-enrolling coverage (commercial,
    exchange, Medicaid) form households of subscriber, spouse and children from the
    members drawn (the profile's age, sex and coverage marginals are kept); off: every
    member is their own subscriber; `size`: every household has exactly this many members
    (subscriber, a spouse from 2, children after), ages made consistent with the roles."""

    mode: Literal["auto", "off"] = "auto"
    size: int | None = Field(None, ge=1, le=12, description="Members per household (a family of 4: 4).")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: object) -> object:
        if data is False or data == "off":
            return {"mode": "off"}
        if data is True or data == "auto":
            return {"mode": "auto"}
        if isinstance(data, int) and not isinstance(data, bool):
            return {"size": data}
        if isinstance(data, dict) and "enabled" in data:  # {enabled: true, size: 4} (the parser's spelling)
            data = dict(data)
            enabled = data.pop("enabled")
            data.setdefault("mode", "off" if enabled is False else "auto")
        return data
