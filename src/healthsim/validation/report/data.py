"""The figures behind the report's plots, read from one cohort (an AnalysisSession with hs_members).

Each function returns plain rows (lists of dicts) ready for a chart's inline data: small (a few
hundred rows at most) whatever the cohort's size, because the aggregation happens in DuckDB.
"""

from __future__ import annotations

import re

import numpy as np

from healthsim.store.analysis import AnalysisSession
from healthsim.validation.functions import concentration_curve, member_paid
from healthsim.validation.sql import family_predicate

BAND = 5
CATEGORY_SQL = """CASE WHEN c.claim_type = 'professional' THEN 'professional'
                       WHEN c.type_of_bill LIKE '011%' THEN 'inpatient facility'
                       WHEN substr(c.type_of_bill, 1, 3) IN ('021', '022') THEN 'skilled nursing'
                       WHEN substr(c.type_of_bill, 1, 3) IN ('032', '033', '034') THEN 'home health'
                       WHEN substr(c.type_of_bill, 1, 3) IN ('081', '082') THEN 'hospice'
                       WHEN c.type_of_bill LIKE '072%' THEN 'dialysis facility'
                       ELSE 'outpatient facility' END"""


def pyramid(session: AnalysisSession) -> list[dict]:
    rows = session.rows(f"""SELECT least(age // {BAND}, 19) AS band, sex, count(*) FROM hs_members
                            GROUP BY ALL ORDER BY 1, 2""")
    out = []
    for band, sex, n in rows:
        lo = int(band) * BAND
        label = f"{lo}+" if band >= 19 else f"{lo}-{lo + BAND - 1}"
        out.append({"band": label, "order": int(band), "sex": sex, "members": int(n),
                    "signed": -int(n) if sex == "M" else int(n)})
    return out


def family_prevalence(session: AnalysisSession, members: int) -> dict[str, float]:
    from healthsim.conditions.library import library

    out = {}
    for fam in library().families.values():
        n = session.one("SELECT count(DISTINCT person_id) FROM conditions WHERE " + family_predicate(fam.id, "code"))[0]
        if n:
            out[fam.id] = n / max(members, 1)
    return out


def profile_checks(checks: list[dict]) -> list[dict]:
    """Condition prevalence checks of the cohort's summary: code, realised, target, 99% interval."""
    out = []
    for c in checks:
        m = re.match(r"^([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]+)?) prevalence", str(c.get("name", "")))
        if m and c.get("target") is not None:
            out.append({"code": m.group(1), "realised": c.get("realised"), "target": c.get("target"),
                        "low": c.get("low"), "high": c.get("high")})
    return out


def pmpm_by_category(session: AnalysisSession) -> list[dict]:
    months = session.one("SELECT sum(member_months) FROM hs_members")[0] or 0
    if not months:
        return []
    rows = session.rows(f"""SELECT {CATEGORY_SQL} AS category, sum(c.paid) FROM claims c JOIN hs_members m USING (person_id)
                            WHERE c.service_from BETWEEN m.window_start AND m.end_date GROUP BY 1""")
    rx = session.one("""SELECT sum(f.plan_paid) FROM pharmacy_claims f JOIN hs_members m USING (person_id)
                        WHERE f.status = 'paid' AND f.fill_date BETWEEN m.window_start AND m.end_date""")[0]
    out = [{"category": k, "pmpm": float(v or 0) / months} for k, v in rows]
    if rx:
        out.append({"category": "pharmacy", "pmpm": float(rx) / months})
    return sorted(out, key=lambda r: -r["pmpm"])


def cost_curve(session: AnalysisSession) -> list[dict]:
    paid = member_paid(session, "hs_members")
    x, y = concentration_curve(paid)
    return [{"members": float(a), "paid": float(b)} for a, b in zip(x, y)]


def a1c_values(session: AnalysisSession) -> list[dict]:
    cols = session.columns("""SELECT arg_max(o.value, o.time) AS a1c FROM observations o JOIN hs_members m USING (person_id)
                              WHERE o.loinc = '4548-4' AND o.value IS NOT NULL
                                AND CAST(o.time AS DATE) BETWEEN m.window_start AND m.end_date GROUP BY o.person_id""")
    values = np.asarray(cols.get("a1c", []), dtype=float)
    if not values.size:
        return []
    edges = np.arange(4.0, 14.25, 0.25)
    counts, _ = np.histogram(np.clip(values, 4.0, 14.0 - 1e-9), bins=edges)
    return [{"a1c": float(lo), "a1c_end": float(lo + 0.25), "members": int(n)} for lo, n in zip(edges[:-1], counts) if n]


def members_by_state(session: AnalysisSession) -> list[dict]:
    return [{"state": s or "?", "members": int(n)} for s, n in session.rows(
        "SELECT p.state, count(*) FROM persons p GROUP BY 1 ORDER BY 2 DESC, 1")]


def headline(session: AnalysisSession) -> dict:
    n, age, female, dead, years = session.one(
        """SELECT count(*), avg(age), avg(CASE WHEN sex = 'F' THEN 1.0 ELSE 0 END),
                  count(*) FILTER (WHERE death_date IS NOT NULL), sum(member_years) FROM hs_members""")
    paid = session.one("""SELECT coalesce(sum(c.paid), 0) FROM claims c JOIN hs_members m USING (person_id)
                          WHERE c.service_from BETWEEN m.window_start AND m.end_date""")[0]
    rx = session.one("""SELECT coalesce(sum(f.plan_paid), 0) FROM pharmacy_claims f JOIN hs_members m USING (person_id)
                        WHERE f.status = 'paid' AND f.fill_date BETWEEN m.window_start AND m.end_date""")[0]
    months = (years or 0) * 12
    return {"members": int(n or 0), "mean_age": float(age or 0), "female": float(female or 0), "deaths": int(dead or 0),
            "member_years": float(years or 0),
            "paid_pmpm": (float(paid) + float(rx)) / months if months else 0.0}
