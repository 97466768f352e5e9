"""healthsim report: one self-contained page with every plot's spec and data inline."""

from __future__ import annotations

import json
import re

from healthsim import api
from healthsim.cli.main import main
from healthsim.validation.report.page import esc, script_json

CHARTS = {"chart-pyramid", "chart-prevalence", "chart-utilization", "chart-pmpm", "chart-concentration",
          "chart-a1c", "chart-states", "chart-ratios"}


def test_the_report_draws_every_plot_for_a_diabetic_cohort(diabetic_report):
    assert set(diabetic_report.charts) == CHARTS and not diabetic_report.empty
    text = diabetic_report.path.read_text()
    specs = json.loads(re.search(r"const specs = (\{.*?\});\n", text, re.DOTALL).group(1).replace("<\\/", "</"))
    assert set(specs) == CHARTS
    for cid, spec in specs.items():
        assert "$schema" not in spec
        assert '"values"' in json.dumps(spec), cid  # data inline


def test_the_page_is_self_contained(diabetic_report):
    text = diabetic_report.path.read_text()
    assert not re.search(r"<script[^>]+src=", text), "no external scripts"
    assert not re.search(r"<link[^>]+href=", text), "no external stylesheets"
    assert not re.search(r"""(src|href)=["']?(https?:)?//(?!.*\.(gov|org|com|edu))""", text)
    assert "vegaEmbed" in text and len(text) > 500_000  # the bundle is inline


def test_a_cohort_without_a1c_says_so_instead_of_an_empty_plot(validation_store, tmp_path):
    r = api.report(validation_store["db"], tmp_path / "c.html", validation_store["commercial"])
    text = r.path.read_text()
    if "chart-a1c" in r.empty:
        assert 'data-chart-empty="chart-a1c"' in text and "no A1c results" in text
    assert "chart-pyramid" in r.charts and "chart-states" in r.charts


def test_text_is_escaped_before_it_reaches_the_page():
    assert esc('<img src=x onerror="y">') == "&lt;img src=x onerror=&quot;y&quot;&gt;"
    assert "</script>" not in script_json({"a": "</script><script>alert(1)</script>"})


def test_cli_writes_the_report_and_refuses_a_bad_path(validation_store, tmp_path, capsys):
    out = tmp_path / "sub" / "r.html"
    assert main(["report", "--db", str(validation_store["db"]), "--out", str(out)]) == 0
    assert out.is_file() and "written to" in capsys.readouterr().out
    assert not list(out.parent.glob(".r.html.*"))  # no temp file left behind
    assert main(["report", "--db", str(validation_store["db"]), "--out", str(tmp_path / "r.pdf")]) == 2
    err = " ".join(capsys.readouterr().err.replace("│", " ").split())  # the panel wraps long paths
    assert "ending in .html" in err
