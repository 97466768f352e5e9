"""Names from a spec shown on the terminal: control characters never reach it (no escape
sequence can clear the screen or retitle the window) and Rich markup in data prints
as the text it is."""

from __future__ import annotations

import json

from healthsim.cli.main import main
from healthsim.cli.render import safe_text, strip_controls

NAME = "Evil \x1b[2J\x1b]0;pwned\x07[bold red]X[/] \x00\x08\r\x9b31m"


def test_safe_text_strips_controls_and_escapes_markup():
    assert safe_text("[red]x\x1b[0m") == "\\[red]x [0m"
    assert strip_controls("a\tb\nc\x1bd\x00e\x7f\x85") == "a\tb\nc d e  "


def test_names_with_escapes_and_markup_print_as_plain_text(tmp_path, capsys):
    spec = tmp_path / "evil.json"
    spec.write_text(json.dumps({"profile_name": NAME, "count": 20, "coverage": {"type": "commercial"},
                                "demographics": {"age": {"distribution": "uniform", "min": 20, "max": 60}},
                                "conditions": [{"code": "I10", "prevalence": 0.3, "name": NAME}]}))
    db = tmp_path / "t.duckdb"
    assert main(["generate", str(spec), "--db", str(db)]) == 0
    assert main(["cohorts", "list", "--db", str(db)]) == 0
    assert main(["cohorts", "show", "1", "--db", str(db)]) == 0
    assert main(["query", "--db", str(db), "SELECT name FROM cohorts"]) == 0
    assert main(["cohorts", "delete", "1", "--db", str(db), "--yes"]) == 0
    captured = capsys.readouterr()
    for stream in (captured.out, captured.err):
        assert not any(ch in stream for ch in "\x1b\x00\x07\x08\x9b"), repr(stream[:400])
    assert "[bold red]X[/]" in captured.out  # shown literally, not as red
