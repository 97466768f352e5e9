"""`healthsim mcp` end to end: a subprocess spoken to with the official SDK's stdio client."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import duckdb
from mcp import Client, StdioServerParameters

TOOLS = {"list_templates", "get_template", "parse_request", "builder_start", "builder_reply",
         "validate_spec", "generate_cohort", "list_cohorts", "summarize_cohort", "query_cohort",
         "export_cohort", "lookup_code", "describe_tables", "preview_entities"}


def _with_server(workspace: Path, body, max_count: int = 2_000) -> None:
    """Start `healthsim mcp` as a subprocess and run `body(client)` against it."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "healthsim.cli.main", "mcp", "--workspace", str(workspace),
              "--max-count", str(max_count), "--max-rows", "50"])

    async def run() -> None:
        async with Client(params, read_timeout_seconds=120) as client:
            await body(client)

    anyio.run(run)


def test_list_parse_generate_query_summarize_export(tmp_path):
    ws = tmp_path / "ws"

    async def body(c: Client) -> None:
        assert TOOLS <= {t.name for t in (await c.list_tools()).tools}
        parsed = await c.call_tool("parse_request", {"text": "120 Medicare diabetics in Ohio as csv",
                                                      "include_spec": True})
        assert not parsed.is_error
        assert parsed.structured_content["spec"]["profile"]["geography"]["states"] == ["OH"]
        assert any(a.startswith("demographics.age") for a in parsed.structured_content["assumptions"])

        made = await c.call_tool("generate_cohort", {"request": "120 Medicare diabetics in Ohio as csv",
                                                     "seed": 5})
        assert not made.is_error, made.content
        cohort = made.structured_content
        assert cohort["members"] == 120 and cohort["row_counts"]["persons"] == 120
        assert cohort["exports"] == [str((ws / "exports" / "cohort-1" / "csv").resolve())]
        cid = cohort["cohort_id"]

        rows = await c.call_tool("query_cohort", {
            "sql": f"SELECT state, count(*) AS n FROM persons WHERE cohort_id = {cid} GROUP BY 1"})
        assert rows.structured_content["rows"] == [["OH", 120]]
        capped = await c.call_tool("query_cohort", {"sql": "SELECT * FROM persons", "limit": 1000})
        assert capped.structured_content["row_count"] == 50 and capped.structured_content["truncated"]

        summary = await c.call_tool("summarize_cohort", {"cohort_id": cid})
        assert summary.structured_content["states"] == {"OH": 1.0}
        assert summary.structured_content["top_conditions"][0]["code"] == "E11.9"

        exported = await c.call_tool("export_cohort", {"cohort_id": cid, "format": "csv",
                                                       "path": "exports/ohio"})
        assert not exported.is_error, exported.content
        assert Path(exported.structured_content["out"]) == (ws / "exports" / "ohio").resolve()
        assert exported.structured_content["by_extension"][".csv"]["files"] >= 3
        assert (ws / "exports" / "ohio" / "persons.csv").exists()

        listed = await c.call_tool("list_cohorts", {})
        assert [x["cohort_id"] for x in listed.structured_content["cohorts"]] == [cid]
        found = await c.call_tool("lookup_code", {"query": "CHF"})
        assert found.structured_content["results"][0]["code"] == "I50.9"

    _with_server(ws, body)


def test_builder_session_resources_and_prompt(tmp_path):
    ws = tmp_path / "ws"

    async def body(c: Client) -> None:
        started = await c.call_tool("builder_start", {"kind": "profile", "request": "Medicare diabetics"})
        turn = started.structured_content
        assert turn["phase"] == 1 and turn["questions"][0]["key"] == "count"
        sid = turn["session_id"]
        for message in ("80", "", ""):
            turn = (await c.call_tool("builder_reply", {"session_id": sid, "message": message})).structured_content
        assert turn["phase"] == 4 and not turn["done"]
        turn = (await c.call_tool("builder_reply", {"session_id": sid, "message": "yes",
                                                    "save_as": "specs/diabetics.yaml",
                                                    "include_spec": True})).structured_content
        assert turn["done"] and turn["spec"]["profile"]["count"] == 80
        assert (ws / "specs" / "diabetics.yaml").exists()
        made = await c.call_tool("generate_cohort", {"session_id": sid})
        assert made.structured_content["members"] == 80

        bad = await c.call_tool("validate_spec", {"spec": {"profile_name": "x", "count": 0}})
        assert bad.structured_content["valid"] is False
        assert any(p.startswith("count:") for p in bad.structured_content["problems"])

        schema = await c.read_resource("healthsim://schema/profile")
        assert '"ProfileSpec"' in schema.contents[0].text
        template = await c.read_resource("healthsim://templates/medicare-diabetic")
        assert "E11.9" in template.contents[0].text
        prompt = await c.get_prompt("profile_builder", {"request": "200 seniors"})
        assert "builder_start" in prompt.messages[0].content.text

    _with_server(ws, body)


def test_refuses_writes_paths_outside_the_workspace_and_counts_over_the_cap(tmp_path):
    ws, outside = tmp_path / "ws", tmp_path / "outside"

    async def body(c: Client) -> None:
        made = await c.call_tool("generate_cohort", {"template": "commercial-healthy", "count": 30})
        cid = made.structured_content["cohort_id"]
        for sql in ("DELETE FROM persons", "DROP TABLE persons", f"ATTACH '{outside}.db' AS x",
                    f"COPY persons TO '{outside}.csv'", "INSTALL httpfs", "PRAGMA version",
                    "SET threads = 1", "SELECT 1; DELETE FROM persons",
                    f"SELECT * FROM read_csv('{tmp_path}/x.csv')"):
            refused = await c.call_tool("query_cohort", {"sql": sql})
            assert refused.is_error, sql
        text = (await c.call_tool("query_cohort", {"sql": "DELETE FROM persons"})).content[0].text
        assert "only read-only SELECT" in text
        for path in ("../outside", str(outside), "exports/../../outside"):
            refused = await c.call_tool("export_cohort", {"cohort_id": cid, "format": "csv", "path": path})
            assert refused.is_error and "workspace" in refused.content[0].text, path
        too_many = await c.call_tool("generate_cohort", {"request": "5,000 seniors"})
        assert too_many.is_error and "cap of 2,000" in too_many.content[0].text
        unknown = await c.call_tool("summarize_cohort", {"cohort_id": 99})
        assert unknown.is_error and "no cohort 99" in unknown.content[0].text

    _with_server(ws, body)
    assert not outside.exists() and not Path(f"{outside}.csv").exists()
    with duckdb.connect(str(ws / "healthsim.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM persons").fetchone()[0] == 30
