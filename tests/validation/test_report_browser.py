"""The report in a real browser: Debian's chromium (installed by tools/install_chromium.sh when
missing) opens the page headless; every plot must render (an SVG with marks), with no console
errors and no network request, and a screenshot is saved in the test's temp folder.

The README's picture (docs/report.png) comes from the 20,000-member general Medicare cohort
(test_calibration_20k.py, with HEALTHSIM_REPORT_SCREENSHOT=docs/report.png).
"""

from __future__ import annotations

import pytest
from tests.validation.browser import assert_rendered, find_chromium, render


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_chromium()


def test_every_plot_renders_in_chromium_without_errors(diabetic_report, chromium, tmp_path):
    r = render(diabetic_report.path, chromium, tmp_path / "report.png")
    assert_rendered(r, diabetic_report.charts)
