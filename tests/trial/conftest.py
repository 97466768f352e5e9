"""Two trial cohorts (both shipped protocols) generated once per session, and their SDTM exports."""

from __future__ import annotations

import pytest

from healthsim import api
from healthsim.formats.run import export_cohort


@pytest.fixture(scope="session")
def trials(tmp_path_factory):
    root = tmp_path_factory.mktemp("trials")
    db = root / "t.duckdb"
    t2d = api.generate_trial(api.load_protocol("t2d-phase3", subjects=300, seed=3), db)
    onc = api.generate_trial(api.load_protocol("nsclc-phase2", subjects=120, seed=1), db)
    out = {}
    for name, run in (("t2d", t2d), ("onc", onc)):
        folder = root / f"sdtm-{name}"
        export_cohort(db, "sdtm", folder, cohort_id=run.result.cohort_id)
        out[name] = {"run": run, "sdtm": folder / "sdtm", "cohort": run.result.cohort_id}
    out["db"] = db
    return out
