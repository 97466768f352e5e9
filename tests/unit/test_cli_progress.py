"""The shared progress facility: steps and timings, heartbeat lines when not at a
terminal, silence with -q, and the engine/exporters announcing their steps."""

from __future__ import annotations

import time

import pytest

from healthsim import api
from healthsim.cli import progress as cli_progress
from healthsim.cli.progress import NORMAL, QUIET, VERBOSE, Task, set_verbosity, task
from healthsim.progress import step


@pytest.fixture(autouse=True)
def normal_verbosity():
    set_verbosity(NORMAL)
    yield
    set_verbosity(NORMAL)


def test_task_times_steps_and_reports_status():
    t = Task("making things", total=10, unit="things")
    t.step("one")
    time.sleep(0.02)
    t(4, 10)
    t.step("two")
    t.close()
    assert set(t.timings) == {"one", "two"} and t.timings["one"] >= 0.02
    assert t.status().startswith("making things: 4/10 things (40%)")


def test_heartbeat_lines_on_stderr_when_not_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(cli_progress, "HEARTBEAT", 0.05)
    with task("exporting x", total=100, unit="members") as p:
        p(50, 100)
        p.step("Observation")
        time.sleep(0.3)
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "exporting x ..."
    assert "  exporting x: 50/100 members (50%), Observation, " in err


def test_quiet_shows_nothing_and_verbose_prints_timings(capsys):
    set_verbosity(QUIET)
    with task("quiet work", total=1) as p:
        p.step("a")
    assert capsys.readouterr().err == ""
    set_verbosity(VERBOSE)
    with task("loud work", total=1) as p:
        p.step("alpha")
        p.step("beta")
    err = capsys.readouterr().err
    assert "timings (loud work): total" in err and "\n  alpha" in err and "\n  beta" in err


def test_plain_callables_and_none_ignore_steps():
    step(None, "x")
    step(lambda done, total: None, "x")  # no .step: nothing happens


def test_old_lazy_progress_name_still_works():
    from healthsim.cli.render import LazyProgress

    p = LazyProgress("old style")
    p(1, 2)
    p.close()
    assert p.done == 1


def test_generate_and_export_announce_their_steps(tmp_path):
    class Recorder:
        def __init__(self):
            self.steps, self.calls = [], []

        def __call__(self, done, total):
            self.calls.append((done, total))

        def step(self, label):
            self.steps.append(label)

    spec = api.load_profile("medicare-diabetic", count=60, seed=1, journeys=["diabetic-first-year"])
    gen = Recorder()
    api.generate(spec, tmp_path / "p.duckdb", progress=gen)
    assert gen.steps[:3] == ["plan", "static tables", "open store"]
    for label in ("population", "patient journey", "network", "claims", "write", "checks and commit", "financials"):
        assert label in gen.steps, label
    assert gen.calls[-1] == (60, 60)
    exp = Recorder()
    api.export_cohort(tmp_path / "p.duckdb", "fhir-ndjson", tmp_path / "fhir", progress=exp)
    assert {"Patient", "Condition", "Observation", "read"} <= set(exp.steps)
    tab = Recorder()
    api.export_cohort(tmp_path / "p.duckdb", "parquet", tmp_path / "pq", progress=tab)
    assert {"persons", "claims"} <= set(tab.steps)
