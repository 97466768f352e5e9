"""The report in a real browser: Debian's chromium (installed by tools/install_chromium.sh when
missing) opens the page headless; every plot must render (an SVG with marks), with no console
errors and no network request, and a screenshot is saved in the test's temp folder.

HEALTHSIM_REPORT_SCREENSHOT=docs/report.png pytest tests/validation/test_report_browser.py also
writes the top of the page there (the README's picture).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "tools" / "install_chromium.sh"


@pytest.fixture(scope="module")
def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    done = subprocess.run(["sh", str(INSTALL)], check=False, capture_output=True, text=True, timeout=900)
    path = done.stdout.strip().splitlines()[-1] if done.returncode == 0 and done.stdout.strip() else ""
    if not path or not Path(path).exists():
        pytest.skip(f"chromium is not installed and cannot be installed here: {done.stderr.strip() or done.stdout.strip()}")
    return path


def test_every_plot_renders_in_chromium_without_errors(diabetic_report, chromium, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test extra: pip install -e '.[test]'")
    problems, requests = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(diabetic_report.path.resolve().as_uri())
            page.wait_for_function("window.healthsimCharts && window.healthsimCharts.rendered"
                                   " + window.healthsimCharts.failed.length >= window.healthsimCharts.expected",
                                   timeout=60_000)
            state = page.evaluate("window.healthsimCharts")
            plots = page.evaluate("""Array.from(document.querySelectorAll('[data-chart]')).map(d => {
                const svg = d.querySelector('svg'); const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
                return {id: d.id, width: box.width, height: box.height,
                        marks: svg ? svg.querySelectorAll('path, rect, line, circle').length : 0}; })""")
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            target = os.environ.get("HEALTHSIM_REPORT_SCREENSHOT")
            if target:
                page.screenshot(path=str(ROOT / target), clip={"x": 0, "y": 0, "width": 1500, "height": 1500})
        finally:
            browser.close()
    assert state["rendered"] == state["expected"] == len(diabetic_report.charts) and not state["failed"], state
    assert {p["id"] for p in plots} == set(diabetic_report.charts)
    for plot in plots:
        assert plot["width"] > 200 and plot["height"] > 80 and plot["marks"] >= 10, plot
    assert not problems, problems
    assert all(u.startswith(("file:", "data:", "blob:", "about:")) for u in requests), requests
    assert shot.stat().st_size > 100_000
