"""NetworkSim geography: how far members travel, and whether care stays local (issue 11).

Usage: .venv/bin/python benchmarks/bench_network.py [--count 20000] [--journeys] [--db out/healthsim.duckdb]

Generates one cohort per place (20,000 members each by default; the medicare-diabetic
profile moved to the place, ages and conditions from it) and prints, per cohort:
- PCP: median member-to-PCP great-circle km (ZIP centroid to practice), the quartiles,
  the urban / rural medians, and the share of PCPs in another state;
- with --journeys (diabetic-first-year + annual-care): office visits (POS 11) whose
  clinician practises in another state, and admissions / ED visits at a real CMS hospital,
  within 100 km of the member;
- the network's size and the seconds it took to build.
`--db` measures an existing store instead (e.g. the `make run` demo's out/healthsim.duckdb).

Measured 2026-12-03 (`--count 20000 --journeys`, seed 11; medians are great-circle km):

  place              PCP median (IQR)     urban / rural   PCP other state  office visits other state  admissions + ED: real, <= 100 km
  Harris County, TX  8.6 (4.5-13.6)       8.6 / -         0.0%             0.0% of 212,475             100.0%, 100.0% (median 6.5 km)
  Iowa               8.5 (2.1-20.8)       4.5 / 22.1      2.1%             1.4% of 210,410             100.0%, 100.0% (8.2 km)
  Georgia            8.7 (1.7-18.9)       5.9 / 23.2      0.8%             0.5% of 215,319             100.0%, 100.0% (8.8 km)
  New Mexico         3.4 (1.1-10.9)       2.1 / 17.2      1.4%             0.9% of 212,870             99.7%, 100.0% (7.4 km)
  the nation         7.4 (2.0-15.1)       6.0 / 22.5      0.9%             1.2% of 212,850             100.0%, 100.0% (6.8 km)
  `make run` demo    7.2 (2.0-16.5)       5.7 / 23.0      0.0%             0.7% of 2,106               100.0%, 100.0% (6.6 km)
(was, before issue 11: the demo's median PCP 3,020 km with 2,035 of 2,281 office visits across a
state line; 38 km at 20,000 members). The network for 20,000 members nationally: 21,970 providers,
4,623 facilities of which 3,575 real hospitals, 940 pharmacies.

Targets (issue 11): median <= 10 km in an urban county and <= 20 km over all members;
< 5% of PCPs across a state line except at state borders; inpatient and ED at real hospitals
within 100 km except where none exists. Published: a median 7.7 miles (12.4 km) by road to
office visits, IQR 1.9-18.7 miles (Chan, Hart & Goodman, J Rural Health 2006); road distance
is ~1.2-1.4 x the straight line.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

PLACES = {
    "Harris County, TX": {"counties": ["48201"]},
    "Iowa": {"states": ["IA"]},
    "Georgia": {"states": ["GA"]},
    "New Mexico": {"states": ["NM"]},
    "the nation": {},
}
KM = """6371 * acos(least(1, sin(radians({a}.latitude)) * sin(radians({b}.latitude))
        + cos(radians({a}.latitude)) * cos(radians({b}.latitude)) * cos(radians({a}.longitude - {b}.longitude))))"""


def measure(db: str | Path, cohort_id: int | None = None) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        c = cohort_id or con.execute("SELECT max(cohort_id) FROM cohorts").fetchone()[0]

        def one(sql):
            return con.execute(sql.replace("{c}", str(c))).fetchone()

        out = {}
        med, q, urban, rural, cross = one("""
            SELECT median(a.distance_km), quantile_cont(a.distance_km, [0.25, 0.75]),
                   median(a.distance_km) FILTER (WHERE p.urban), median(a.distance_km) FILTER (WHERE NOT p.urban),
                   avg((pr.state <> p.state)::INT)
            FROM pcp_attributions a JOIN persons p USING (cohort_id, person_id)
            JOIN providers pr ON pr.cohort_id = a.cohort_id AND pr.provider_id = a.provider_id
            WHERE a.cohort_id = {c}""")
        out["pcp_km"] = f"median {med:.1f} (IQR {q[0]:.1f}-{q[1]:.1f}), urban {urban or 0:.1f}, rural {rural or 0:.1f}"
        out["pcp_other_state"] = f"{cross:.1%}"
        visits, crossing = one("""SELECT count(*), count(*) FILTER (WHERE pr.state <> p.state)
            FROM encounters e JOIN persons p USING (cohort_id, person_id)
            JOIN providers pr ON pr.cohort_id = e.cohort_id AND pr.provider_id = e.provider_id
            WHERE e.cohort_id = {c} AND e.place_of_service = '11'""")
        if visits:
            out["office_visits_other_state"] = f"{crossing:,} of {visits:,} ({crossing / visits:.1%})"
        n, real, near, km = one(f"""SELECT count(*), count(*) FILTER (WHERE f.source = 'cms'),
                count(*) FILTER (WHERE {KM.format(a='p', b='f')} <= 100), median({KM.format(a='p', b='f')})
            FROM encounters e JOIN persons p USING (cohort_id, person_id)
            JOIN facilities f ON f.cohort_id = e.cohort_id AND f.facility_id = e.facility_id
            WHERE e.cohort_id = {{c}} AND e.facility_type = 'hospital'""")
        if n:
            out["hospital_encounters"] = (f"{n:,}: real CMS {real / n:.1%}, within 100 km {near / n:.1%}, "
                                          f"median {km:.1f} km")
        sizes = one("""SELECT (SELECT count(*) FROM providers WHERE cohort_id = {c}),
            (SELECT count(*) FROM facilities WHERE cohort_id = {c}),
            (SELECT count(*) FILTER (WHERE source = 'cms') FROM facilities WHERE cohort_id = {c}),
            (SELECT count(*) FROM pharmacies WHERE cohort_id = {c}),
            (SELECT count(*) FROM persons WHERE cohort_id = {c})""")
        out["network"] = (f"{sizes[0]:,} providers, {sizes[1]:,} facilities ({sizes[2]:,} real hospitals), "
                          f"{sizes[3]:,} pharmacies for {sizes[4]:,} members")
        return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--journeys", action="store_true")
    parser.add_argument("--db", help="measure an existing store (its last cohort) instead")
    args = parser.parse_args()
    if args.db:
        for k, v in measure(args.db).items():
            print(f"  {k}: {v}")
        return
    from healthsim import api
    from healthsim.products.network.step import NetworkStep

    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, geography) in enumerate(PLACES.items()):
            spec = api.load_profile("medicare-diabetic", count=args.count, seed=11,
                                    journeys=["diabetic-first-year", "annual-care"] if args.journeys else None)
            spec = spec.model_copy(update={"geography": spec.geography.model_validate(geography)})
            plan = api.build_run(spec).population
            started = time.perf_counter()
            NetworkStep.from_plan(plan)
            built = time.perf_counter() - started
            r = api.generate(spec, Path(tmp) / f"{i}.duckdb")
            print(f"{name}: {args.count:,} members (network built in {built:.2f} s)")
            for k, v in measure(r.db, r.cohort_id).items():
                print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
