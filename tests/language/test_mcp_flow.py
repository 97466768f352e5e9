"""An MCP client (the official SDK over stdio) through the whole flow, every reply small by default.

build (Profile Builder) -> preview -> generate (with progress notifications) -> describe_tables ->
query -> validate (when the validation tool is installed) -> export, and the replies that used to
overflow a client's context (SELECT * FROM observations, get_template annual-care) are each under
20,000 characters unless the client asks for more with max_chars.
"""

from __future__ import annotations

import json
import sys

import anyio
from mcp import Client, StdioServerParameters

LIMIT = 20_000


def _size(result) -> int:
    return len(json.dumps(result.structured_content)) if result.structured_content is not None else sum(
        len(getattr(c, "text", "")) for c in result.content)


def test_build_preview_generate_describe_query_validate_export(tmp_path):
    ws = tmp_path / "ws"
    params = StdioServerParameters(command=sys.executable, args=[
        "-m", "healthsim.cli.main", "mcp", "--workspace", str(ws), "--max-count", "500"])
    sizes: dict[str, int] = {}
    progress: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total))

    async def call(c: Client, tool: str, args: dict, **kw):
        result = await c.call_tool(tool, args, **kw)
        assert not result.is_error, (tool, result.content)
        sizes[f"{tool} {sorted(args)}"] = _size(result)
        return result.structured_content

    async def body(c: Client) -> None:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        assert tools["query_cohort"].annotations.read_only_hint
        assert tools["export_cohort"].annotations.destructive_hint
        assert not tools["generate_cohort"].annotations.read_only_hint
        schema = tools["export_cohort"].input_schema["properties"]["format"]
        assert "x12-835" in schema["enum"] and "fhir-ndjson" in schema["enum"]
        assert "observations" in tools["query_cohort"].description

        turn = await call(c, "builder_start", {"kind": "profile", "request": "60 Medicare diabetics in Ohio"})
        sid = turn["session_id"]
        for message in ("", "change COPD to 20% and add claims", "", "yes"):
            turn = await call(c, "builder_reply", {"session_id": sid, "message": message})
            if turn["done"]:
                break
        assert turn["done"], turn

        shown = await call(c, "preview_entities", {"session_id": sid, "n": 2})
        assert shown["members_shown"] == 2 and shown["members"][0]["conditions"]

        made = await call(c, "generate_cohort", {"session_id": sid}, progress_callback=on_progress)
        cid = made["cohort_id"]
        assert made["members"] == 60

        tables = await call(c, "describe_tables", {})
        assert {"persons", "observations", "claims"} <= {t["name"] for t in tables["tables"]}
        columns = await call(c, "describe_tables", {"table": "observations"})
        assert any(col["name"] == "loinc" for col in columns["columns"])

        everything = await call(c, "query_cohort", {"sql": "SELECT * FROM observations"})
        assert everything["row_count"] <= 50 and everything["truncated"]
        ohio = await call(c, "query_cohort", {"sql": f"SELECT state, count(*) FROM persons WHERE cohort_id = {cid} "
                                                     "GROUP BY 1"})
        assert ohio["rows"] == [["OH", 60]]
        copd = await call(c, "query_cohort", {"sql": f"SELECT count(*) FROM conditions WHERE cohort_id = {cid} "
                                                     "AND code LIKE 'J44%'"})
        assert 0 < copd["rows"][0][0] < 30  # the edit in the dialogue: COPD in about 20%

        if "validate_cohort" in tools:
            await call(c, "validate_cohort", {"cohort_id": cid})

        exported = await call(c, "export_cohort", {"cohort_id": cid, "format": "fhir-ndjson"},
                              progress_callback=on_progress)
        assert exported["file_count"] >= 3 and exported["total_bytes"] > 0
        assert "files" not in exported  # summarised, not every name

        await call(c, "get_template", {"name": "annual-care"})
        await call(c, "parse_request", {"text": "2k dual-eligible seniors with CHF, COPD and CKD stage 4 in "
                                                "Florida and Georgia with claims as FHIR"})
        await call(c, "lookup_code", {"query": "hba1c"})
        bigger = await c.call_tool("get_template", {"name": "annual-care", "full": True, "max_chars": 200_000})
        assert _size(bigger) > LIMIT  # the whole YAML when asked for

        bad = await c.call_tool("generate_cohort", {"spec": {"profile_name": "x", "count": 10,
                                                             "demographics": {"age": {"distribution": "normal",
                                                                                      "mean": 40, "std_dev": 5}},
                                                             "conditions": [{"code": "E11.99X"}],
                                                             "coverage": {"type": "commercial"}}})
        assert bad.is_error and "E11.99X" in bad.content[0].text and "did you mean" in bad.content[0].text

    async def run() -> None:
        async with Client(params, read_timeout_seconds=180) as client:
            await body(client)

    anyio.run(run)
    assert all(n < LIMIT for n in sizes.values()), {k: v for k, v in sizes.items() if v >= LIMIT}
    assert progress and progress[-1][0] == progress[-1][1]  # progress reached the total


def test_an_engine_fault_inside_generation_is_reported_with_its_message():
    import pytest
    from mcp.server.mcpserver.exceptions import ToolError

    from healthsim.mcp.server import _call_any

    def broken():
        raise KeyError("member_state")

    with pytest.raises(ToolError, match="generation failed: KeyError: 'member_state'"):
        _call_any(broken, "generation")
