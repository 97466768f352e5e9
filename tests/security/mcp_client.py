"""Drive `healthsim mcp` over stdio with the official MCP client (as an LLM host would)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

SECRET = "hunter2-Zq8"  # the content no reply may ever contain


def with_server(workspace: Path, body, *flags: str, max_count: int = 5_000) -> None:
    """Start `healthsim mcp --workspace WORKSPACE` and run `await body(client)` against it."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "healthsim.cli.main", "mcp", "--workspace", str(workspace),
              "--max-count", str(max_count), "--max-rows", "100", *flags])

    async def run() -> None:
        async with Client(params, read_timeout_seconds=180) as client:
            await body(client)

    anyio.run(run)


def reply_text(result) -> str:
    """Everything a tool result carries, as one string (content blocks and structured content)."""
    parts = [getattr(block, "text", "") or "" for block in result.content or []]
    if result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, default=str))
    return "\n".join(parts)


async def call(client: Client, tool: str, args: dict):
    """A tool result, or the error the client raised for arguments the schema refuses."""
    try:
        return await client.call_tool(tool, args)
    except Exception as exc:  # noqa: BLE001 (schema validation errors surface as exceptions)
        return _Refusal(str(exc))


class _Refusal:
    """A call the client or server refused before the tool ran (schema validation)."""

    is_error = True
    structured_content = None

    def __init__(self, text: str):
        self.content = [type("T", (), {"text": text})()]
