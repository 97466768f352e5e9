"""Observation values as per-member trajectories, not independent noise.

A measured value is  baseline + drift x years + effects of events + visit noise:
the baseline is drawn once per member (mean by sex, shifted for conditions, or
the journey's own baseline distribution, which may depend on attributes such as
diabetes_control); each effect (e.g. metformin: -1.1 A1c points) ramps in over
`ramp_days` from the member's first occurrence of its event; visit noise is the
measure's within-person SD. So a member's A1c series is continuous and moves
when therapy changes. Derived measures are computed from what was measured at
the same visit: glucose from A1c (ADAG), eGFR from creatinine (CKD-EPI 2021,
race-free), weight from BMI and height, hematocrit from hemoglobin, PT from INR,
diastolic from systolic (each plus its own person and visit variation).

Draws come from Stream.CLINICAL sub-streams named by measure (baselines, so a
member's default baseline is the same in every journey) or by journey, event
and measure (noise), so values depend only on (seed, block).
"""

from __future__ import annotations

import numpy as np

from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.episodes.timing import NEVER, sample_number
from healthsim.plan.journey import JourneyPlan, stream_id
from healthsim.reference.clinical import Observable, observables

DAYS_PER_YEAR = 365.25


def egfr_ckd_epi_2021(creatinine: np.ndarray, female: np.ndarray, age: np.ndarray) -> np.ndarray:
    """eGFR (mL/min/1.73 m2), CKD-EPI 2021 creatinine equation (Inker et al., NEJM 2021)."""
    kappa = np.where(female, 0.7, 0.9)
    alpha = np.where(female, -0.241, -0.302)
    ratio = creatinine / kappa
    egfr = 142 * np.minimum(ratio, 1) ** alpha * np.maximum(ratio, 1) ** -1.2 * 0.9938 ** age
    return egfr * np.where(female, 1.012, 1.0)


class Measures:
    """Values of every measure for one journey in one block (lazily built, cached)."""

    def __init__(self, plan: JourneyPlan, m: MemberBlock, seed: int, start: np.ndarray, ctx: dict,
                 first_day: dict[str, np.ndarray], flags_for):
        self.plan, self.m, self.seed, self.start, self.ctx = plan, m, seed, start, ctx
        self.first_day = first_day  # event key -> first day per member (filled as events are made)
        self.flags_for = flags_for  # prefix -> bool column (computed on demand)
        self.catalog = observables()
        self._latent: dict[str, tuple] = {}
        self.cache: dict[tuple[str, str], np.ndarray] = {}

    def _rng(self, *parts: str) -> np.random.Generator:
        return block_rng(self.seed, self.m.block, Stream.CLINICAL, stream_id(*parts))

    def _params(self, key: str) -> tuple:
        if key in self._latent:
            return self._latent[key]
        obs, spec, n = self.catalog[key], self.plan.spec.measures.get(key), self.m.n
        if spec is not None and spec.baseline is not None:
            base = np.asarray(spec.baseline.sample(n, self._rng(self.plan.name, key, "baseline"), self.ctx), float)
        else:
            z = self._rng("measure", key, "baseline").standard_normal(n)
            mean = np.where(self.m.sex == "F", obs.mean_f if obs.mean_f is not None else obs.mean or 0.0,
                            obs.mean or 0.0)
            base = mean + (obs.sd_between or 0.0) * z
            if not obs.derive:
                for prefix, delta in obs.shifts:
                    base = base + delta * self.flags_for(prefix)
        drift = np.zeros(n) if spec is None else sample_number(spec.drift_per_year, n, self._rng(
            self.plan.name, key, "drift"), self.ctx)
        effects = []
        for i, eff in enumerate(spec.effects if spec else []):
            change = sample_number(eff.change, n, self._rng(self.plan.name, key, "effect", str(i)), self.ctx)
            effects.append((eff.event, change, eff.ramp_days))
        noise = spec.noise_sd if spec is not None and spec.noise_sd is not None else (obs.sd_within or 0.0)
        self._latent[key] = (base, drift, effects, noise)
        return self._latent[key]

    def latent(self, key: str, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The member's underlying value on `day` (no visit noise)."""
        obs = self.catalog[key]
        if obs.derive:
            return self._derive(obs, {}, member, day, np.zeros(len(member)), np.zeros(len(member)))
        base, drift, effects, _ = self._params(key)
        value = base[member] + drift[member] * (day - self.start[member]) / DAYS_PER_YEAR
        for event, change, ramp in effects:
            first = self.first_day.get(event)
            if first is None:
                continue
            since = day - first[member]
            on = (first[member] < NEVER) & (since >= 0)
            value = value + np.where(on, change[member] * (1 - np.exp(-3.0 * np.maximum(since, 0) / ramp)), 0.0)
        return value

    def observe(self, tag: str, keys, member: np.ndarray, day: np.ndarray) -> dict[str, np.ndarray]:
        """Recorded values of `keys` for occurrences `tag` (cached: the same rows give the same values)."""
        out: dict[str, np.ndarray] = {}
        for key in _dependency_order(keys, self.catalog):
            if (tag, key) not in self.cache:
                self.cache[(tag, key)] = self._record(tag, key, out, member, day)
            out[key] = self.cache[(tag, key)]
        return {k: out[k] for k in keys}

    def _record(self, tag: str, key: str, seen: dict, member, day) -> np.ndarray:
        obs = self.catalog[key]
        rng = self._rng(self.plan.name, tag, key)
        if obs.value_type == "text":
            return self._text(obs, member)
        z_visit = rng.standard_normal(len(member))
        if obs.derive:
            z_person = self._rng("measure", key, "person").standard_normal(self.m.n)[member]
            value = self._derive(obs, seen, member, day, z_person, z_visit)
        else:
            noise = self._params(key)[3]
            value = self.latent(key, member, day) + noise * z_visit
        lo = obs.min if obs.min is not None else -np.inf
        hi = obs.max if obs.max is not None else np.inf
        return np.round(np.clip(value, lo, hi), obs.decimals)

    def _source(self, key: str, seen: dict, member, day) -> np.ndarray:
        return seen[key] if key in seen else self.latent(key, member, day)

    def _derive(self, obs: Observable, seen: dict, member, day, z_person, z_visit) -> np.ndarray:
        kind, _, rest = obs.derive.partition(":")
        if kind == "linear":
            src, slope, intercept = rest.split(":")
            value = float(slope) * self._source(src, seen, member, day) + float(intercept)
            return value + (obs.sd_between or 0.0) * z_person + (obs.sd_within or 0.0) * z_visit
        if rest == "egfr_ckd_epi_2021":
            age = (day - self.m.birth_day[member]) / DAYS_PER_YEAR
            return egfr_ckd_epi_2021(self._source("creatinine", seen, member, day), self.m.sex[member] == "F", age)
        if rest == "weight_from_bmi":
            height = self._params("height")[0][member]
            return self._source("bmi", seen, member, day) * (height / 100.0) ** 2
        raise ValueError(f"unknown derivation {obs.derive!r} for {obs.key}")

    def _text(self, obs: Observable, member: np.ndarray) -> np.ndarray:
        """Coded results: one label per member for life (blood type) or per the journey's `text`."""
        spec = self.plan.spec.measures.get(obs.key)
        if spec is not None and spec.text is not None:
            values = np.asarray(spec.text.sample(self.m.n, self._rng(self.plan.name, obs.key, "text"), self.ctx))
        else:
            labels = np.array([x for x, _ in obs.text_values], dtype=object)
            p = np.array([w for _, w in obs.text_values])
            values = labels[self._rng("measure", obs.key, "text").choice(len(labels), self.m.n, p=p / p.sum())]
        return values.astype(object)[member]


def _dependency_order(keys, catalog) -> list[str]:
    """Sources before the measures derived from them (only those asked for are recorded)."""
    first = [k for k in keys if not catalog[k].derive]
    return first + [k for k in keys if catalog[k].derive]
