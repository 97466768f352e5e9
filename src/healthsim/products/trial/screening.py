"""Sites and screening: who is approached, when, and whether they qualify.

Sites are hospitals of the cohort's network, one per state in order of how many candidates
live there (a site recruits locally). Each candidate near a site gets a screening date in the
enrollment period (each site from its activation, at its own Poisson rate: `consent_days`);
candidates are screened in date order until enough are randomised. The
criteria are read from the member state on the screening date: age, sex, the conditions that
apply that day, the latest lab values in the lookback; death before screening leaves a member
out. A share of qualifying members still fail (the protocol's residual).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthsim.products.trial.inputs import TrialInputs, days
from healthsim.spec.trial import LAB_TESTS, ProtocolSpec


@dataclass
class Sites:
    site_id: np.ndarray      # '001'...
    facility_id: np.ndarray
    name: np.ndarray
    state: np.ndarray
    latitude: np.ndarray
    longitude: np.ndarray
    activation: np.ndarray | None = None  # days after the study start the site opened (set by screen)
    rate: np.ndarray | None = None        # candidates screened per month at the site (set by screen)


TRAVEL_KM = 600  # candidates farther than this from every site are not approached (regional recruitment)


def choose_sites(protocol: ProtocolSpec, inputs: TrialInputs) -> Sites:
    fac = inputs.facilities
    hosp = fac.filter(pc.is_in(fac["facility_type"], pa.array(["hospital", "critical_access_hospital"])))
    if hosp.num_rows == 0:
        hosp = fac
    states, counts = np.unique(inputs.persons["state"].to_numpy(zero_copy_only=False).astype(str), return_counts=True)
    order = np.lexsort((states, -counts))
    h_state = hosp["state"].to_numpy(zero_copy_only=False).astype(str)
    beds = pc.fill_null(hosp["beds"], 0).to_numpy(zero_copy_only=False) if "beds" in hosp.column_names \
        else np.zeros(hosp.num_rows)
    fids = hosp["facility_id"].to_numpy()
    names = hosp["name"].to_numpy(zero_copy_only=False).astype(str)
    picked: list[int] = []
    for st in states[order]:  # one site per state, largest hospital first (a loop over <= 51 states)
        if len(picked) >= protocol.recruitment.sites:
            break
        idx = np.flatnonzero(h_state == st)
        if idx.size:
            picked.append(int(idx[np.lexsort((fids[idx], -beds[idx]))[0]]))
    picked_arr = np.array(picked, dtype=np.int64)
    lat = pc.fill_null(hosp["latitude"], 0.0).to_numpy(zero_copy_only=False)[picked_arr]
    lon = pc.fill_null(hosp["longitude"], 0.0).to_numpy(zero_copy_only=False)[picked_arr]
    return Sites(np.array([f"{i + 1:03d}" for i in range(len(picked))]), fids[picked_arr], names[picked_arr],
                 h_state[picked_arr], lat, lon)


def nearest_site(sites: Sites, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of the nearest site, its great-circle distance in km) for each point."""
    la1, lo1 = np.radians(lat)[:, None], np.radians(lon)[:, None]
    la2, lo2 = np.radians(sites.latitude)[None, :], np.radians(sites.longitude)[None, :]
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    km = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
    idx = km.argmin(axis=1)
    return idx, km[np.arange(lat.size), idx]


@dataclass
class Screening:
    person_id: np.ndarray      # everyone screened, in screening order
    site: np.ndarray           # index into Sites
    consent_day: np.ndarray    # days since epoch
    screening_day: np.ndarray
    age: np.ndarray
    failed: np.ndarray         # bool
    reason: np.ndarray         # str ('' when qualified)
    labs: dict[str, np.ndarray]  # lab name -> value at screening (nan when none)
    limited_by_rate: bool = False  # candidates near a site were left unapproached when enrollment closed


def latest_before(inputs: TrialInputs, person: np.ndarray, when: np.ndarray, loinc: str,
                  lookback: int) -> np.ndarray:
    """The latest value of `loinc` for each (person, day) on or before that day, within `lookback` days."""
    obs = inputs.observations
    sel = obs.filter(pc.equal(obs["loinc"], loinc))
    out = np.full(person.size, np.nan)
    if sel.num_rows == 0 or person.size == 0:
        return out
    o_pid = sel["person_id"].to_numpy()
    o_day = days(sel["time"])
    o_val = pc.fill_null(sel["value"], np.nan).to_numpy(zero_copy_only=False).astype(float)
    order = np.lexsort((o_day, o_pid))
    o_pid, o_day, o_val = o_pid[order], o_day[order], o_val[order]
    # key = person * 2^20 + day: searchsorted finds the last observation on or before the day
    key_obs = o_pid.astype(np.int64) * (1 << 22) + o_day
    key_q = person.astype(np.int64) * (1 << 22) + when
    pos = np.searchsorted(key_obs, key_q, side="right") - 1
    ok = pos >= 0
    pos_c = np.clip(pos, 0, None)
    ok &= (o_pid[pos_c] == person) & (when - o_day[pos_c] <= lookback) & ~np.isnan(o_val[pos_c])
    out[ok] = o_val[pos_c[ok]]
    return out


def active_codes(inputs: TrialInputs, person: np.ndarray, when: np.ndarray, prefixes: list[str]) -> np.ndarray:
    """Whether each person has, on their day, a condition whose code starts with one of `prefixes`."""
    hit = np.zeros(person.size, dtype=bool)
    if not prefixes or person.size == 0:
        return hit
    c = inputs.conditions
    codes = c["code"].to_numpy(zero_copy_only=False).astype(str)
    match = np.zeros(codes.size, dtype=bool)
    for p in prefixes:
        match |= np.char.startswith(codes, p)
    if not match.any():
        return hit
    c_pid = c["person_id"].to_numpy()[match]
    onset = days(c["onset_date"])[match]
    abate = days(c["abatement_date"])[match]
    idx = index_of(person, c_pid)
    keep = idx >= 0
    idx, onset, abate = idx[keep], onset[keep], abate[keep]
    on = (onset <= when[idx]) & (abate >= when[idx])
    hit[idx[on]] = True
    return hit


def screen(protocol: ProtocolSpec, inputs: TrialInputs, sites: Sites, study_start: int,
           rng: np.random.Generator) -> Screening:
    p = inputs.persons
    pid = p["person_id"].to_numpy()
    lat = pc.fill_null(p["latitude"], 0.0).to_numpy(zero_copy_only=False)
    lon = pc.fill_null(p["longitude"], 0.0).to_numpy(zero_copy_only=False)
    site, km = nearest_site(sites, lat, lon) if sites.site_id.size else (np.zeros(pid.size, int), np.full(pid.size, 1e9))
    near = km <= TRAVEL_KM
    pid, site = pid[near], site[near]
    birth = days(p["birth_date"])[near]
    sex = p["sex"].to_numpy(zero_copy_only=False).astype(str)[near]
    span = protocol.recruitment.enrollment_months * 30
    if protocol.recruitment.site_rate is None:  # every near candidate at a uniform day of the period
        consent = study_start + rng.integers(0, span, size=pid.size)
        sites.activation, sites.rate = np.zeros(sites.site_id.size, dtype=np.int64), None
    else:
        consent, sites.activation, sites.rate = consent_days(protocol, site, sites.site_id.size, study_start, rng)
    screening_day = consent + rng.integers(0, 4, size=pid.size)
    approached = consent < study_start + span  # the enrollment period closes: later candidates never consent
    order = np.lexsort((pid, screening_day))
    order = order[approached[order]]
    pid, site, consent, screening_day, birth, sex = (a[order] for a in (pid, site, consent, screening_day, birth, sex))
    age = ((screening_day - birth) / 365.2425).astype(np.int64)
    c = protocol.criteria
    reason = np.full(pid.size, "", dtype=object)

    def fail(mask: np.ndarray, text) -> None:
        new = mask & (reason == "")
        reason[new] = text if isinstance(text, str) else text[new]

    death = death_day(inputs, pid)
    alive = death >= screening_day
    # a death between screening and the first dose (at most the screening window before day 1) ends it there
    first = protocol.visits[0]
    fail(death <= screening_day + (1 - (first.day + first.window[0])), "died during screening")
    fail(age < c.min_age, f"age below {c.min_age}")
    fail(age > c.max_age, f"age above {c.max_age}")
    if c.sex != "any":
        fail(sex != c.sex, f"sex not {c.sex}")
    if c.require_any:
        fail(~active_codes(inputs, pid, screening_day, c.require_any),
             "no qualifying diagnosis (" + ", ".join(c.require_any) + ")")
    if c.exclude_any:
        excl = active_codes(inputs, pid, screening_day, c.exclude_any)
        fail(excl, "excluded condition (" + ", ".join(c.exclude_any) + ")")
    labs: dict[str, np.ndarray] = {}
    for name in {lab.test for lab in c.labs} | {"hba1c", "egfr"}:
        labs[name] = latest_before(inputs, pid, screening_day, LAB_TESTS[name][0], c.lab_lookback_days)
    for lab in c.labs:
        v = labs[lab.test]
        unit = LAB_TESTS[lab.test][3]
        missing = np.isnan(v)
        if lab.missing == "fail":
            fail(missing, f"no {lab.test} result in the {c.lab_lookback_days} days before screening")
        shown = np.array([f"{x:.1f}" for x in np.nan_to_num(v)], dtype=object)
        if lab.min is not None:
            fail(~missing & (v < lab.min), lab.test + " " + shown + f" {unit} below {lab.min:g}")
        if lab.max is not None:
            fail(~missing & (v > lab.max), lab.test + " " + shown + f" {unit} above {lab.max:g}")
    fail(rng.random(pid.size) < c.residual_screen_failure,
         rng.choice(np.array(["consent withdrawn before randomisation", "ECG abnormality at screening",
                              "investigator decision", "other criterion not met"], dtype=object), size=pid.size))
    keep = alive  # the dead are never approached
    failed = reason != ""
    # screen in order until the target is randomised: later candidates are never approached
    passed_rank = np.cumsum(~failed & keep)
    reached = passed_rank >= protocol.subjects
    stop = int(np.argmax(reached)) + 1 if reached.any() else pid.size
    keep[stop:] = False
    return Screening(pid[keep], site[keep], consent[keep], screening_day[keep], age[keep], failed[keep],
                     reason[keep].astype(str), {k: v[keep] for k, v in labs.items()},
                     limited_by_rate=bool((~approached).any()))


MONTH = 30.44  # days


def consent_days(protocol: ProtocolSpec, site: np.ndarray, n_sites: int, study_start: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(each candidate's consent day, each site's activation day, each site's rate per month).

    Each site opens at a uniform time in the activation period and approaches its candidates, in a
    random order, as a Poisson process at its own rate: the protocol's mean rate times a gamma
    factor of mean 1 and the protocol's CV (Anisimov & Fedorov, Stat Med 2007).
    """
    rec = protocol.recruitment
    activation = np.floor(rng.random(n_sites) * rec.site_activation_months * 30).astype(np.int64)
    cv = rec.site_rate_cv
    spread = rng.gamma(1 / cv**2, cv**2, n_sites) if cv > 0 else np.ones(n_sites)
    rate = rec.site_rate * spread  # per month
    n = site.size
    gaps = rng.exponential(1.0, n) * MONTH / np.maximum(rate[site], 1e-9)
    order = np.lexsort((rng.random(n), site))  # a random order of approach within each site
    g = gaps[order]
    s_sorted = site[order]
    total = np.cumsum(g)
    starts = np.r_[True, s_sorted[1:] != s_sorted[:-1]] if n else np.zeros(0, dtype=bool)
    offset = np.maximum.accumulate(np.where(starts, total - g, 0.0)) if n else total
    at = np.empty(n)
    at[order] = total - offset
    consent = study_start + activation[site] + np.floor(at).astype(np.int64)
    return consent, activation, rate


def death_day(inputs: TrialInputs, person: np.ndarray) -> np.ndarray:
    d = inputs.deaths
    out = np.full(person.size, 10**7, dtype=np.int64)
    if d.num_rows == 0:
        return out
    idx = index_of(person, d["person_id"].to_numpy())
    ok = idx >= 0
    out[idx[ok]] = days(d["death_date"])[ok]
    return out


def index_of(person: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """For each id, its position in `person` (unique ids, any order), or -1."""
    if person.size == 0:
        return np.full(ids.size, -1, dtype=np.int64)
    order = np.argsort(person, kind="stable")
    pos = np.clip(np.searchsorted(person[order], ids), 0, person.size - 1)
    return np.where(person[order][pos] == ids, order[pos], -1)
