"""The study drug in the medical record: one medication order per exposure, at the dosing visit's
encounter, with no RxNorm code (an investigational product has none) and the trial named; EX holds
it, CM does not; FHIR MedicationRequest carries it as text and passes both FHIR validators."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import orjson
import pandas as pd
import pytest

from healthsim.formats.run import export_cohort

sys.path.insert(0, str(Path(__file__).parents[1] / "formats"))
from validators import r4b_validate, schema_errors


def q(db, sql, params=None) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchdf()


@pytest.mark.parametrize("name", ["t2d", "onc"])
def test_every_exposure_is_an_order_at_its_visit(trials, name):
    db, cid = trials["db"], trials[name]["cohort"]
    study = q(db, "SELECT study_id FROM studies WHERE cohort_id = ?", [cid])["study_id"][0]
    orders = q(db, "SELECT * FROM medication_orders WHERE cohort_id = ? AND rxnorm IS NULL", [cid])
    ex = q(db, "SELECT * FROM exposures WHERE cohort_id = ?", [cid])
    assert len(orders) == len(ex) > 0
    assert (orders["journey_event"] == f"trial {study}").all()
    assert (orders["drug_class"] == "investigational product").all()
    # only the trial's orders lack an RxNorm code
    assert q(db, "SELECT count(*) n FROM medication_orders WHERE cohort_id = ? AND rxnorm IS NULL "
                 "AND journey_event <> ?", [cid, f"trial {study}"])["n"][0] == 0
    got = orders.merge(ex, on=["person_id", "start_date"], suffixes=("", "_ex"))
    assert len(got) == len(ex)
    assert (got["end_date"] == got["end_date_ex"]).all()
    assert (got["days_supply"] == (pd.to_datetime(got["end_date"]) - pd.to_datetime(got["start_date"])).dt.days + 1).all()
    # written at the trial visit on the dosing day, at the site's facility
    enc = q(db, "SELECT encounter_id, person_id, CAST(start_time AS DATE) AS day, journey FROM encounters "
                "WHERE cohort_id = ? AND journey = ?", [cid, f"trial {study}"])
    at = orders.merge(enc, on="encounter_id", suffixes=("", "_enc"))
    assert len(at) == orders["encounter_id"].notna().sum() >= 0.9 * len(orders)
    assert (at["person_id"] == at["person_id_enc"]).all()
    assert (pd.to_datetime(at["day"]) == pd.to_datetime(at["start_date"])).all()
    # nothing after death
    dead = q(db, "SELECT count(*) n FROM medication_orders m JOIN deaths d USING (cohort_id, person_id) "
                 "WHERE m.cohort_id = ? AND m.rxnorm IS NULL AND m.start_date > d.death_date", [cid])
    assert dead["n"][0] == 0


def test_study_drug_is_ex_not_cm(trials):
    folder = trials["t2d"]["sdtm"]
    cm = pd.read_sas(folder / "cm.xpt", format="xport", encoding="latin-1")
    ex = pd.read_sas(folder / "ex.xpt", format="xport", encoding="latin-1")
    assert not cm["CMTRT"].str.contains("SYNTHOGLUTIDE|PLACEBO", regex=True).any()
    assert set(ex["EXTRT"]) == {"SYNTHOGLUTIDE", "PLACEBO"}


def test_fhir_medication_request_for_the_study_drug(trials, tmp_path):
    db, cid = trials["db"], trials["onc"]["cohort"]
    export_cohort(db, "fhir-ndjson", tmp_path / "f", cohort_id=cid)
    found = 0
    for line in (tmp_path / "f" / "MedicationRequest.ndjson").read_bytes().splitlines():
        res = orjson.loads(line)
        concept = res["medicationCodeableConcept"]
        if "coding" in concept:
            continue
        found += 1
        assert concept["text"].startswith(("SYNTHOTINIB", "PEMETREXED"))
        assert schema_errors(res) == []
        r4b_validate(res)
    assert found == q(db, "SELECT count(*) n FROM exposures WHERE cohort_id = ?", [cid])["n"][0]
