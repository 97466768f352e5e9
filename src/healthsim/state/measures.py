"""Measured values as one trajectory per member and measure, shared by every journey.

A member's underlying value on a day is

    level (population default, or the condition's treated level, or the stage's range)
    + condition shifts while the condition is active
    + untreated excess from a diagnosis inside the window until therapy brings it down
    + slow within-person wander (a monthly random walk)
    + effects of therapy (the state's medication intervals) and of journey events
      (a journey's `measures.<key>.effects`, ramped in from the member's first such event)

and a recorded value adds visit noise. Because there is one trajectory per member,
two journeys that measure A1c a week apart see nearly the same value, and an A1c
that triggers intensification is the one the claims and FHIR carry. Journeys may
still give a `baseline` for a measure the condition library does not model.

Derived measures are computed from what was measured at the same visit: eGFR from
creatinine (CKD-EPI 2021, race-free), glucose from A1c, weight from BMI and height.
For members in a CKD stage the creatinine level is the inverse of CKD-EPI at the
member's position within the stage's eGFR range, so eGFR agrees with the stage.

Draws come from Stream.CLINICAL sub-streams named by measure (baselines: the same in
every journey) or by journey, event and measure (visit noise): values depend only on
(seed, block).
"""

from __future__ import annotations

import numpy as np

from healthsim.engine.members import MemberBlock
from healthsim.engine.seeds import Stream, block_rng
from healthsim.plan.journey import JourneyPlan, stream_id
from healthsim.reference.clinical import Observable, observables
from healthsim.state.model import NEVER, MemberState

DAYS_PER_YEAR = 365.25


def egfr_ckd_epi_2021(creatinine: np.ndarray, female: np.ndarray, age: np.ndarray) -> np.ndarray:
    """eGFR (mL/min/1.73 m2), CKD-EPI 2021 creatinine equation (Inker et al., NEJM 2021)."""
    kappa = np.where(female, 0.7, 0.9)
    alpha = np.where(female, -0.241, -0.302)
    ratio = creatinine / kappa
    egfr = 142 * np.minimum(ratio, 1) ** alpha * np.maximum(ratio, 1) ** -1.2 * 0.9938 ** age
    return egfr * np.where(female, 1.012, 1.0)


def creatinine_for_egfr(egfr: np.ndarray, female: np.ndarray, age: np.ndarray) -> np.ndarray:
    """The creatinine at which CKD-EPI 2021 gives this eGFR (the equation inverted piecewise)."""
    kappa = np.where(female, 0.7, 0.9)
    alpha = np.where(female, -0.241, -0.302)
    top = 142 * 0.9938 ** age * np.where(female, 1.012, 1.0)  # eGFR at creatinine == kappa
    ratio = np.where(egfr <= top, (egfr / top) ** (-1 / 1.2), (egfr / top) ** (1 / alpha))
    return ratio * kappa


def _ramp(since: np.ndarray, ramp_days: float) -> np.ndarray:
    return np.where(since >= 0, 1 - np.exp(-3.0 * np.maximum(since, 0) / ramp_days), 0.0)


class BlockMeasures:
    """Every measure's trajectory for the members of one block (lazily built, cached)."""

    def __init__(self, state: MemberState, m: MemberBlock, seed: int, ctx: dict):
        self.state, self.m, self.seed, self.ctx = state, m, seed, ctx
        self.catalog = observables()
        self.journeys: list[tuple[JourneyPlan, np.ndarray, np.ndarray, dict]] = []  # plan, start, active, first_day
        self._levels: dict[str, np.ndarray] = {}
        self._walk: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------ journeys
    def view(self, plan: JourneyPlan, start: np.ndarray, active: np.ndarray) -> JourneyMeasures:
        """A journey's window onto the shared trajectories (its events' effects join them)."""
        first_day: dict[str, np.ndarray] = {}
        self.journeys.append((plan, start, active, first_day))
        return JourneyMeasures(self, plan, start, first_day)

    def _rng(self, *parts: str) -> np.random.Generator:
        return block_rng(self.seed, self.m.block, Stream.CLINICAL, stream_id(*parts))

    # ------------------------------------------------------------ levels
    def _models(self, key: str):
        return [(t, t.family.measures[key]) for t in self.state.tracks.values() if key in t.family.measures]

    def default_level(self, key: str) -> np.ndarray:
        """The population default level (mean by sex + a person effect), or a journey's baseline."""
        if key in self._levels:
            return self._levels[key]
        obs, n = self.catalog[key], self.m.n
        spec_owner = next((p for p, *_ in self.journeys
                           if p.spec.measures.get(key) is not None and p.spec.measures[key].baseline is not None),
                          None)
        if spec_owner is not None and not self._models(key):
            level = np.asarray(spec_owner.spec.measures[key].baseline.sample(
                n, self._rng(spec_owner.stream_name, key, "baseline"), self.ctx), float)
        else:
            z = self._rng("measure", key, "baseline").standard_normal(n)
            mean = np.where(self.m.sex == "F", obs.mean_f if obs.mean_f is not None else obs.mean or 0.0,
                            obs.mean or 0.0)
            level = mean + (obs.sd_between or 0.0) * z
        self._levels[key] = level
        return level

    def _treated(self, key: str, fid: str, model) -> np.ndarray:
        cache = f"{key}@{fid}"
        if cache not in self._levels:
            self._levels[cache] = np.asarray(model.treated.sample(
                self.m.n, self._rng("measure", key, fid, "treated"), self.ctx), float)
        return self._levels[cache]

    def _excess(self, key: str, fid: str, model) -> np.ndarray:
        cache = f"{key}@{fid}#excess"
        if cache not in self._levels:
            self._levels[cache] = np.asarray(model.untreated_excess.sample(
                self.m.n, self._rng("measure", key, fid, "excess"), self.ctx), float)
        return self._levels[cache]

    def _position(self, fid: str) -> np.ndarray:
        cache = f"position@{fid}"
        if cache not in self._levels:
            self._levels[cache] = self._rng("measure", fid, "position").random(self.m.n)
        return self._levels[cache]

    def _wander(self, key: str, sd_per_year: float, member, day) -> np.ndarray:
        """A monthly random walk from the window start (SD sd_per_year after a year), interpolated."""
        if key not in self._walk:
            months = int((self.state.window_hi - self.state.window_lo) // 30) + 3
            steps = self._rng("measure", key, "walk").standard_normal((self.m.n, months)) * sd_per_year / np.sqrt(12)
            self._walk[key] = np.cumsum(steps, axis=1)
        walk = self._walk[key]
        pos = np.clip((day - self.state.window_lo) / 30.4375, 0, walk.shape[1] - 1)
        i = np.floor(pos).astype(np.int64)
        j = np.minimum(i + 1, walk.shape[1] - 1)
        f = pos - i
        return walk[member, i] * (1 - f) + walk[member, j] * f

    # ------------------------------------------------------------ the trajectory
    def latent(self, key: str, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        """The member's underlying value on `day` (no visit noise)."""
        obs = self.catalog[key]
        if obs.derive:
            zero = np.zeros(len(member))
            return self._derive(obs, {}, member, day, zero, zero)
        value = self.default_level(key)[member].astype(float)
        if key == "creatinine":
            value = self._creatinine_by_stage(value, member, day)
        for track, model in self._models(key):
            on = track.active(member, day)
            if model.treated is not None:
                value = np.where(on, self._treated(key, track.family.id, model)[member], value)
            if model.shift:
                value = value + np.where(on, model.shift, 0.0)
            if model.untreated_excess is not None:  # therapy started in the window brings it down
                incident = on & (track.onset[member] >= self.state.window_lo)
                value = value + np.where(incident, self._excess(key, track.family.id, model)[member], 0)
            if model.drift_sd_per_year:
                value = value + np.where(on, self._wander(key, model.drift_sd_per_year, member, day), 0.0)
        for prefix, delta in obs.shifts:  # catalogue shifts for codes the library does not model
            if not self._library_models(prefix, key):
                value = value + delta * self.state.has(prefix, member, day)
        value = value + self._therapy_effects(key, member, day)
        for plan, start, active, first_day in self.journeys:
            spec = plan.spec.measures.get(key)
            if spec is None:
                continue
            if spec.drift_per_year is not None:
                drift = self._journey_number(plan, key, "drift", spec.drift_per_year)
                on = active[member] & (day >= start[member])
                value = value + np.where(on, drift[member] * (day - start[member]) / DAYS_PER_YEAR, 0.0)
            for i, eff in enumerate(spec.effects):
                first = first_day.get(eff.event)
                if first is None:
                    continue
                change = self._journey_number(plan, key, f"effect{i}", eff.change)
                value = value + change[member] * _ramp(day - first[member], eff.ramp_days) * (first[member] < NEVER)
        return value

    def _library_models(self, prefix: str, key: str) -> bool:
        """Whether the family of `prefix` drives `key` itself (eGFR by CKD stage drives creatinine)."""
        fid = self.state.family_of(prefix)
        track = self.state.tracks.get(fid) if fid else None
        if track is None:
            return False
        return key in track.family.measures or (key == "creatinine" and "egfr" in track.family.measures)

    def _journey_number(self, plan, key: str, what: str, value) -> np.ndarray:
        cache = f"{plan.stream_name}/{key}/{what}"
        if cache not in self._levels:
            from healthsim.episodes.timing import sample_number
            self._levels[cache] = sample_number(value, self.m.n, self._rng(plan.stream_name, key, what), self.ctx)
        return self._levels[cache]

    def _creatinine_by_stage(self, value: np.ndarray, member, day) -> np.ndarray:
        for track, model in self._models("egfr"):
            if model.by_stage is None or track.stage_day is None:
                continue
            stage = track.stage_at(member, day)
            lo = np.array([model.by_stage.get(s.code, (np.nan, np.nan))[0] for s in track.family.stages] + [np.nan])
            hi = np.array([model.by_stage.get(s.code, (np.nan, np.nan))[1] for s in track.family.stages] + [np.nan])
            u = self._position(track.family.id)[member]
            target = lo[stage] + u * (hi[stage] - lo[stage])
            staged = track.active(member, day) & np.isfinite(target)
            female = self.m.sex[member] == "F"
            age = (day - self.m.birth_day[member]) / DAYS_PER_YEAR
            crea = creatinine_for_egfr(np.where(staged, target, 90.0), female, age)
            value = np.where(staged, crea, value)
        return value

    def _therapy_effects(self, key: str, member, day) -> np.ndarray:
        therapy = self.state.therapy
        if therapy is None:
            return np.zeros(len(member))
        return therapy.effect(key, member, day)

    def noise_sd(self, key: str, member, day, plan: JourneyPlan | None) -> np.ndarray:
        obs = self.catalog[key]
        sd = np.full(len(member), obs.sd_within or 0.0)
        spec = plan.spec.measures.get(key) if plan is not None else None
        if spec is not None and spec.noise_sd is not None:
            sd[:] = spec.noise_sd
        if self.state.therapy is not None:
            sd = self.state.therapy.noise_sd(key, member, day, sd)
        return sd

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
            height = self.default_level("height")[member]
            return self._source("bmi", seen, member, day) * (height / 100.0) ** 2
        raise ValueError(f"unknown derivation {obs.derive!r} for {obs.key}")

    def _source(self, key: str, seen: dict, member, day) -> np.ndarray:
        return seen[key] if key in seen else self.latent(key, member, day)


class JourneyMeasures:
    """What one journey sees: shared trajectories, its own visit noise and event effects."""

    def __init__(self, block: BlockMeasures, plan: JourneyPlan, start: np.ndarray, first_day: dict):
        self.block, self.plan, self.start, self.first_day = block, plan, start, first_day
        self.seed, self.m = block.seed, block.m
        self.cache: dict[tuple[str, str], np.ndarray] = {}

    def latent(self, key: str, member: np.ndarray, day: np.ndarray) -> np.ndarray:
        return self.block.latent(key, member, day)

    def observe(self, tag: str, keys, member: np.ndarray, day: np.ndarray,
                adjust: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Recorded values of `keys` for occurrences `tag` (cached: the same rows give the same values).

        `adjust` adds event-specific changes to the underlying value (troponin on an MI admission).
        """
        out: dict[str, np.ndarray] = {}
        catalog = self.block.catalog
        for key in _dependency_order(keys, catalog):
            if (tag, key) not in self.cache:
                self.cache[(tag, key)] = self._record(tag, key, out, member, day, (adjust or {}).get(key))
            out[key] = self.cache[(tag, key)]
        return {k: out[k] for k in keys}

    def _record(self, tag: str, key: str, seen: dict, member, day, adjust) -> np.ndarray:
        obs = self.block.catalog[key]
        rng = self.block._rng(self.plan.stream_name, tag, key)
        if obs.value_type == "text":
            return self._text(obs, member)
        z_visit = rng.standard_normal(len(member))
        if obs.derive:
            z_person = self.block._rng("measure", key, "person").standard_normal(self.m.n)[member]
            value = self.block._derive(obs, seen, member, day, z_person, z_visit)
        else:
            value = self.block.latent(key, member, day) + self.block.noise_sd(key, member, day, self.plan) * z_visit
        if adjust is not None:
            value = value + adjust
        lo = obs.min if obs.min is not None else -np.inf
        hi = obs.max if obs.max is not None else np.inf
        return np.round(np.clip(value, lo, hi), obs.decimals)

    def _text(self, obs: Observable, member: np.ndarray) -> np.ndarray:
        """Coded results: one label per member for life (blood type) or per the journey's `text`."""
        spec = self.plan.spec.measures.get(obs.key)
        if spec is not None and spec.text is not None:
            values = np.asarray(spec.text.sample(self.m.n, self.block._rng(self.plan.stream_name, obs.key, "text"),
                                                 self.block.ctx))
        else:
            labels = np.array([x for x, _ in obs.text_values], dtype=object)
            p = np.array([w for _, w in obs.text_values])
            values = labels[self.block._rng("measure", obs.key, "text").choice(len(labels), self.m.n,
                                                                                 p=p / p.sum())]
        return values.astype(object)[member]


def _dependency_order(keys, catalog) -> list[str]:
    """Sources before the measures derived from them (only those asked for are recorded)."""
    first = [k for k in keys if not catalog[k].derive]
    return first + [k for k in keys if catalog[k].derive]
