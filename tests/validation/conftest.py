"""One small store shared by the validation tests: a Medicare diabetic cohort with a year of care
(cohort 1, selected on diabetes) and a commercial cohort (cohort 2, unselected)."""

from __future__ import annotations

import pytest

from healthsim import api


@pytest.fixture(scope="session")
def validation_store(tmp_path_factory):
    db = tmp_path_factory.mktemp("validation") / "v.duckdb"
    diabetic = api.generate(api.load_profile("medicare-diabetic", count=600, seed=11,
                                             journeys=["diabetic-first-year", "annual-care"]), db)
    commercial = api.generate(api.load_profile("commercial-healthy", count=600, seed=12,
                                               journeys=["annual-care"]), db)
    return {"db": db, "diabetic": diabetic.cohort_id, "commercial": commercial.cohort_id}


@pytest.fixture(scope="session")
def diabetic_result(validation_store):
    return api.validate(validation_store["db"], validation_store["diabetic"])


@pytest.fixture(scope="session")
def diabetic_report(validation_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    return api.report(validation_store["db"], out, validation_store["diabetic"])
