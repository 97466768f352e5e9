"""TrialSim on both shipped protocols: subjects screened on their member state, randomised in
permuted blocks, treated and followed without a record after death or last contact; the
configured treatment effect, adverse-event incidences and discontinuation recovered within
their sampling intervals; SDTM that reads back and passes the conformance check."""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pandas as pd
import pytest

from healthsim import api
from healthsim.errors import SpecError
from healthsim.formats.run import export_cohort
from healthsim.formats.sdtm.variables import DOMAINS


def q(db, sql, params=None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchdf()


@pytest.mark.parametrize("name", ["t2d", "onc"])
def test_sdtm_reads_back_and_passes_conformance(trials, name):
    folder = trials[name]["sdtm"]
    report = api.validate_sdtm(folder)
    assert report.ok, [f.__dict__ for f in report.errors]
    for code in report.records:  # an independent reader (pandas' own XPORT parser) reads every file
        df = pd.read_sas(folder / f"{code.lower()}.xpt", format="xport", encoding="latin-1")
        assert len(df) == report.records[code]
        assert list(df.columns) == [v.name for v in DOMAINS[code][1]]
    assert report.records["DM"] > 0 and report.records["AE"] > 0 and report.records["LB"] > 0


def test_every_subject_met_the_criteria_on_their_member_state(trials):
    db, cid = trials["db"], trials["t2d"]["cohort"]
    rand = q(db, "SELECT s.person_id, s.screening_date, s.age FROM trial_subjects s WHERE s.cohort_id = ? "
                 "AND NOT s.screen_failed", [cid])
    assert len(rand) == 300 and rand["age"].between(18, 75).all()
    # type 2 diabetes on the screening day; none of the exclusions
    dx = q(db, """SELECT s.person_id,
                    bool_or(c.code LIKE 'E11%') AS t2d,
                    bool_or(c.code LIKE 'E10%' OR c.code IN ('N18.4', 'N18.5', 'N18.6') OR c.code LIKE 'I50%') AS excl
                  FROM trial_subjects s JOIN conditions c ON c.cohort_id = s.cohort_id AND c.person_id = s.person_id
                   AND c.onset_date <= s.screening_date AND coalesce(c.abatement_date, DATE '9999-12-31') >= s.screening_date
                  WHERE s.cohort_id = ? AND NOT s.screen_failed GROUP BY 1""", [cid])
    assert len(dx) == 300 and dx["t2d"].all() and not dx["excl"].any()
    # the screening HbA1c is the member's latest result on file, and inside 7.0-10.5
    a1c = q(db, """SELECT s.person_id, f.value,
                     (SELECT o.value FROM observations o WHERE o.cohort_id = s.cohort_id AND o.person_id = s.person_id
                        AND o.loinc = '4548-4' AND CAST(o.time AS DATE) <= s.screening_date
                      ORDER BY o.time DESC LIMIT 1) AS emr
                   FROM trial_subjects s JOIN trial_findings f ON f.cohort_id = s.cohort_id AND f.person_id = s.person_id
                    AND f.testcd = 'HBA1C' AND f.visitnum = 1
                   WHERE s.cohort_id = ? AND NOT s.screen_failed""", [cid])
    assert a1c["value"].between(7.0, 10.5).all()
    assert np.allclose(a1c["value"], a1c["emr"].round(1))


def test_randomisation_is_in_permuted_blocks_within_strata(trials):
    db, cid = trials["db"], trials["t2d"]["cohort"]
    s = q(db, "SELECT stratum, rand_block, armcd FROM trial_subjects WHERE cohort_id = ? AND NOT screen_failed "
              "ORDER BY randomized_date, person_id", [cid])
    for (_, block), g in s.groupby(["stratum", "rand_block"]):
        counts = g["armcd"].value_counts()
        if len(g) == 6:  # a complete block of 6 holds each of the 3 arms twice
            assert (counts == 2).all() and len(counts) == 3
        else:
            assert counts.max() <= 2
    totals = s["armcd"].value_counts()
    assert totals.max() - totals.min() <= 2 * s["stratum"].nunique()


def test_nothing_after_death_or_last_contact_and_visits_are_encounters(trials):
    db = trials["db"]
    for name in ("t2d", "onc"):
        cid = trials[name]["cohort"]
        late = q(db, """SELECT count(*) AS n FROM (
              SELECT v.person_id, v.visit_date AS d FROM subject_visits v WHERE v.cohort_id = ? AND v.status = 'done'
              UNION ALL SELECT person_id, start_date FROM adverse_events WHERE cohort_id = ?
              UNION ALL SELECT person_id, start_date FROM exposures WHERE cohort_id = ?
              UNION ALL SELECT person_id, date FROM trial_findings WHERE cohort_id = ?) x
            JOIN trial_subjects s ON s.cohort_id = ? AND s.person_id = x.person_id
            LEFT JOIN deaths d ON d.cohort_id = ? AND d.person_id = x.person_id
            WHERE x.d > s.end_date OR x.d > d.death_date""", [cid] * 6)
        assert late["n"][0] == 0, name
        # every done visit is an encounter at the subject's site facility, with Z00.6 first
        enc = q(db, """SELECT count(*) AS n, count(e.encounter_id) AS found,
                          sum(CASE WHEN e.facility_id = ts.facility_id THEN 1 ELSE 0 END) AS at_site,
                          sum(CASE WHEN d.code = 'Z00.6' THEN 1 ELSE 0 END) AS z006
                       FROM subject_visits v JOIN trial_subjects s USING (cohort_id, person_id)
                       JOIN trial_sites ts ON ts.cohort_id = v.cohort_id AND ts.site_id = s.site_id
                       LEFT JOIN encounters e ON e.cohort_id = v.cohort_id AND e.encounter_id = v.encounter_id
                       LEFT JOIN diagnoses d ON d.cohort_id = v.cohort_id AND d.encounter_id = v.encounter_id
                        AND d.rank = 1
                       WHERE v.cohort_id = ? AND v.status = 'done'""", [cid])
        assert enc["n"][0] > 0 and enc["n"][0] == enc["found"][0] == enc["at_site"][0] == enc["z006"][0]
        # one identity: USUBJID beside the MRN and the member id
        ids = q(db, """SELECT count(DISTINCT s.person_id) AS n, count(DISTINCT m.person_id) AS mrn,
                          count(DISTINCT u.person_id) AS usub, count(DISTINCT b.person_id) AS member
                       FROM trial_subjects s
                       LEFT JOIN identities m ON m.cohort_id = s.cohort_id AND m.person_id = s.person_id
                        AND m.product = 'patientsim'
                       LEFT JOIN identities b ON b.cohort_id = s.cohort_id AND b.person_id = s.person_id
                        AND b.product = 'membersim'
                       LEFT JOIN identities u ON u.cohort_id = s.cohort_id AND u.person_id = s.person_id
                        AND u.product = 'trialsim' AND u.identifier = s.usubjid
                       WHERE s.cohort_id = ?""", [cid])
        assert ids["n"][0] == ids["mrn"][0] == ids["usub"][0] == ids["member"][0]
    # the member state's integrity holds with the trial visits added
    from healthsim.store.arrow_sql import query_tables
    from healthsim.validation.integrity import CHECKS, count_violations

    needed = sorted({n for c in CHECKS for n in c.needs} & {t.name for t in api.tables(db)})
    for name in ("t2d", "onc"):
        tables = api.frames(db, cohort=trials[name]["cohort"], tables=needed, kind="arrow")
        bad = {k: v for k, v in count_violations(tables, query_tables).items() if v}
        assert not bad, (name, bad)


def test_ancova_recovers_the_configured_a1c_effect(trials):
    """Week-26 HbA1c change ~ arm + baseline: each active arm's difference from placebo within its
    95% interval of the protocol's (SYN05 -1.3, SYN10 -1.5 vs placebo)."""
    db, cid = trials["db"], trials["t2d"]["cohort"]
    d = q(db, """SELECT s.armcd, b.value AS base, w.value - b.value AS chg
                 FROM trial_subjects s
                 JOIN trial_findings b ON b.cohort_id = s.cohort_id AND b.person_id = s.person_id
                  AND b.testcd = 'HBA1C' AND b.baseline
                 JOIN trial_findings w ON w.cohort_id = s.cohort_id AND w.person_id = s.person_id
                  AND w.testcd = 'HBA1C' AND w.visitnum = 7
                 WHERE s.cohort_id = ?""", [cid])
    assert len(d) > 200
    x = np.column_stack([np.ones(len(d)), d["armcd"] == "SYN05", d["armcd"] == "SYN10", d["base"]]).astype(float)
    beta, *_ = np.linalg.lstsq(x, d["chg"].to_numpy(), rcond=None)
    resid = d["chg"].to_numpy() - x @ beta
    sigma2 = resid @ resid / (len(d) - x.shape[1])
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(x.T @ x)))
    for k, want in ((1, -1.4 - -0.1), (2, -1.6 - -0.1)):
        assert abs(beta[k] - want) <= 1.96 * se[k] + 0.1, (k, beta[k], se[k])


def test_adverse_events_and_discontinuation_within_sampling_intervals(trials):
    db, cid = trials["db"], trials["t2d"]["cohort"]
    protocol = trials["t2d"]["run"].protocol
    completers = q(db, "SELECT person_id, armcd FROM trial_subjects WHERE cohort_id = ? AND disposition = 'COMPLETED'",
                   [cid])
    ae = q(db, "SELECT DISTINCT person_id, term FROM adverse_events WHERE cohort_id = ?", [cid])
    for event in protocol.adverse_events:
        for arm, p in event.incidence.items():
            who = completers[completers["armcd"] == arm]["person_id"]
            n = len(who)
            k = ae[(ae["term"] == event.term) & ae["person_id"].isin(who)]["person_id"].nunique()
            # 99% family-wise over the 27 term x arm cells (Bonferroni: 99.96% each, z = 3.55), continuity margin
            half = 3.55 * np.sqrt(p * (1 - p) / n) + 1 / n
            assert abs(k / n - p) <= half, (event.term, arm, k, n, p)
    subj = q(db, "SELECT disposition FROM trial_subjects WHERE cohort_id = ? AND NOT screen_failed", [cid])
    d = protocol.discontinuation
    want = d.adverse_event + d.withdrawal_by_subject + d.lost_to_follow_up + d.lack_of_efficacy
    got = subj["disposition"].isin(["ADVERSE EVENT", "WITHDRAWAL BY SUBJECT", "LOST TO FOLLOW-UP",
                                    "LACK OF EFFICACY"]).mean()
    assert abs(got - want) <= 2.576 * np.sqrt(want * (1 - want) / len(subj)) + 0.01


def test_oncology_cycles_neutropenia_and_progression(trials):
    db, cid = trials["db"], trials["onc"]["cohort"]
    ex = q(db, "SELECT person_id, cycle, start_date, adjustment FROM exposures WHERE cohort_id = ?", [cid])
    assert ex["cycle"].max() == 6 and ex["adjustment"].notna().any()
    gaps = ex.sort_values(["person_id", "cycle"]).groupby("person_id")["start_date"].diff().dropna()
    assert (pd.to_timedelta(gaps).dt.days >= 17).all()  # 21-day cycles, each dose -1..+3 days
    # a neutrophil count during a neutropenia event sits in its CTCAE grade range
    low = q(db, """SELECT f.value, a.grade FROM trial_findings f JOIN adverse_events a
                    ON a.cohort_id = f.cohort_id AND a.person_id = f.person_id AND a.term = 'Neutropenia'
                    AND f.date BETWEEN a.start_date AND coalesce(a.end_date, DATE '9999-12-31')
                   WHERE f.cohort_id = ? AND f.testcd = 'NEUT'""", [cid])
    upper = {1: 2.0, 2: 1.5, 3: 1.0, 4: 0.5}
    assert all(v <= upper[min(int(g), 4)] for v, g in zip(low["value"], low["grade"], strict=True))
    # exponential hazard-ratio estimate (events / exposure time) near the protocol's 0.65
    s = q(db, """SELECT armcd, datediff('day', first_dose_date, coalesce(event_date, end_date)) + 1 AS t,
                        event_date IS NOT NULL AS e FROM trial_subjects WHERE cohort_id = ? AND NOT screen_failed""",
          [cid])
    rate = {a: g["e"].sum() / g["t"].sum() for a, g in s.groupby("armcd")}
    hr = rate["COMBO"] / rate["CHEMO"]
    events = s["e"].sum()
    assert events > 30
    assert abs(np.log(hr) - np.log(0.65)) <= 2.576 * np.sqrt(4 / events), hr


@pytest.mark.parametrize("name, protocol, subjects, seed", [("t2d", "t2d-phase3", 300, 3),
                                                             ("onc", "nsclc-phase2", 120, 1)])
def test_same_seed_same_sdtm_bytes(trials, tmp_path, name, protocol, subjects, seed):
    """(EG and QS in t2d, site rates and TU/TR/RS in onc included.)"""
    db = tmp_path / "again.duckdb"
    run = api.generate_trial(api.load_protocol(protocol, subjects=subjects, seed=seed), db)
    export_cohort(db, "sdtm", tmp_path / "x", cohort_id=run.result.cohort_id)

    def digest(folder):
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}

    assert digest(tmp_path / "x" / "sdtm") == digest(trials[name]["sdtm"])


@pytest.mark.parametrize("change, field", [
    ({"arms": [{"armcd": "A", "name": "a", "treatment": {"name": "X"}}, {"armcd": "A", "name": "b",
                                                                         "treatment": {"name": "Y"}}]}, "arms"),
    ({"randomisation": {"block_size": 4}}, "block_size"),
    ({"endpoint": {"kind": "lab_change", "effect": {"NOPE": -1}}}, "endpoint"),
    ({"visits": [{"visit": "DAY 1", "day": 1}, {"visit": "SCREENING", "day": -14}]}, "visits"),
    ({"subjects": 0}, "subjects"),
])
def test_bad_protocols_get_a_spec_error_naming_the_field(change, field):
    from healthsim.templates import load_template

    doc = {**load_template("t2d-phase3", "trial"), **change}
    with pytest.raises(SpecError) as info:
        api.load_protocol(doc)
    assert field in str(info.value)


def test_cli_trial_export_validate_and_a_member_cohort_refused(tmp_path, capsys):
    from healthsim.cli.main import main

    db = tmp_path / "c.duckdb"
    assert main(["-q", "generate", "--trial", "t2d-phase3", "--count", "30", "--seed", "2", "--db", str(db)]) == 0
    assert "randomised" in capsys.readouterr().out
    assert main(["-q", "export", "--db", str(db), "--format", "sdtm", "--out", str(tmp_path / "s")]) == 0
    assert main(["validate", "--sdtm", str(tmp_path / "s"), "--strict"]) == 0
    assert "0 conformance errors" in capsys.readouterr().out
    assert main(["-q", "generate", "--template", "medicare-diabetic", "--count", "20", "--db", str(db)]) == 0
    assert main(["export", "--db", str(db), "--format", "sdtm", "--out", str(tmp_path / "m")]) == 2
    assert "generate --trial" in " ".join(capsys.readouterr().err.replace("│", " ").split())


def test_adverse_event_model_at_scale_matches_the_protocol():
    """The event model itself, on 30,000 completers: every term x arm incidence within its 99.9%
    interval (the cohort test above has ~100 subjects an arm; this one has the power)."""
    from healthsim.products.trial import safety
    from healthsim.products.trial.conduct import FAR, Course

    protocol = api.load_protocol("t2d-phase3")
    n = 30_000
    arm = np.repeat(np.arange(3), n // 3)
    course = Course(np.zeros((n, 1), dtype=np.int64), np.full(n, 183), np.full(n, 211),
                    np.full(n, "COMPLETED", dtype=object), np.full(n, FAR), np.zeros(n, dtype=np.int64))
    ev = safety.draw_events(protocol, arm, course, np.full(n, FAR), np.full(n, None, dtype=object),
                            np.random.default_rng(11))
    codes = [a.armcd for a in protocol.arms]
    for event in protocol.adverse_events:
        for a, code in enumerate(codes):
            p = event.incidence[code]
            got = np.unique(ev.subject[(ev.term == event.term) & (arm[ev.subject] == a)]).size / (n // 3)
            assert abs(got - p) <= 3.29 * np.sqrt(p * (1 - p) / (n // 3)), (event.term, code, got, p)
    grades = ev.grade[ev.term == "Nausea"]
    assert abs((grades == 1).mean() - 0.7) < 0.03


def test_trial_requests_in_words_run_a_protocol_and_export_sdtm(tmp_path):
    """'Quick generate 5 trial subjects' and an oncology trial request run the fitting protocol
    (never an ordinary cohort), and the SDTM they ask for passes the check."""
    db = tmp_path / "q.duckdb"
    run = api.generate_request(api.parse_request("Quick generate 5 trial subjects"), db, out=tmp_path / "a")
    assert any("t2d-phase3" in n for n in run.notes)
    subj = q(db, "SELECT count(*) AS n FROM trial_subjects WHERE cohort_id = ? AND NOT screen_failed",
             [run.result.cohort_id])
    assert subj["n"][0] == 5
    assert [e.format for e in run.exports] == ["sdtm"] and api.validate_sdtm(tmp_path / "a" / "sdtm").ok
    onc = api.parse_request("a Phase II lung cancer trial with 12 subjects")
    run = api.generate_request(onc, db, out=tmp_path / "b")
    assert any("nsclc-phase2" in n for n in run.notes)
    with pytest.raises(SpecError) as info:
        api.trial_protocol_for({"indication": "I50.9", "subjects": 10})
    assert "trial.indication" in str(info.value)


def test_mcp_runs_a_trial_and_checks_its_sdtm(tmp_path):
    """The MCP server's run_trial tool: a shipped protocol into the store, SDTM in the workspace,
    zero conformance errors; a count over the server's cap is refused."""
    from tests.unit.test_mcp_server import _with_server

    ws = tmp_path / "ws"

    async def body(c) -> None:
        assert "run_trial" in {t.name for t in (await c.list_tools()).tools}
        made = await c.call_tool("run_trial", {"protocol": "t2d-phase3", "subjects": 20, "seed": 4})
        assert not made.is_error, made.content
        out = made.structured_content
        assert out["randomised"] == 20 and out["sdtm"]["conformance_errors"] == []
        assert out["sdtm"]["records"]["DM"] >= 20
        assert (ws / "exports" / f"cohort-{out['cohort_id']}" / "sdtm" / "sdtm" / "dm.xpt").is_file()
        big = await c.call_tool("run_trial", {"protocol": "t2d-phase3", "subjects": 5000})
        assert big.is_error

    _with_server(ws, body)


def test_a_trial_recruited_from_an_existing_cohort(tmp_path):
    """generate --trial X --cohort N: subjects come from a cohort already in the store (screened on its
    member state); the trial joins that cohort in one transaction; a second trial is refused."""
    from healthsim.errors import UsageError

    db = tmp_path / "c.duckdb"
    doc = api.spec_document(api.load_profile("medicare-diabetic", count=800, seed=4, journeys=["annual-care"]))
    doc["window"] = {"years": 4}
    doc["demographics"]["age"] = {"distribution": "uniform", "min": 65, "max": 75}
    base = api.generate(api.load_profile(doc), db)
    run = api.run_trial_on_cohort(api.load_protocol("t2d-phase3", subjects=8, seed=1), db, base.cohort_id)
    assert run.summary["randomised"] == 8 and "window_note" not in run.summary
    shown = api.show_cohort(db, base.cohort_id)
    assert shown["row_counts"]["trial_subjects"] == run.summary["screened"]
    assert shown["summary"]["trial"]["study_id"] == "T2D-301"
    export_cohort(db, "sdtm", tmp_path / "s", cohort_id=base.cohort_id)
    assert api.validate_sdtm(tmp_path / "s").ok
    with pytest.raises(UsageError):
        api.run_trial_on_cohort(api.load_protocol("t2d-phase3", subjects=20), db, base.cohort_id)
