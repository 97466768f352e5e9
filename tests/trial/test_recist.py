"""RECIST 1.1 tumour data for nsclc-phase2: target lesions at baseline (TU), their diameters at each
scan (TR) and the overall response (RS) that follows from them; progression in RS exactly when the
time-to-event endpoint occurred, on its date."""

from __future__ import annotations

import duckdb
import pandas as pd


def read(folder, code):
    return pd.read_sas(folder / f"{code.lower()}.xpt", format="xport", encoding="latin-1")


def test_recist_domains_agree_with_each_other_and_the_endpoint(trials):
    folder = trials["onc"]["sdtm"]
    tu, tr, rs, dm = (read(folder, c) for c in ("TU", "TR", "RS", "DM"))
    randomised = set(dm.loc[dm["ARMCD"] != "", "USUBJID"])
    assert set(tu["USUBJID"]) == randomised
    assert tu.groupby("USUBJID").size().between(1, 5).all() and (tu["VISIT"] == "SCREENING").all()
    assert set(zip(tr["USUBJID"], tr["TRLNKID"], strict=True)) == set(zip(tu["USUBJID"], tu["TULNKID"], strict=True))
    # the response follows from the sums of diameters
    sums = tr.groupby(["USUBJID", "TRDTC"])["TRSTRESN"].sum().rename("SUM").reset_index()
    base = sums.sort_values("TRDTC").groupby("USUBJID").first()["SUM"]
    got = rs.merge(sums, left_on=["USUBJID", "RSDTC"], right_on=["USUBJID", "TRDTC"], how="left")
    assert got["SUM"].notna().all()
    got["base"] = got["USUBJID"].map(base)
    assert ((got["RSSTRESC"] == "PR") == ((got["SUM"] <= 0.7 * got["base"]) & (got["RSSTRESC"] != "PD"))).all()
    for _, subject in sums.sort_values(["USUBJID", "TRDTC"]).groupby("USUBJID"):
        nadir = subject["SUM"].cummin().shift()
        grew = (subject["SUM"] >= 1.2 * nadir) & (subject["SUM"] - nadir >= 5)
        pd_dates = set(got.loc[(got["USUBJID"] == subject["USUBJID"].iloc[0]) & (got["RSSTRESC"] == "PD"), "RSDTC"])
        assert set(subject.loc[grew, "TRDTC"]) == pd_dates
    # progression in RS = the endpoint event, on the event date
    with duckdb.connect(str(trials["db"]), read_only=True) as con:
        ev = con.execute("SELECT usubjid, event_date FROM trial_subjects WHERE cohort_id = ? AND event_date IS NOT NULL",
                         [trials["onc"]["cohort"]]).fetchdf()
    pd_rows = rs[rs["RSSTRESC"] == "PD"]
    assert len(ev) > 10
    assert sorted(zip(pd_rows["USUBJID"], pd_rows["RSDTC"], strict=True)) == sorted(
        zip(ev["usubjid"], ev["event_date"].astype(str), strict=True))
    assert {"PR", "SD"} <= set(rs["RSSTRESC"])
