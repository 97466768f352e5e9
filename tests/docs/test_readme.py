"""README.md and docs/api.md stay true: their commands and Python snippets run, and the
outputs they show still match (tests/docs/readme_runner.py has the conventions)."""

from __future__ import annotations

from pathlib import Path

from tests.docs.readme_runner import MAX_COUNT, compare, normalize, parse, report, run

ROOT = Path(__file__).resolve().parents[2]


def test_readme_commands_run_and_show_what_they_print(tmp_path):
    doc, outcomes = run(ROOT / "README.md", tmp_path)
    problems = report(ROOT / "README.md", doc, outcomes)
    assert not problems, ("README.md no longer matches what its commands do (see each line; "
                          "`.venv/bin/python tests/docs/readme_runner.py README.md` prints the actual output):\n"
                          + problems)
    ran = [o for o in outcomes if o.command.skip is None]
    assert len(ran) >= 15 and any(o.command.kind == "python" for o in ran)
    assert all(o.command.skip for o in outcomes if o.command.text.startswith("make "))


def test_api_doc_snippets_run(tmp_path):
    doc, outcomes = run(ROOT / "docs" / "api.md", tmp_path)
    problems = report(ROOT / "docs" / "api.md", doc, outcomes)
    assert not problems, problems
    assert sum(o.command.kind == "python" for o in outcomes) >= 3


def test_runner_conventions(tmp_path):
    md = tmp_path / "doc.md"
    md.write_text("""
<!-- readme-test: file="hello.txt" -->
```text
hello there
```

```sh
cat hello.txt
healthsim-does-not-exist --count 5000   # exit 127
```

<!-- readme-test: skip="sleep" reason="slow" -->
```console
$ sleep 1000
$ printf 'cohort 3: 12 files in 1.25 s (4,567 members/s)\\n a  │  1 \\n━━━━╇━━\\nlast line is long\\n'
cohort 3: 12 files in 9.99 s (12 members/s)
...
 a │ 1
━╇━
last line ...
$ echo nope   # exit 3
$ printf 'x\\n'
y
```

<!-- readme-test: skip="absent" reason="stale" -->
```sh
echo hi
```

<!-- readme-test: skip -->
```sh
echo hi
```
""")
    (tmp_path / "work").mkdir()
    doc, outcomes = run(md, tmp_path / "work")
    by_text = {o.command.text.split("#")[0].strip(): o for o in outcomes}
    assert (tmp_path / "work" / "hello.txt").read_text() == "hello there\n"
    assert by_text["cat hello.txt"].problems == [] and by_text["cat hello.txt"].stdout == "hello there\n"
    capped = by_text[f"healthsim-does-not-exist --count {MAX_COUNT}"]
    assert capped.command.capped and capped.problems == []  # exit 127 as declared
    assert by_text["sleep 1000"].command.skip == "slow" and by_text["sleep 1000"].code is None
    assert [o.problems for o in outcomes if o.command.text.startswith("printf 'cohort")] == [[]]
    assert "exit code 0, expected 3" in by_text["echo nope"].problems[0]
    assert "shown:  y" in by_text["printf 'x\\n'"].problems[0]
    text = report(md, doc, outcomes)
    assert "skip='absent' matches no command" in text and "needs reason" in text


def test_normalize_masks_what_changes_between_runs():
    assert normalize("cohort 1 in out/x.duckdb: 0.89 s (225 members/s, 76,174 rows/s)") == \
        normalize("cohort 1 in out/x.duckdb: 12.3 s (1,225 members/s, 6,174 rows/s)")
    assert normalize(" persons   │    200 ") == "persons 200"
    assert normalize("━━━━━━╇━━━━━") == normalize("━━╇━━━━━━━━━")
    assert normalize("created 2026-11-02 10:11:12") == "created <time>"
    assert compare(["persons │ 200"], "x\n persons │   200 \n") == []
    assert compare(["persons │ 201"], " persons │   200 \n") != []
    assert parse(ROOT / "README.md").problems == []
