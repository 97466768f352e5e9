"""EG: ECG intervals at the visits whose assessments name "ecg", in CDISC CT, QT and QTcF related by
Fridericia's formula at the recorded heart rate; a protocol without ECGs writes no EG file."""

from __future__ import annotations

import numpy as np
import pandas as pd

from healthsim import api
from healthsim.formats.run import export_cohort


def test_eg_at_the_ecg_visits(trials):
    folder = trials["t2d"]["sdtm"]
    eg = pd.read_sas(folder / "eg.xpt", format="xport", encoding="latin-1")
    assert set(eg["EGTESTCD"]) == {"EGHRMN", "PRAG", "QRSAG", "QTAG", "QTCFAG"}
    assert set(eg["VISIT"]) <= {"SCREENING", "WEEK 26"}  # the t2d-phase3 visits naming "ecg"
    wide = eg.pivot_table(index=["USUBJID", "VISITNUM"], columns="EGTESTCD", values="EGSTRESN")
    qtcf = wide["QTAG"] / np.cbrt(60.0 / wide["EGHRMN"])
    assert (abs(qtcf - wide["QTCFAG"]) <= 3).mean() > 0.95  # rounding of QT, QTcF and the rate
    assert wide["QTCFAG"].between(350, 480).mean() > 0.99 and wide["PRAG"].between(100, 260).all()
    dm = pd.read_sas(folder / "dm.xpt", format="xport", encoding="latin-1")
    randomised = set(dm.loc[dm["ARMCD"] != "", "USUBJID"])
    base = eg[eg["EGBLFL"] == "Y"]
    assert set(base["USUBJID"]) == randomised and (base["VISIT"] == "SCREENING").all()


def test_no_ecg_in_the_schedule_no_eg(tmp_path):
    from healthsim.templates import load_template

    doc = load_template("t2d-phase3", "trial")
    for v in doc["visits"]:
        v["assessments"] = [a for a in v.get("assessments", []) if a != "ecg"]
    doc["subjects"] = 12
    run = api.generate_trial(api.load_protocol(doc), tmp_path / "t.duckdb")
    export_cohort(tmp_path / "t.duckdb", "sdtm", tmp_path / "s", cohort_id=run.result.cohort_id)
    assert not (tmp_path / "s" / "sdtm" / "eg.xpt").exists()
    assert 'Name="EG"' not in (tmp_path / "s" / "sdtm" / "define.xml").read_text()
    assert api.validate_sdtm(tmp_path / "s").ok


def test_qs_eq5d_at_the_visits_naming_it(trials):
    folder = trials["t2d"]["sdtm"]
    qs = pd.read_sas(folder / "qs.xpt", format="xport", encoding="latin-1")
    assert set(qs["VISIT"]) <= {"DAY 1", "WEEK 26"} and (qs["QSCAT"] == "EQ-5D-5L").all()
    items = qs[qs["QSTESTCD"] != "EQ5D0206"]["QSSTRESN"]
    assert items.isin([1, 2, 3, 4, 5]).all() and (items == 1).mean() > 0.4  # most adults: no problems
    vas = qs[qs["QSTESTCD"] == "EQ5D0206"]["QSSTRESN"]
    assert vas.between(0, 100).all() and 65 <= vas.mean() <= 90
    per_visit = qs.groupby(["USUBJID", "VISITNUM"])["QSTESTCD"].nunique()
    assert (per_visit == 6).all()
    assert (qs.loc[qs["QSBLFL"] == "Y", "VISIT"] == "DAY 1").all()
    assert not (trials["onc"]["sdtm"] / "qs.xpt").exists()  # nsclc-phase2 names no questionnaire
