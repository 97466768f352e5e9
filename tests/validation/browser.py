"""Open a HealthSim report in headless chromium (Debian's package, installed by
tools/install_chromium.sh when missing): wait for every plot, collect console errors and
network requests, measure the plots and take screenshots. Used by test_report_browser.py and
test_calibration_20k.py."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "tools" / "install_chromium.sh"


def find_chromium() -> str:
    """The chromium binary, installing Debian's package if needed; skips the test when it cannot."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    done = subprocess.run(["sh", str(INSTALL)], check=False, capture_output=True, text=True, timeout=900)
    path = done.stdout.strip().splitlines()[-1] if done.returncode == 0 and done.stdout.strip() else ""
    if not path or not Path(path).exists():
        pytest.skip(f"chromium is not installed and cannot be installed here: {done.stderr.strip() or done.stdout.strip()}")
    return path


@dataclass
class Rendered:
    state: dict
    plots: list[dict]
    problems: list[str]
    requests: list[str]
    shot: Path


def render(html: Path, chromium: str, shot: Path, readme_picture: Path | None = None) -> Rendered:
    """Load the page, wait until every chart has rendered or failed, screenshot the full page to `shot`
    (and the top 1500x1500 to `readme_picture` when given)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is a test extra: pip install -e '.[test]'")
    problems, requests = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(Path(html).resolve().as_uri())
            page.wait_for_function("window.healthsimCharts && window.healthsimCharts.rendered"
                                   " + window.healthsimCharts.failed.length >= window.healthsimCharts.expected",
                                   timeout=60_000)
            state = page.evaluate("window.healthsimCharts")
            plots = page.evaluate("""Array.from(document.querySelectorAll('[data-chart]')).map(d => {
                const svg = d.querySelector('svg'); const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
                return {id: d.id, width: box.width, height: box.height,
                        marks: svg ? svg.querySelectorAll('path, rect, line, circle').length : 0}; })""")
            page.screenshot(path=str(shot), full_page=True)
            if readme_picture is not None:
                page.screenshot(path=str(readme_picture), clip={"x": 0, "y": 0, "width": 1500, "height": 1500})
        finally:
            browser.close()
    return Rendered(state, plots, problems, requests, Path(shot))


def assert_rendered(r: Rendered, charts) -> None:
    """Every chart rendered as a real plot, no console error, nothing fetched from the network."""
    assert r.state["rendered"] == r.state["expected"] == len(charts) and not r.state["failed"], r.state
    assert {p["id"] for p in r.plots} == set(charts)
    for plot in r.plots:
        assert plot["width"] > 200 and plot["height"] > 80 and plot["marks"] >= 10, plot
    assert not r.problems, r.problems
    assert all(u.startswith(("file:", "data:", "blob:", "about:")) for u in r.requests), r.requests
    assert r.shot.stat().st_size > 100_000
