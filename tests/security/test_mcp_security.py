"""The MCP server under attack, driven over stdio by the official client.

Proves: no file outside the workspace is read or echoed, whichever argument
names it (request, spec, template, save_as, export path), through symlinks, and
whatever the error says (an outside path that exists and one that does not get
the same answer); writes, ATTACH, COPY, extensions and file functions are
refused; a query past the memory, time or reply bound fails with a clear
message and the server stays up; reads during a generation are answered
truthfully; a generation error comes back with its message."""

from __future__ import annotations

import json
import os

import anyio
import pytest
from tests.security.mcp_client import SECRET, call, reply_text, with_server

from healthsim.templates import load_template


@pytest.fixture
def outside(tmp_path):
    """A directory beside the workspace holding a secret in a valid-looking spec."""
    out = tmp_path / "outside"
    out.mkdir()
    (out / "creds.yaml").write_text(f"password: {SECRET}\napi_key: {SECRET}\n")
    (out / "creds.json").write_text(json.dumps({"profile_name": SECRET, "count": 10,
                                                "demographics": {"age": {"distribution": "uniform", "min": 20,
                                                                         "max": 60}},
                                                "coverage": {"type": "commercial"}}))
    return out


def _never_leaks(result, *also: str) -> str:
    text = reply_text(result)
    assert SECRET not in text
    for word in also:
        assert word not in text
    return text


def test_no_file_outside_the_workspace_is_read_or_echoed(tmp_path, outside):
    ws = tmp_path / "ws"
    ws.mkdir()
    os.symlink(outside / "creds.yaml", ws / "link.yaml")
    os.symlink(outside, ws / "linkdir")
    (ws / "specs").mkdir()
    (ws / "specs" / "ok.yaml").write_text(
        "profile_name: inside\ncount: 15\ndemographics: {age: {distribution: uniform, min: 30, max: 60}}\n"
        "coverage: {type: commercial}\n")

    async def body(c) -> None:
        hostile = [
            ("generate_cohort", {"request": str(outside / "creds.yaml")}),
            ("generate_cohort", {"request": str(outside / "creds.json")}),
            ("generate_cohort", {"request": "../outside/creds.yaml"}),
            ("generate_cohort", {"request": f"  {outside / 'creds.yaml'}  "}),
            ("generate_cohort", {"request": f"x\n{outside / 'creds.yaml'}"}),
            ("generate_cohort", {"spec": str(outside / "creds.yaml")}),
            ("generate_cohort", {"spec": "link.yaml"}),
            ("generate_cohort", {"spec": "linkdir/creds.yaml"}),
            ("generate_cohort", {"spec": "/proc/self/environ"}),
            ("generate_cohort", {"template": str(outside / "creds.yaml")}),
            ("preview_entities", {"request": str(outside / "creds.json")}),
            ("preview_entities", {"spec": "linkdir/creds.json"}),
            ("validate_spec", {"spec": {"profile_name": "x", "journeys": [{"template": str(outside / "creds.yaml")}]}}),
        ]
        for tool, args in hostile:
            result = await call(c, tool, args)
            refused = result.is_error or not (result.structured_content or {}).get("valid", False)
            assert refused, (tool, args, reply_text(result))
            _never_leaks(result, "api_key", "password")

        # an outside path that exists and one that does not get the same answer
        there = reply_text(await call(c, "generate_cohort", {"spec": str(outside / "creds.yaml")}))
        absent = reply_text(await call(c, "generate_cohort", {"spec": str(outside / "nothing.yaml")}))
        assert there.replace("creds", "X") == absent.replace("nothing", "X")
        assert "outside the workspace" in there

        # writes go nowhere outside either
        session = (await c.call_tool("builder_start", {"request": "50 commercial members aged 30-50"}))
        sid = session.structured_content["session_id"]
        for _ in range(4):
            turn = await c.call_tool("builder_reply", {"session_id": sid, "message": "yes"})
            if turn.structured_content and turn.structured_content["done"]:
                break
        for target in (str(outside / "saved.yaml"), "../saved.yaml", "linkdir/saved.yaml"):
            saved = await call(c, "builder_reply", {"session_id": sid, "message": "", "save_as": target})
            assert saved.is_error and "outside" in reply_text(saved) or "contains '..'" in reply_text(saved)
        assert sorted(p.name for p in outside.iterdir()) == ["creds.json", "creds.yaml"]

        # a spec file inside the workspace is fine, by `spec` or as the request
        made = await c.call_tool("generate_cohort", {"spec": "specs/ok.yaml", "seed": 3})
        assert not made.is_error, reply_text(made)
        assert made.structured_content["members"] == 15
        cid = made.structured_content["cohort_id"]
        again = await c.call_tool("generate_cohort", {"request": "specs/ok.yaml", "count": 12})
        assert not again.is_error and again.structured_content["members"] == 12

        for path in (str(outside / "exp"), "../exp", "linkdir/exp", ".", "exports/../../exp"):
            exported = await call(c, "export_cohort", {"cohort_id": cid, "format": "csv", "path": path})
            assert exported.is_error, path
        assert sorted(p.name for p in outside.iterdir()) == ["creds.json", "creds.yaml"]

        # SQL cannot reach files either
        for sql in (f"SELECT * FROM read_csv('{outside / 'creds.yaml'}')",
                    f"SELECT * FROM read_text('{outside / 'creds.yaml'}')",
                    f"SELECT * FROM glob('{outside}/*')",
                    f"SELECT * FROM '{outside / 'creds.json'}'",
                    f"COPY persons TO '{outside / 'dump.csv'}'",
                    f"ATTACH '{outside / 'x.duckdb'}' AS x",
                    "INSTALL httpfs", "LOAD httpfs", "SET enable_external_access = true",
                    "PRAGMA database_list", "CREATE TABLE t AS SELECT 1", "DELETE FROM persons",
                    "SELECT 1; DROP TABLE persons",
                    f"SELECT * FROM read_csv('{outside / 'creds.yaml'}') -- ",
                    f"WITH x AS (SELECT 1) SELECT * FROM read_json_auto('{outside / 'creds.json'}')"):
            refused = await call(c, "query_cohort", {"sql": sql})
            assert refused.is_error, sql
            _never_leaks(refused, "api_key")
        assert sorted(p.name for p in outside.iterdir()) == ["creds.json", "creds.yaml"]
        still = await c.call_tool("query_cohort", {"sql": f"SELECT count(*) FROM persons WHERE cohort_id = {cid}"})
        assert still.structured_content["rows"] == [[15]]

    with_server(ws, body)


def test_queries_past_memory_time_or_reply_bounds_fail_clearly_and_the_server_stays_up(tmp_path):
    ws = tmp_path / "ws"

    async def body(c) -> None:
        made = await c.call_tool("generate_cohort", {"template": "commercial-healthy", "count": 300, "seed": 1})
        assert not made.is_error, reply_text(made)

        big = await call(c, "query_cohort", {
            "sql": "SELECT length(string_agg(repeat('x', 1000), '')) FROM range(2000000)"})
        assert big.is_error and "more memory than this server allows (64MB)" in reply_text(big)

        slow = await call(c, "query_cohort", {
            "sql": "SELECT sum(a.range * b.range) FROM range(100000000) a, range(100000) b"})
        assert slow.is_error and "longer than 3 s" in reply_text(slow)

        started = anyio.current_time()
        huge_cell = await c.call_tool("query_cohort", {"sql": "SELECT repeat('x', 30000000) AS big, 1 AS one",
                                                       "max_chars": 2000})
        assert not huge_cell.is_error
        assert len(reply_text(huge_cell)) < 2 * 3000 and "[cut]" in reply_text(huge_cell)
        wide = await c.call_tool("query_cohort", {"sql": "SELECT *, repeat('y', 20000) AS pad FROM persons",
                                                  "limit": 100, "max_chars": 5000})
        assert wide.structured_content["truncated"] and len(reply_text(wide)) < 2 * 6000
        nested = await c.call_tool("query_cohort", {
            "sql": "SELECT list(repeat('z', 100)) AS l, {'a': repeat('w', 100000)} AS s FROM range(100000)",
            "max_chars": 1000})
        assert not nested.is_error and len(reply_text(nested)) < 2 * 2000
        assert anyio.current_time() - started < 60

        alive = await c.call_tool("list_cohorts", {})
        assert [x["cohort_id"] for x in alive.structured_content["cohorts"]] == [1]

    with_server(ws, body, "--query-memory", "64MB", "--query-timeout", "3")


def test_reads_during_a_generation_are_answered_and_errors_carry_their_message(tmp_path):
    ws = tmp_path / "ws"

    async def body(c) -> None:
        first = await c.call_tool("generate_cohort", {"template": "commercial-healthy", "count": 50, "seed": 1})
        assert not first.is_error
        answers: list[str] = []

        slow = {**load_template("medicare-diabetic"), "count": 3000, "seed": 2,
                "journeys": ["diabetic-first-year", "annual-care"]}

        async def generate() -> None:
            made = await c.call_tool("generate_cohort", {"spec": slow})
            assert not made.is_error, reply_text(made)

        async def read_meanwhile() -> None:
            await anyio.sleep(1.5)
            for tool, args in (("list_cohorts", {}), ("query_cohort", {"sql": "SELECT count(*) FROM persons"}),
                               ("summarize_cohort", {"cohort_id": 1}),
                               ("export_cohort", {"cohort_id": 1, "format": "csv"})):
                result = await call(c, tool, args)
                text = reply_text(result)
                assert "different configuration" not in text and not text.strip().endswith(f"tool {tool}")
                if result.is_error:
                    assert "busy: generate_cohort has been running" in text, text
                answers.append("busy" if result.is_error else "ok")
            # tools that do not need the store answer at once
            assert not (await c.call_tool("lookup_code", {"query": "E11.9"})).is_error

        async with anyio.create_task_group() as tg:
            tg.start_soon(generate)
            tg.start_soon(read_meanwhile)
        assert answers and "busy" in answers  # the generation outlasted the 1 s wait at least once

        after = await c.call_tool("query_cohort", {"sql": "SELECT cohort_id, count(*) FROM persons GROUP BY 1 ORDER BY 1"})
        assert after.structured_content["rows"] == [[1, 50], [2, 3000]]

        # a spec that validates but cannot run: the message says why (never a bare failure)
        doc = {"profile_name": "nowhere", "count": 10, "coverage": {"type": "commercial"},
               "demographics": {"age": {"distribution": "uniform", "min": 20, "max": 60}},
               "geography": {"zips": ["00000"]}}
        assert (await c.call_tool("validate_spec", {"spec": doc})).structured_content["valid"]
        failed = await call(c, "generate_cohort", {"spec": doc})
        assert failed.is_error and "no residential ZIP matches" in reply_text(failed)

    with_server(ws, body, "--busy-wait", "1")
