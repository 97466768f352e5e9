"""What a request (or a dialogue reply) said, before any defaults are applied.

The parser turns text into `Facts`; `compose` turns facts into a spec by
filling every unsaid field from a template and recording that it did. Keeping
the two apart is what lets the dialogues accumulate answers: each reply is
parsed into facts and merged over the earlier ones, and the spec is composed
again from the merged facts, so a sentence, a dialogue and an MCP call all end
in the same composer.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class AgeFact(BaseModel):
    """An age restriction: [low, high) in years, or one exact age, or a named group."""

    low: float | None = None
    high: float | None = None  # exclusive
    exact: int | None = None
    group: str | None = None  # 'seniors', 'kids', 'disabled', ...
    text: str = ""
    share: float | None = None  # 'half of them over 60': the share of members in this range
    mean: float | None = None  # 'mean age 50': a normal around it within [low, high)


class ConditionFact(BaseModel):
    code: str
    description: str
    text: str = Field(description="The words the code was resolved from.")
    prevalence: float | None = Field(None, description="Stated share; None = everyone (1.0).")
    negated: bool = False
    how: str = Field("synonym", description="synonym | search | code")
    score: float | None = None


class JourneyFact(BaseModel):
    template: str
    text: str = ""
    adjustments: dict = Field(default_factory=dict)
    how: str = Field("named", description="named | intent:<name> (chosen for what the request is about)")


class TrialFact(BaseModel):
    """A clinical-trial request (TrialSim): what it said about the study."""

    phase: str | None = None
    arms: int | None = None
    indication: str | None = Field(None, description="ICD-10-CM code of the condition studied.")


PLACE_FIELDS = ("states", "region", "city", "zips", "counties")


class Facts(BaseModel):
    """Everything a request stated. None means 'not said' (a default will be assumed)."""

    count: int | None = None
    count_text: str | None = None
    household_size: int | None = Field(None, description="'a family of 4': members of one household.")
    template: str | None = None
    name: str | None = None
    subject: str | None = Field(None, description="The request's subject, a default cohort name.")
    seed: int | None = None
    as_of: date | None = None
    window: dict | None = Field(None, description="The span asked for ('from 2022 to 2024'): a Window document.")
    coverage: list[tuple[str, float | None]] | None = None
    medicare_unqualified: bool | None = Field(None, description="'Medicare' said without Advantage/Original.")
    age: AgeFact | None = None
    adult_noun: str | None = Field(None, description="'women', 'men', 'mothers': people who are adults.")
    sex: dict[str, float] | None = None
    race: dict[str, float] | None = None
    ethnicity: dict[str, float] | None = None
    states: list[str] | None = None
    region: str | None = None
    city: str | None = None
    zips: list[str] | None = None
    counties: list[str] | None = None
    place_labels: list[str] = Field(default_factory=list)
    urban_share: float | None = None
    sdoh: dict | None = Field(None, description="'low-income', 'high social vulnerability': the profile's "
                                                "sdoh section (builders/places.take_sdoh).")
    match_place: bool | None = Field(None, description="'match the population of X': X's own people "
                                                        "(builders/population_match.py).")
    urban_text: str | None = None
    conditions: list[ConditionFact] = Field(default_factory=list)
    healthy: bool = False
    background: bool | None = Field(None, description="False: only the named conditions, no template comorbidities.")
    severity: dict[str, float] | None = Field(None, description="diabetes_control shares (controlled/suboptimal/poor).")
    journeys: list[JourneyFact] = Field(default_factory=list)
    journey_adjustments: dict = Field(default_factory=dict, description="Timing said for any journey.")
    formats: list[str] = Field(default_factory=list)
    purposes: list[str] = Field(default_factory=list)
    trial: TrialFact | None = None
    claims: bool | None = None
    pharmacy_claims: bool | None = None
    unrecognized: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    def said_anything(self) -> bool:
        """True when at least one fact was recognised (else the request is unparseable)."""
        return any(
            getattr(self, name) not in (None, [], {}, False)
            for name in type(self).model_fields
            if name not in ("unrecognized", "notes", "count_text", "urban_text", "place_labels",
                            "medicare_unqualified", "subject", "adult_noun")
        )

    def merged(self, newer: Facts) -> Facts:
        """These facts updated by a later message: stated scalars replace, lists accumulate."""
        data = self.model_dump()
        for name in type(self).model_fields:
            value = getattr(newer, name)
            if name == "conditions":
                data[name] = [c.model_dump() for c in _merge_conditions(self.conditions, newer.conditions)]
            elif name == "journey_adjustments":
                data[name] = {**self.journey_adjustments, **newer.journey_adjustments}
            elif name == "journeys":
                data[name] = [j.model_dump() for j in _merge_journeys(self.journeys, newer.journeys)]
            elif name in ("formats", "purposes"):
                data[name] = list(dict.fromkeys(getattr(self, name) + value))
            elif name == "subject":
                data[name] = self.subject or value  # the opening request names the cohort
            elif name == "place_labels":
                data[name] = list(value) or list(self.place_labels)
            elif name in ("unrecognized", "notes"):
                data[name] = list(value)  # only the latest message's leftovers matter
            elif name == "healthy":
                data[name] = self.healthy or newer.healthy
            elif value is not None:
                data[name] = value.model_dump() if isinstance(value, BaseModel) else value
        if any(getattr(newer, k) is not None for k in PLACE_FIELDS):  # a new place replaces the old one
            for k in PLACE_FIELDS:
                data[k] = getattr(newer, k)
        return Facts.model_validate(data)


def _merge_conditions(old: list[ConditionFact], new: list[ConditionFact]) -> list[ConditionFact]:
    by_code = {c.code: c for c in old}
    for c in new:
        by_code[c.code] = c  # a later mention (or negation) replaces the earlier one
    return list(by_code.values())


def _merge_journeys(old: list[JourneyFact], new: list[JourneyFact]) -> list[JourneyFact]:
    by_name = {j.template: j for j in old}
    for j in new:
        if j.template in by_name:
            merged = {**by_name[j.template].adjustments, **j.adjustments}
            by_name[j.template] = j.model_copy(update={"adjustments": merged})
        else:
            by_name[j.template] = j
    return list(by_name.values())
