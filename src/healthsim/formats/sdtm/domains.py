"""Each SDTM domain as a pandas DataFrame, built from the TrialSim tables of one cohort.

USUBJID comes from trial_subjects; --DY counts from RFSTDTC (day 1, randomisation) with no day 0;
dates are ISO 8601 (YYYY-MM-DD); --SEQ numbers each subject's records in date order. Screen
failures are in DM (ARMNRS = SCREEN FAILURE, no arm) and DS only. CM is every medication order of
the member active at or after consent (but the study drug's own orders, which are EX); MH every
condition with onset before consent.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from healthsim.formats.sdtm import ct
from healthsim.formats.sdtm.variables import DOMAINS


def _iso(s: pd.Series) -> pd.Series:
    out = pd.to_datetime(s, errors="coerce").dt.strftime("%Y-%m-%d")
    return out.fillna("")


def _dy(dates: pd.Series, ref: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates, errors="coerce")
    r = pd.to_datetime(ref, errors="coerce")
    delta = (d - r).dt.days
    return delta.where(delta < 0, delta + 1).astype("float64")


def _seq(df: pd.DataFrame, by: list[str]) -> pd.Series:
    return df.sort_values(["USUBJID", *by], kind="stable").groupby("USUBJID").cumcount().reindex(df.index) + 1


def _frame(domain: str, cols: dict) -> pd.DataFrame:
    variables = DOMAINS[domain][1]
    n = len(next(iter(cols.values()))) if cols else 0
    out = {}
    for v in variables:
        if v.name == "DOMAIN":
            out[v.name] = [domain] * n
        elif v.name in cols:
            out[v.name] = cols[v.name]
        else:
            out[v.name] = [np.nan] * n if v.type == "Num" else [""] * n
    df = pd.DataFrame(out)
    for v in variables:
        if v.type == "Num":
            df[v.name] = pd.to_numeric(df[v.name], errors="coerce").astype("float64")
        else:
            df[v.name] = df[v.name].fillna("").astype(str)
    return df


def build(t: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every domain from the trial tables (`t`: studies, trial_subjects, ..., persons, conditions,
    medication_orders), keyed by domain code."""
    study = t["studies"].iloc[0]
    sid = study["study_id"]
    subj = t["trial_subjects"].copy()
    arms = t["trial_arms"].set_index("armcd")
    persons = t["persons"].set_index("person_id")
    subj = subj.join(persons[["birth_date", "sex", "race", "ethnicity"]], on="person_id")
    deaths = t["deaths"].set_index("person_id")["death_date"] if len(t["deaths"]) else pd.Series(dtype=object)
    subj["death"] = subj["person_id"].map(deaths)
    died_in_study = subj["disposition"].eq("DEATH") | (
        subj["death"].notna() & subj["end_date"].notna() & (pd.to_datetime(subj["death"]) <= pd.to_datetime(
            subj["end_date"])))
    rf = subj.set_index("person_id")["randomized_date"]  # RFSTDTC: day 1 (randomisation), --DY counts from it
    usub = subj.set_index("person_id")["usubjid"]
    out: dict[str, pd.DataFrame] = {}
    armname = subj["armcd"].map(arms["arm"]).fillna("")
    out["DM"] = _frame("DM", {
        "STUDYID": [sid] * len(subj), "USUBJID": subj["usubjid"], "SUBJID": subj["subjid"],
        "RFSTDTC": _iso(subj["randomized_date"]), "RFENDTC": _iso(subj["end_date"]),
        "RFXSTDTC": _iso(subj["first_dose_date"]), "RFXENDTC": _iso(subj["last_dose_date"]),
        "RFICDTC": _iso(subj["consent_date"]),
        "RFPENDTC": _iso(subj["end_date"].where(subj["end_date"].notna(), subj["screening_date"])),
        "DTHDTC": _iso(subj["death"].where(died_in_study)), "DTHFL": np.where(died_in_study, "Y", ""),
        "SITEID": subj["site_id"], "BRTHDTC": _iso(subj["birth_date"]), "AGE": subj["age"],
        "AGEU": ["YEARS"] * len(subj), "SEX": subj["sex"], "RACE": subj["race"].map(ct.RACE_FROM).fillna("UNKNOWN"),
        "ETHNIC": subj["ethnicity"].map(ct.ETHNIC_FROM).fillna("UNKNOWN"), "ARMCD": subj["armcd"].fillna(""),
        "ARM": armname, "ACTARMCD": subj["armcd"].fillna(""), "ACTARM": armname,
        "ARMNRS": np.where(subj["screen_failed"], "SCREEN FAILURE", ""), "COUNTRY": ["USA"] * len(subj)})

    ae = t["adverse_events"].copy()
    ae["USUBJID"] = ae["person_id"].map(usub)
    ae["rf"] = ae["person_id"].map(rf)
    last_dose = subj.set_index("person_id")["last_dose_date"]
    ae_epoch = np.where(pd.to_datetime(ae["start_date"]) > pd.to_datetime(ae["person_id"].map(last_dose)),
                        "FOLLOW-UP", "TREATMENT")
    df = _frame("AE", {
        "STUDYID": [sid] * len(ae), "USUBJID": ae["USUBJID"], "AETERM": ae["term"], "AEDECOD": ae["decod"],
        "AEBODSYS": ae["soc"], "AESEV": ae["severity"], "AESER": np.where(ae["serious"], "Y", "N"),
        "AEACN": ae["action"], "AEREL": ae["related"], "AEOUT": ae["outcome"],
        "AESDTH": np.where(ae["outcome"].eq("FATAL"), "Y", "N"), "AETOXGR": ae["grade"].astype(str),
        "EPOCH": ae_epoch, "AESTDTC": _iso(ae["start_date"]), "AEENDTC": _iso(ae["end_date"]),
        "AESTDY": _dy(ae["start_date"], ae["rf"]), "AEENDY": _dy(ae["end_date"], ae["rf"])})
    df["AESEQ"] = _seq(df, ["AESTDTC", "AETERM"]).astype(float)
    out["AE"] = df.sort_values(["USUBJID", "AESEQ"], kind="stable").reset_index(drop=True)

    visits = t["trial_visits"].set_index("visitnum")["visit"]
    f = t["trial_findings"].copy()
    f["USUBJID"] = f["person_id"].map(usub)
    f["rf"] = f["person_id"].map(rf)
    f["VISIT"] = f["visitnum"].map(visits)
    for dom in ("VS", "LB", "EG", "QS"):
        x = f[f["domain"] == dom]
        res = x["value"].map(lambda v: f"{v:g}")
        p = dom
        cols = {
            "STUDYID": [sid] * len(x), "USUBJID": x["USUBJID"], f"{p}TESTCD": x["testcd"], f"{p}TEST": x["test"],
            f"{p}ORRES": res, f"{p}ORRESU": x["unit"], f"{p}STRESC": res, f"{p}STRESN": x["value"],
            f"{p}STRESU": x["unit"], f"{p}BLFL": np.where(x["baseline"], "Y", ""), "VISITNUM": x["visitnum"],
            "VISIT": x["VISIT"], f"{p}DTC": _iso(x["date"]), f"{p}DY": _dy(x["date"], x["rf"])}
        if dom == "QS":
            cols["QSCAT"] = ["EQ-5D-5L"] * len(x)
        if dom == "LB":
            lo, hi = x["ref_low"], x["ref_high"]
            cols.update({"LBLOINC": x["loinc"], "LBORNRLO": lo.map(lambda v: "" if pd.isna(v) else f"{v:g}"),
                         "LBORNRHI": hi.map(lambda v: "" if pd.isna(v) else f"{v:g}"),
                         "LBNRIND": np.where(lo.notna() & (x["value"] < lo), "LOW",
                                             np.where(hi.notna() & (x["value"] > hi), "HIGH", "NORMAL"))})
        df = _frame(dom, cols)
        df[f"{p}SEQ"] = _seq(df, [f"{p}DTC", "VISITNUM", f"{p}TESTCD"]).astype(float)
        out[dom] = df.sort_values(["USUBJID", f"{p}SEQ"], kind="stable").reset_index(drop=True)

    rand = subj[~subj["screen_failed"]]
    consent = rand.set_index("person_id")["consent_date"]
    end = rand.set_index("person_id")["end_date"]
    meds = t["medication_orders"]
    # the study drug's own orders (journey_event 'trial <study>', no RxNorm) are EX, not CM
    meds = meds[meds["person_id"].isin(rand["person_id"]) & (meds["journey_event"] != f"trial {sid}")].copy()
    stop = meds["stop_date"].where(meds["stop_date"].notna(), meds["end_date"])
    c0 = pd.to_datetime(meds["person_id"].map(consent))
    meds = meds[(pd.to_datetime(stop) >= c0) & (pd.to_datetime(meds["start_date"]) <= pd.to_datetime(
        meds["person_id"].map(end)))]
    stop = meds["stop_date"].where(meds["stop_date"].notna(), meds["end_date"])
    meds = meds.assign(USUBJID=meds["person_id"].map(usub), rf=meds["person_id"].map(rf))
    df = _frame("CM", {
        "STUDYID": [sid] * len(meds), "USUBJID": meds["USUBJID"], "CMTRT": meds["drug_name"],
        "CMDECOD": meds["ingredient"].fillna("").str.upper(), "CMCLAS": meds["drug_class"].fillna("").str.upper(),
        "CMDOSE": meds["dose"], "CMDOSU": meds["dose_unit"].fillna(""), "CMDOSFRQ": meds["frequency"].fillna(""),
        "CMROUTE": meds["route"].fillna("").str.lower().map(ct.ROUTE_FROM).fillna(""),
        "CMSTDTC": _iso(meds["start_date"]), "CMENDTC": _iso(stop), "CMSTDY": _dy(meds["start_date"], meds["rf"])})
    df["CMSEQ"] = _seq(df, ["CMSTDTC", "CMTRT"]).astype(float)
    out["CM"] = df.sort_values(["USUBJID", "CMSEQ"], kind="stable").reset_index(drop=True)

    ex = t["exposures"].copy()
    ex["USUBJID"] = ex["person_id"].map(usub)
    ex["rf"] = ex["person_id"].map(rf)
    df = _frame("EX", {
        "STUDYID": [sid] * len(ex), "USUBJID": ex["USUBJID"], "EXTRT": ex["treatment"], "EXDOSE": ex["dose"],
        "EXDOSU": ex["dose_unit"], "EXDOSFRQ": ex["frequency"], "EXROUTE": ex["route"],
        "EXADJ": ex["adjustment"].fillna(""), "EPOCH": ["TREATMENT"] * len(ex), "EXSTDTC": _iso(ex["start_date"]),
        "EXENDTC": _iso(ex["end_date"]), "EXSTDY": _dy(ex["start_date"], ex["rf"]),
        "EXENDY": _dy(ex["end_date"], ex["rf"])})
    df["EXSEQ"] = _seq(df, ["EXSTDTC"]).astype(float)
    out["EX"] = df.sort_values(["USUBJID", "EXSEQ"], kind="stable").reset_index(drop=True)

    ds = t["dispositions"].sort_values(["person_id", "seq"], kind="stable").copy()
    ds["USUBJID"] = ds["person_id"].map(usub)
    ds["rf"] = ds["person_id"].map(rf)
    df = _frame("DS", {
        "STUDYID": [sid] * len(ds), "USUBJID": ds["USUBJID"], "DSTERM": ds["term"], "DSDECOD": ds["decod"],
        "DSCAT": ds["category"], "EPOCH": ds["epoch"], "DSSTDTC": _iso(ds["date"]), "DSSTDY": _dy(ds["date"], ds["rf"]),
        "DSSEQ": ds.groupby("person_id").cumcount() + 1})
    out["DS"] = df.sort_values(["USUBJID", "DSSEQ"], kind="stable").reset_index(drop=True)

    cond = t["conditions"]
    cond = cond[cond["person_id"].isin(rand["person_id"])].copy()
    cond = cond[pd.to_datetime(cond["onset_date"]) < pd.to_datetime(cond["person_id"].map(consent))]
    indication = [c.strip() for c in str(study["indication"]).split(",")]
    primary = cond["code"].map(lambda c: any(str(c).startswith(p) for p in indication))
    ongoing = cond["abatement_date"].isna() | (pd.to_datetime(cond["abatement_date"]) >= pd.to_datetime(
        cond["person_id"].map(consent)))
    df = _frame("MH", {
        "STUDYID": [sid] * len(cond), "USUBJID": cond["person_id"].map(usub), "MHTERM": cond["description"],
        "MHDECOD": cond["description"], "MHCAT": np.where(primary, "PRIMARY DIAGNOSIS", "GENERAL MEDICAL HISTORY"),
        "MHSTDTC": _iso(cond["onset_date"]), "MHENRTPT": np.where(ongoing, "ONGOING", "BEFORE"),
        "MHENTPT": ["SCREENING"] * len(cond)})
    df["MHSEQ"] = _seq(df, ["MHSTDTC", "MHTERM"]).astype(float)
    out["MH"] = df.sort_values(["USUBJID", "MHSEQ"], kind="stable").reset_index(drop=True)

    sv = t["subject_visits"]
    sv = sv[sv["status"] == "done"].copy()
    sv["rf"] = sv["person_id"].map(rf)
    tv = t["trial_visits"].set_index("visitnum")
    out["SV"] = _frame("SV", {
        "STUDYID": [sid] * len(sv), "USUBJID": sv["person_id"].map(usub), "VISITNUM": sv["visitnum"],
        "VISIT": sv["visit"], "VISITDY": sv["visitnum"].map(tv["target_day"]), "SVSTDTC": _iso(sv["visit_date"]),
        "SVENDTC": _iso(sv["visit_date"]), "SVSTDY": _dy(sv["visit_date"], sv["rf"]),
        "SVENDY": _dy(sv["visit_date"], sv["rf"])}).sort_values(["USUBJID", "VISITNUM"]).reset_index(drop=True)

    dv = t["deviations"].copy()
    df = _frame("DV", {"STUDYID": [sid] * len(dv), "USUBJID": dv["person_id"].map(usub), "DVTERM": dv["term"],
                       "DVCAT": dv["category"], "DVSTDTC": _iso(dv["date"])})
    df["DVSEQ"] = _seq(df, ["DVSTDTC"]).astype(float)
    out["DV"] = df.sort_values(["USUBJID", "DVSEQ"], kind="stable").reset_index(drop=True)
    out.update(_tumours(t, sid, usub, rf, visits))
    out.update(_design(study, t))
    return out


def _tumours(t: dict, sid: str, usub: pd.Series, rf: pd.Series, visits: pd.Series) -> dict[str, pd.DataFrame]:
    """TU (target lesions at baseline), TR (their longest diameters at each scan), RS (RECIST 1.1
    overall response at each post-baseline scan); an unscheduled scan's VISIT is 'UNSCHEDULED'."""
    if "tumor_lesions" not in t:
        return {}
    out = {}

    def visit_name(v: pd.Series) -> pd.Series:
        return v.map(visits).fillna("UNSCHEDULED")

    tu = t["tumor_lesions"]
    df = _frame("TU", {
        "STUDYID": [sid] * len(tu), "USUBJID": tu["person_id"].map(usub), "TULNKID": tu["lesion_id"],
        "TUTESTCD": ["TUMIDENT"] * len(tu), "TUTEST": ["Tumor Identification"] * len(tu),
        "TUORRES": ["TARGET"] * len(tu), "TUSTRESC": ["TARGET"] * len(tu), "TULOC": tu["location"],
        "TUMETHOD": ["CT SCAN"] * len(tu), "VISITNUM": tu["visitnum"], "VISIT": visit_name(tu["visitnum"]),
        "TUDTC": _iso(tu["date"]), "TUDY": _dy(tu["date"], tu["person_id"].map(rf))})
    df["TUSEQ"] = _seq(df, ["TULNKID"]).astype(float)
    out["TU"] = df.sort_values(["USUBJID", "TUSEQ"], kind="stable").reset_index(drop=True)
    tr = t["tumor_measurements"]
    res = tr["diameter"].map(lambda v: f"{v:g}")
    df = _frame("TR", {
        "STUDYID": [sid] * len(tr), "USUBJID": tr["person_id"].map(usub), "TRLNKID": tr["lesion_id"],
        "TRTESTCD": ["LDIAM"] * len(tr), "TRTEST": ["Longest Diameter"] * len(tr), "TRORRES": res,
        "TRORRESU": ["mm"] * len(tr), "TRSTRESC": res, "TRSTRESN": tr["diameter"], "TRSTRESU": ["mm"] * len(tr),
        "TRMETHOD": ["CT SCAN"] * len(tr), "VISITNUM": tr["visitnum"], "VISIT": visit_name(tr["visitnum"]),
        "TRDTC": _iso(tr["date"]), "TRDY": _dy(tr["date"], tr["person_id"].map(rf))})
    df["TRSEQ"] = _seq(df, ["TRDTC", "TRLNKID"]).astype(float)
    out["TR"] = df.sort_values(["USUBJID", "TRSEQ"], kind="stable").reset_index(drop=True)
    rs = t["tumor_responses"]
    df = _frame("RS", {
        "STUDYID": [sid] * len(rs), "USUBJID": rs["person_id"].map(usub), "RSTESTCD": ["OVRLRESP"] * len(rs),
        "RSTEST": ["Overall Response"] * len(rs), "RSCAT": ["RECIST 1.1"] * len(rs), "RSORRES": rs["response"],
        "RSSTRESC": rs["response"], "VISITNUM": rs["visitnum"], "VISIT": visit_name(rs["visitnum"]),
        "RSDTC": _iso(rs["date"]), "RSDY": _dy(rs["date"], rs["person_id"].map(rf))})
    df["RSSEQ"] = _seq(df, ["RSDTC"]).astype(float)
    out["RS"] = df.sort_values(["USUBJID", "RSSEQ"], kind="stable").reset_index(drop=True)
    return out


def _visit_rule(protocol: dict, name: str, day: int, lo: int, hi: int) -> str:
    """TVSTRL: the window in study days; in cycle protocols, cycle and post-cycle visits move with
    dose delays, so their rule says so (and the conformance check does not hold them to fixed days)."""
    cycles = protocol.get("cycles")
    if cycles and day >= 1:
        if str(name).startswith("CYCLE"):
            return f"DAY 1 OF {name.split(' DAY')[0]} (21-DAY CYCLES, DELAYS ALLOWED)".replace(
                "21", str(cycles["length_days"]))
        last = cycles["length_days"] * cycles["count"]
        return f"{int(day) - last} DAYS AFTER THE LAST CYCLE ENDS, -{int(day) - int(lo)}/+{int(hi) - int(day)} DAYS"
    return f"DAY {int(lo)} TO DAY {int(hi)}"


def _design(study, t) -> dict[str, pd.DataFrame]:
    sid = study["study_id"]
    protocol = json.loads(study["protocol"])
    arms = t["trial_arms"]
    tv = t["trial_visits"]
    treat_days = int(tv.loc[tv["epoch"] == "TREATMENT", "target_day"].max())
    elements = [("SCRN", "Screening", "Informed consent", "Randomization"),
                *[(f"T{a['armcd']}"[:8], a["name"], f"First dose of {a['treatment']['name']}", "End of treatment")
                  for a in protocol["arms"]],
                ("FU", "Follow-up", "End of treatment", "End of follow-up")]
    te = _frame("TE", {"STUDYID": [sid] * len(elements), "ETCD": [e[0] for e in elements],
                       "ELEMENT": [e[1] for e in elements], "TESTRL": [e[2] for e in elements],
                       "TEENRL": [e[3] for e in elements],
                       "TEDUR": ["P14D"] + [f"P{treat_days}D"] * len(protocol["arms"]) + [
                           f"P{protocol.get('follow_up_days', 28)}D"]})
    ta_rows = []
    for a in protocol["arms"]:
        for order, (etcd, el, epoch) in enumerate(
                [("SCRN", "Screening", "SCREENING"), (f"T{a['armcd']}"[:8], a["name"], "TREATMENT"),
                 ("FU", "Follow-up", "FOLLOW-UP")], start=1):
            ta_rows.append((a["armcd"], a["name"], order, etcd, el, epoch))
    ta = _frame("TA", {"STUDYID": [sid] * len(ta_rows), "ARMCD": [r[0] for r in ta_rows],
                       "ARM": [r[1] for r in ta_rows], "TAETORD": [r[2] for r in ta_rows],
                       "ETCD": [r[3] for r in ta_rows], "ELEMENT": [r[4] for r in ta_rows],
                       "EPOCH": [r[5] for r in ta_rows]})
    tvd = _frame("TV", {"STUDYID": [sid] * len(tv), "VISITNUM": tv["visitnum"], "VISIT": tv["visit"],
                        "VISITDY": tv["target_day"],
                        "TVSTRL": [_visit_rule(protocol, name, day, lo, hi) for name, day, lo, hi in
                                   zip(tv["visit"], tv["target_day"], tv["window_low"], tv["window_high"],
                                       strict=True)],
                        "TVENRL": [""] * len(tv)})
    crit = protocol["criteria"]
    ti_rows = [("INCL01", f"Age {crit['min_age']} to {crit['max_age']} years at screening", "INCLUSION")]
    if crit.get("require_any"):
        ti_rows.append(("INCL02", "Diagnosis of " + ", ".join(crit["require_any"]), "INCLUSION"))
    for i, lab in enumerate(crit.get("labs", []), start=3):
        rng = " to ".join(str(x) for x in (lab.get("min"), lab.get("max")) if x is not None)
        ti_rows.append((f"INCL{i:02d}", f"{lab['test'].upper()} {rng} within the lookback"[:200], "INCLUSION"))
    if crit.get("exclude_any"):
        ti_rows.append(("EXCL01", "Any of " + ", ".join(crit["exclude_any"]), "EXCLUSION"))
    ti = _frame("TI", {"STUDYID": [sid] * len(ti_rows), "IETESTCD": [r[0] for r in ti_rows],
                       "IETEST": [r[1][:200] for r in ti_rows], "IECAT": [r[2] for r in ti_rows]})
    params = [("TITLE", "Trial Title", str(study["title"])[:200]), ("TPHASE", "Trial Phase Classification",
                                                                     study["phase"]),
              ("INDIC", "Trial Disease/Condition Indication", study["indication"]),
              ("SPONSOR", "Clinical Study Sponsor", study["sponsor"]),
              ("PLANSUB", "Planned Number of Subjects", str(study["planned_subjects"])),
              ("RANDOM", "Trial is Randomized", "Y"), ("NARMS", "Planned Number of Arms", str(len(arms))),
              ("SSTDTC", "Study Start Date", _iso(pd.Series([study["start_date"]]))[0]),
              ("SENDTC", "Study End Date", _iso(pd.Series([study["end_date"]]))[0]),
              ("SDTIGVER", "SDTM IG Version", "3.4"), ("CTVER", "Controlled Terminology Version", ct.CT_VERSION)]
    ts = _frame("TS", {"STUDYID": [sid] * len(params), "TSSEQ": list(range(1, len(params) + 1)),
                       "TSPARMCD": [p[0] for p in params], "TSPARM": [p[1] for p in params],
                       "TSVAL": [p[2] for p in params]})
    return {"TA": ta, "TE": te, "TV": tvd, "TI": ti, "TS": ts}
