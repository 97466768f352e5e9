"""Integrity invariants of the member state: checks every row of a cohort must pass.

Each check is SQL over the canonical tables that returns the violating rows (so a
failure shows what is wrong, not only that something is). Reference rows the SQL
needs — which code prefixes belong to which condition family, which drugs treat
which families, which drugs are contraindicated in pregnancy — come from the
condition library as small tables, so the checks follow the library's data.

    one clinical truth: no diagnosis the member's state lacks on that day (except the
    condition the encounter itself establishes, which the state then records);
    nothing dated after death but claims for earlier services; one hospital at a time;
    no drug before its condition or after its stop; no metformin after an eGFR below 30;
    no drug contraindicated in pregnancy during one; a status-20 discharge is a death;
    coverage ends with the month of death; no day piles up encounters.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import exp

import numpy as np
import pyarrow as pa

from healthsim.conditions import library


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    sql: str
    needs: tuple[str, ...]


def reference_tables() -> dict[str, pa.Table]:
    lib = library()
    prefixes = [(p, f.id) for f in lib.families.values() if f.chronic or f.onset.incidence for p in f.codes.prefixes]
    indications = [(rx, fid) for rx, fams in lib.indications().items() for fid in fams]
    preg = sorted({d.rxcui for f in lib.families.values() for c in f.therapy if c.pregnancy_contraindicated
                   for d in c.drugs})
    metformin = sorted({d.rxcui for f in lib.families.values() for c in f.therapy
                        if any(t.measure == "egfr" and t.below is not None and t.below >= 30 for t in c.stop)
                        for d in c.drugs})
    return {
        "ref_family_prefix": pa.table({"prefix": [p for p, _ in prefixes], "family": [f for _, f in prefixes]}),
        "ref_indication": pa.table({"rxnorm": [r for r, _ in indications], "family": [f for _, f in indications]}),
        "ref_pregnancy_contraindicated": pa.table({"rxnorm": pa.array(preg, pa.string())}),
        "ref_egfr30_stop": pa.table({"rxnorm": pa.array(metformin, pa.string())}),
    }


_DX_FAMILY = """
  dx_family AS (
    SELECT d.person_id, d.encounter_id, d.code, d.diagnosis_date AS day,
           arg_max(f.family, length(f.prefix)) AS family
    FROM diagnoses d JOIN ref_family_prefix f ON starts_with(d.code, f.prefix)
    GROUP BY ALL)"""

CHECKS = (
    Check("diagnosis_without_condition",
          "an encounter diagnosis of a tracked condition the member's state lacks on that day",
          f"""WITH {_DX_FAMILY}
          SELECT x.* FROM dx_family x WHERE NOT EXISTS (
            SELECT 1 FROM conditions c WHERE c.person_id = x.person_id AND c.family = x.family
              AND c.onset_date <= x.day AND (c.abatement_date IS NULL OR c.abatement_date >= x.day))""",
          ("diagnoses", "conditions")),
    Check("claim_diagnosis_without_condition",
          "a claim diagnosis of a tracked condition the member's state lacks on the service date",
          """WITH cd AS (SELECT person_id, claim_id, service_from AS day,
                         unnest(string_split(diagnosis_codes, ' ')) AS code FROM claims
                         WHERE diagnosis_codes IS NOT NULL AND diagnosis_codes <> ''),
          fam AS (SELECT cd.*, arg_max(f.family, length(f.prefix)) AS family FROM cd
                  JOIN ref_family_prefix f ON starts_with(cd.code, f.prefix) GROUP BY ALL)
          SELECT x.* FROM fam x WHERE NOT EXISTS (
            SELECT 1 FROM conditions c WHERE c.person_id = x.person_id AND c.family = x.family
              AND c.onset_date <= x.day AND (c.abatement_date IS NULL OR c.abatement_date >= x.day))""",
          ("claims", "conditions")),
    Check("encounter_after_death", "an encounter starting after the member's death",
          """SELECT e.person_id, e.encounter_id, e.start_time, d.death_date FROM encounters e
             JOIN deaths d USING (person_id) WHERE CAST(e.start_time AS DATE) > d.death_date""",
          ("encounters", "deaths")),
    Check("observation_after_death", "a lab or vital recorded after death",
          """SELECT o.person_id, o.observation_id, o.time FROM observations o JOIN deaths d USING (person_id)
             WHERE CAST(o.time AS DATE) > d.death_date""", ("observations", "deaths")),
    Check("order_after_death", "a prescription written after death",
          """SELECT m.person_id, m.order_id, m.authored_time FROM medication_orders m JOIN deaths d USING (person_id)
             WHERE CAST(m.authored_time AS DATE) > d.death_date""", ("medication_orders", "deaths")),
    Check("fill_after_death", "a pharmacy fill after death",
          """SELECT p.person_id, p.claim_id, p.fill_date FROM pharmacy_claims p JOIN deaths d USING (person_id)
             WHERE p.fill_date > d.death_date""", ("pharmacy_claims", "deaths")),
    Check("claim_service_after_death", "a claim for a service after death",
          """SELECT c.person_id, c.claim_id, c.service_from FROM claims c JOIN deaths d USING (person_id)
             WHERE c.service_from > d.death_date""", ("claims", "deaths")),
    Check("coverage_after_death_month", "enrollment running past the month of death",
          """SELECT e.person_id, e.end_date, d.death_date FROM enrollments e JOIN deaths d USING (person_id)
             WHERE e.end_date > last_day(d.death_date)""", ("enrollments", "deaths")),
    Check("overlapping_stays", "two inpatient stays of one member at the same time",
          """SELECT a.person_id, a.encounter_id, b.encounter_id AS other FROM encounters a
             JOIN encounters b ON a.person_id = b.person_id AND a.encounter_id < b.encounter_id
             WHERE a.type = 'inpatient' AND b.type = 'inpatient'
               AND b.admit_date < a.discharge_date AND a.admit_date < b.discharge_date""", ("encounters",)),
    Check("expired_without_death", "a status-20 (expired) discharge that is not the member's death",
          """SELECT e.person_id, e.encounter_id, e.discharge_date FROM encounters e
             LEFT JOIN deaths d USING (person_id)
             WHERE e.discharge_disposition = '20' AND (d.death_date IS NULL OR d.death_date <> e.discharge_date)""",
          ("encounters", "deaths")),
    Check("order_before_condition", "a chronic drug ordered when the member has none of its conditions",
          """WITH o AS (SELECT m.person_id, m.order_id, m.rxnorm, CAST(m.authored_time AS DATE) AS day
                        FROM medication_orders m WHERE m.rxnorm IN (SELECT rxnorm FROM ref_indication))
             SELECT o.* FROM o WHERE NOT EXISTS (
               SELECT 1 FROM conditions c JOIN ref_indication i ON i.family = c.family AND i.rxnorm = o.rxnorm
               WHERE c.person_id = o.person_id AND c.onset_date <= o.day
                 AND (c.abatement_date IS NULL OR c.abatement_date >= o.day))""",
          ("medication_orders", "conditions")),
    Check("fill_after_stop", "a fill after its prescription was stopped",
          """SELECT p.person_id, p.claim_id, p.fill_date, m.stop_date FROM pharmacy_claims p
             JOIN medication_orders m USING (order_id) WHERE m.stop_date IS NOT NULL AND p.fill_date > m.stop_date""",
          ("pharmacy_claims", "medication_orders")),
    Check("metformin_after_low_egfr", "metformin written or filled after a recorded eGFR below 30",
          """WITH low AS (SELECT person_id, min(CAST(time AS DATE)) AS day FROM observations
                          WHERE loinc = '98979-8' AND value < 30 GROUP BY person_id)
             SELECT m.person_id, m.order_id, 'order' AS what FROM medication_orders m JOIN low USING (person_id)
               WHERE m.rxnorm IN (SELECT rxnorm FROM ref_egfr30_stop) AND CAST(m.authored_time AS DATE) > low.day
             UNION ALL
             SELECT p.person_id, p.order_id, 'fill' FROM pharmacy_claims p JOIN low USING (person_id)
               WHERE p.rxnorm IN (SELECT rxnorm FROM ref_egfr30_stop) AND p.fill_date > low.day""",
          ("medication_orders", "pharmacy_claims", "observations")),
    Check("pregnancy_contraindicated_drug", "a drug contraindicated in pregnancy written during a pregnancy",
          """SELECT m.person_id, m.order_id, m.rxnorm FROM medication_orders m JOIN conditions c
               ON c.person_id = m.person_id AND c.family = 'pregnancy'
             WHERE m.rxnorm IN (SELECT rxnorm FROM ref_pregnancy_contraindicated)
               AND CAST(m.authored_time AS DATE) BETWEEN c.onset_date AND coalesce(c.abatement_date, DATE '9999-12-31')""",
          ("medication_orders", "conditions")),
)


def _poisson_upper(mean: float, p: float) -> int:
    """Smallest k with P(X > k) < p for X ~ Poisson(mean)."""
    k, term = 0, exp(-mean)
    cdf = term
    while 1 - cdf >= p and k < 100_000:
        k += 1
        term *= mean / k
        cdf += term
    return k


def crowded_days(encounters: pa.Table, lo_day: int, hi_day: int, radius: int = 15) -> list[dict]:
    """Days on which an encounter type piles up: more than 3x the mean daily count of the days around
    it (the month centred on it, itself excluded), and more than chance would put there.

    Comparing with the neighbouring days rather than the whole window tells a pile-up (every early
    draw clamped onto the first day of the window) from a season a journey really has (onboarding
    visits in the first months of a plan year). "Chance" is the Poisson count a uniform spread at the
    neighbours' rate reaches with probability 1e-6 over the whole window (the check runs over many
    encounter types and cohorts at once, so chance spikes must stay rare across all of them; real
    pile-ups, such as every early draw clamped onto the first day, are hundreds of times the rate).
    """
    out = []
    if encounters.num_rows == 0:
        return out
    kind = encounters.column("type").cast(pa.string()).to_numpy(zero_copy_only=False).astype(str)
    day = encounters.column("start_time").cast(pa.int64()).to_numpy() // 86400
    ndays = max(hi_day - lo_day + 1, 1)
    inside = (day >= lo_day) & (day <= hi_day)
    kernel = np.ones(2 * radius + 1)
    kernel[radius] = 0
    for t in np.unique(kind):
        counts = np.bincount(day[(kind == t) & inside] - lo_day, minlength=ndays).astype(float)
        total = np.convolve(counts, kernel, mode="same")
        width = np.convolve(np.ones(ndays), kernel, mode="same")
        local = total / width
        overall = counts.sum() / ndays
        bounds = np.array([max(3 * mu, _poisson_upper(max(mu, overall), 1e-6 / ndays)) for mu in local])
        worst = int(np.argmax(counts - bounds))
        if counts[worst] > bounds[worst]:
            out.append({"type": str(t), "day": lo_day + worst, "count": int(counts[worst]),
                        "neighbours_mean": round(float(local[worst]), 2)})
    return out


def run_checks(tables: dict[str, pa.Table], query) -> dict[str, pa.Table]:
    """Violations per check (empty tables when clean); `query(tables, sql)` runs SQL over the tables."""
    have = {**tables, **reference_tables()}
    out = {}
    for check in CHECKS:
        if all(n in tables for n in check.needs):
            out[check.name] = query(have, check.sql)
    return out


def count_violations(tables: dict[str, pa.Table], query) -> dict[str, int]:
    """Violations per applicable check, counted in one SQL statement (cheap enough to run per combination)."""
    have = {**tables, **reference_tables()}
    parts = [f"SELECT '{c.name}' AS name, (SELECT count(*) FROM ({c.sql})) AS n" for c in CHECKS
             if all(n in tables for n in c.needs)]
    if not parts:
        return {}
    result = query(have, " UNION ALL ".join(parts))
    return dict(zip(result.column("name").to_pylist(), result.column("n").to_pylist(), strict=True))
