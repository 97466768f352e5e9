"""A small hand-built claims fixture with the column names of issue 4.

Until the cross-domain executor writes claims, claim_lines and
pharmacy_claims, the 837P/837I/835 and NCPDP writers are tested on these
tables, made from a generated cohort's persons, enrollments, providers,
facilities and pharmacies with a fixed numpy seed. Amounts obey the
adjudication invariants the real tables promise: allowed <= billed;
paid + deductible + copay + coinsurance = allowed on paid lines; denied
lines pay 0 and carry a CARC; a claim's amounts are the sums of its lines.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

PRO_CODES = [("99213", 92.0), ("99214", 131.0), ("80053", 11.0), ("83036", 10.0), ("93000", 17.0),
             ("36415", 3.0), ("99396", 120.0)]
INST = [("0450", "99284", 480.0), ("0300", "80053", 30.0), ("0320", "71046", 60.0), ("0636", "J1885", 8.0)]
DRUGS = [("00093-7214-01", "metformin 500 mg tablet", 60, 30), ("00378-6100-01", "atorvastatin 20 mg tablet", 30, 30),
         ("00093-1048-01", "lisinopril 10 mg tablet", 30, 30), ("00169-4132-12", "semaglutide 1 mg/dose pen", 3, 28)]

CLAIMS_DDL = """CREATE TABLE IF NOT EXISTS claims (cohort_id INTEGER, claim_id BIGINT, person_id BIGINT,
 member_id VARCHAR, encounter_id BIGINT, claim_type VARCHAR, billing_npi VARCHAR, service_from DATE,
 service_to DATE, received_date DATE, paid_date DATE, status VARCHAR, billed DOUBLE, allowed DOUBLE,
 paid DOUBLE, member_liability DOUBLE)"""
LINES_DDL = """CREATE TABLE IF NOT EXISTS claim_lines (cohort_id INTEGER, claim_id BIGINT, line_no INTEGER,
 code VARCHAR, code_system VARCHAR, modifier VARCHAR, units DOUBLE, revenue_code VARCHAR, billed DOUBLE,
 allowed DOUBLE, paid DOUBLE, deductible DOUBLE, copay DOUBLE, coinsurance DOUBLE, carc_codes VARCHAR)"""
RX_DDL = """CREATE TABLE IF NOT EXISTS pharmacy_claims (cohort_id INTEGER, claim_id BIGINT, person_id BIGINT,
 member_id VARCHAR, ndc VARCHAR, drug_name VARCHAR, fill_date DATE, quantity DOUBLE, days_supply INTEGER,
 refill_no INTEGER, pharmacy_id BIGINT, prescriber_npi VARCHAR, ingredient_cost DOUBLE, dispensing_fee DOUBLE,
 copay DOUBLE, plan_paid DOUBLE, status VARCHAR)"""


def add_claims(db, cohort_id: int = 1, seed: int = 11,
               tables: tuple[str, ...] = ("claims", "claim_lines", "pharmacy_claims")) -> dict[str, int]:
    """Create and fill the given claim tables for one cohort; return row counts.

    A named table is (re)created with the fixture's columns: conftest names only
    tables that are missing or empty in the store."""
    rng = np.random.default_rng(seed)
    with duckdb.connect(str(db)) as con:
        spans = con.execute("SELECT person_id, member_id, start_date, end_date FROM enrollments "
                            "WHERE cohort_id = ? ORDER BY person_id, span_no", [cohort_id]).fetchall()
        practices = [r[0] for r in con.execute("SELECT DISTINCT practice_npi FROM providers WHERE cohort_id = ? "
                                               "AND practice_npi IS NOT NULL ORDER BY 1", [cohort_id]).fetchall()]
        prescribers = [r[0] for r in con.execute("SELECT npi FROM providers WHERE cohort_id = ? ORDER BY 1",
                                                 [cohort_id]).fetchall()]
        hospitals = [r[0] for r in con.execute("SELECT npi FROM facilities WHERE cohort_id = ? ORDER BY 1",
                                               [cohort_id]).fetchall()]
        pharmacies = [r[0] for r in con.execute("SELECT pharmacy_id FROM pharmacies WHERE cohort_id = ? ORDER BY 1",
                                                [cohort_id]).fetchall()]
        claims, lines, rx = [], [], []
        for pid, member_id, start, end in spans:
            days = (end - start).days
            for n in range(int(rng.integers(0, 4))):
                cid = pid * 1000 + len([c for c in claims if c[2] == pid]) + 1
                inst = n == 2 and hospitals
                when = start + np.timedelta64(int(rng.integers(0, days + 1)), "D").astype(object)
                claims.append(_claim(rng, cohort_id, cid, pid, member_id, when, inst, practices, hospitals, lines))
            for n in range(int(rng.integers(0, 3))):
                rx.append(_rx(rng, cohort_id, pid * 1000 + 500 + n + len([r for r in rx if r[2] == pid]), pid,
                              member_id, start, days, n, pharmacies, prescribers))
        made = {"claims": (CLAIMS_DDL, claims), "claim_lines": (LINES_DDL, lines), "pharmacy_claims": (RX_DDL, rx)}
        for name in tables:
            ddl, rows = made[name]
            con.execute(f"DROP TABLE IF EXISTS {name}")  # an empty canonical table: use the fixture's columns
            con.execute(ddl)
            _insert(con, name, rows)
    return {name: len(made[name][1]) for name in tables}


def _claim(rng, cohort_id, cid, pid, member_id, when, inst, practices, hospitals, lines_out):
    denied = rng.random() < 0.06
    codes = INST if inst else PRO_CODES
    picks = rng.choice(len(codes), size=int(rng.integers(1, 4)), replace=False)
    totals = np.zeros(4)
    for line_no, k in enumerate(sorted(picks), start=1):
        if inst:
            rev, code, base = codes[k]
        else:
            (code, base), rev = codes[k], None
        units = 1.0
        allowed = round(base * float(rng.uniform(0.9, 1.3)), 2)
        billed = round(allowed * float(rng.uniform(1.4, 3.0)), 2)
        ded = copay = coins = 0.0
        carc = None
        if denied:
            allowed, paid, carc = 0.0, 0.0, "CO-27"
        else:
            copay = min(10.0, allowed) if line_no == 1 and not inst else 0.0
            coins = round(0.2 * (allowed - copay), 2) if rng.random() < 0.3 else 0.0
            paid = round(allowed - copay - coins, 2)
        lines_out.append((cohort_id, cid, line_no, code, "HCPCS" if code.startswith("J") else "CPT", None, units,
                          rev, billed, allowed, paid, ded, copay, coins, carc))
        totals += (billed, allowed, paid, ded + copay + coins)
    billing = hospitals[int(rng.integers(len(hospitals)))] if inst else practices[int(rng.integers(len(practices)))]
    status = "denied" if denied else "paid"
    received = when + np.timedelta64(int(rng.integers(1, 20)), "D").astype(object)
    paid_date = received + np.timedelta64(int(rng.integers(7, 30)), "D").astype(object)
    return (cohort_id, cid, pid, member_id, None, "institutional" if inst else "professional", billing, when, when,
            received, paid_date, status, *(round(float(x), 2) for x in totals))


def _rx(rng, cohort_id, cid, pid, member_id, start, days, n, pharmacies, prescribers):
    ndc, name, qty, supply = DRUGS[int(rng.integers(len(DRUGS)))]
    fill = start + np.timedelta64(int(rng.integers(0, days + 1)), "D").astype(object)
    cost = round(float(rng.uniform(4, 40)) * (30 if "pen" in name else 1), 2)
    fee, copay = 1.75, 10.0 if "pen" not in name else 47.0
    status = "reversed" if rng.random() < 0.05 else "paid"
    plan_paid = round(max(cost + fee - copay, 0.0), 2)
    return (cohort_id, cid, pid, member_id, ndc, name, fill, float(qty), supply, n,
            pharmacies[int(rng.integers(len(pharmacies)))], prescribers[int(rng.integers(len(prescribers)))],
            cost, fee, min(copay, cost + fee), plan_paid, status)


def _insert(con, table, rows):
    """Insert by column name: the fixture's columns are a prefix-free subset of the table's."""
    if not rows:
        return
    ddl = {"claims": CLAIMS_DDL, "claim_lines": LINES_DDL, "pharmacy_claims": RX_DDL}[table]
    cols = [part.split()[0] for part in ddl.split("(", 1)[1].rsplit(")", 1)[0].split(",")]
    data = pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)})
    con.register("fixture_rows", data)
    con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT * FROM fixture_rows")
    con.unregister("fixture_rows")
