"""HealthSim as an MCP server (official `mcp` SDK, stdio): tools, resources, a prompt.

Every tool is a thin call into `healthsim.api` or the builders (the same code
the CLI and chat run), wrapped so that a user-caused problem comes back as an
error result with a message the client can act on, never a crash. The guard
rails live in `safety.py`: paths confined to the workspace, a count cap, and
read-only queries (enforced by `store.query`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, ValidationError

from healthsim import __version__, api
from healthsim.errors import HealthSimError
from healthsim.mcp.safety import Refused, ServerConfig, check_count, confine
from healthsim.mcp.sessions import Sessions

T = TypeVar("T")
INSTRUCTIONS = """HealthSim generates synthetic, reproducible healthcare data (no real PHI).
Typical flow: parse_request("200 Medicare diabetics with claims in Texas") to see the spec and
what was assumed -> (optionally) builder_start/builder_reply for the 4-phase Profile Builder ->
generate_cohort -> summarize_cohort / query_cohort (read-only SQL over tables persons, conditions,
enrollments, plans, identities, ...; filter by cohort_id) -> export_cohort into the workspace.
lookup_code searches ICD-10-CM, LOINC, RxNorm, CPT/HCPCS. Schemas and templates are resources."""

Text = Annotated[str, Field(max_length=2000)]
CohortId = Annotated[int, Field(ge=1, description="Cohort id from generate_cohort or list_cohorts.")]


def _call(fn: Callable[[], T]) -> T:
    """Run a tool body; our errors become the tool's error result with their message."""
    try:
        return fn()
    except (HealthSimError, ValidationError) as exc:
        raise ToolError(str(exc)) from None


def _turn(session_id: str, turn) -> dict[str, Any]:
    out = {"session_id": session_id, "kind": turn.state.kind, "phase": turn.phase,
           "phase_name": turn.phase_name, "done": turn.done, "message": turn.message(),
           "questions": [q.model_dump() for q in turn.questions], "problems": turn.problems,
           "assumptions": [a.model_dump(mode="json") for a in turn.assumptions]}
    if turn.done and turn.spec is not None:
        out["spec"] = turn.spec.document()
    if turn.journey_document is not None:
        out["journey"] = turn.journey_document
    return out


def _spec_result(spec) -> dict[str, Any]:
    return {"spec": spec.document(), "summary": spec.summary_lines(),
            "assumptions": [a.model_dump(mode="json") for a in spec.assumptions],
            "notes": spec.notes, "unrecognized": spec.unrecognized}


def create_server(config: ServerConfig) -> MCPServer:
    """An MCPServer with HealthSim's tools, resources and prompt, bound to `config`."""
    server = MCPServer(name="healthsim", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")
    sessions = Sessions(config.max_sessions)
    _register_catalog_tools(server)
    _register_builder_tools(server, config, sessions)
    _register_cohort_tools(server, config, sessions)
    _register_resources(server)
    _register_prompt(server)
    return server


def _register_catalog_tools(server: MCPServer) -> None:
    @server.tool(description="List the shipped profile and journey templates.")
    def list_templates(kind: Literal["all", "profile", "journey"] = "all") -> dict[str, Any]:
        chosen = None if kind == "all" else kind
        return {"templates": [t.__dict__ for t in api.list_templates(chosen)]}

    @server.tool(description="A template's YAML and parsed document.")
    def get_template(name: Annotated[str, Field(max_length=100)]) -> dict[str, Any]:
        from healthsim.templates import template_text

        def body() -> dict[str, Any]:
            text = template_text(name)
            return {"name": name, "yaml": text, "document": api.load_template(name)}
        return _call(body)

    @server.tool(description="Search ICD-10-CM, LOINC, RxNorm, CPT/HCPCS or ICD-10-PCS by code or name.")
    def lookup_code(query: Annotated[str, Field(max_length=200)],
                    system: Literal["auto", "icd10cm", "loinc", "rxnorm", "cpt", "icd10pcs"] = "auto",
                    limit: Annotated[int, Field(ge=1, le=50)] = 10) -> dict[str, Any]:
        return _call(lambda: {"results": api.lookup_code(query, system=system, limit=limit)})


def _register_builder_tools(server: MCPServer, config: ServerConfig, sessions: Sessions) -> None:
    @server.tool(description="Turn a request sentence into the full spec (profile, journeys, outputs) "
                             "and list every value that was assumed rather than said.")
    def parse_request(text: Text, count: Annotated[int | None, Field(ge=1)] = None,
                      seed: Annotated[int | None, Field(ge=0)] = None) -> dict[str, Any]:
        return _call(lambda: _spec_result(api.parse_request(text, count=count, seed=seed)))

    @server.tool(description="Start a Profile Builder ('profile') or Journey Builder ('journey') dialogue. "
                             "Returns a session_id and the questions of the current phase, each with "
                             "its default.")
    def builder_start(kind: Literal["profile", "journey"] = "profile", request: Text = "") -> dict[str, Any]:
        return _call(lambda: _turn(*sessions.start(kind, request)))

    @server.tool(description="Answer the current phase of a builder session in plain words ('500, in "
                             "Texas, mostly women'); an empty message accepts the defaults. When done, "
                             "`save_as` writes the spec YAML into the workspace.")
    def builder_reply(session_id: Annotated[str, Field(max_length=40)], message: Text = "",
                      save_as: Annotated[str | None, Field(max_length=300)] = None) -> dict[str, Any]:
        def body() -> dict[str, Any]:
            turn = sessions.reply(session_id, message)
            out = _turn(session_id, turn)
            if save_as and turn.done:
                out["saved"] = str(turn.spec.save(confine(config.workspace, save_as, "save_as path")))
            return out
        return _call(body)

    @server.tool(description="Validate a spec document (a profile, a journey, or a request spec): "
                             "lists every problem with its field path.")
    def validate_spec(spec: dict[str, Any],
                      kind: Literal["auto", "profile", "journey", "request"] = "auto") -> dict[str, Any]:
        return _call(lambda: _validate(spec, kind))


def _validate(doc: dict, kind: str) -> dict[str, Any]:
    from healthsim.builders.journey_adjust import validate_journey
    from healthsim.builders.request import is_request_document
    from healthsim.errors import SpecError

    if kind == "auto":
        kind = "request" if is_request_document(doc) else (
            "journey" if "journey_name" in doc or "phases" in doc or "lifecycle" in doc else "profile")
    try:
        if kind == "journey":
            validate_journey(doc)
            return {"valid": True, "kind": kind, "problems": []}
        spec = api.load_request(doc) if kind == "request" else api.load_request({**doc})
    except SpecError as exc:
        return {"valid": False, "kind": kind, "problems": [p.render() for p in exc.problems]}
    return {"valid": True, "kind": kind, "problems": [], "summary": spec.summary_lines()}


def _register_cohort_tools(server: MCPServer, config: ServerConfig, sessions: Sessions) -> None:
    @server.tool(description="Generate a cohort into the server's store from a request sentence, a spec "
                             "document, a template name, or a finished builder session (give one). "
                             "Counts above the server's cap are refused.")
    async def generate_cohort(request: Text | None = None, spec: dict[str, Any] | None = None,
                              template: Annotated[str | None, Field(max_length=100)] = None,
                              session_id: Annotated[str | None, Field(max_length=40)] = None,
                              count: Annotated[int | None, Field(ge=1)] = None,
                              seed: Annotated[int | None, Field(ge=0)] = None) -> dict[str, Any]:
        def body() -> dict[str, Any]:
            given = [x for x in (request, spec, template, session_id) if x]
            if len(given) != 1:
                raise Refused("give exactly one of request, spec, template or session_id")
            if session_id:
                req = sessions.finished_spec(session_id)
                if count or seed is not None:
                    req = api.load_request(req.document(), count=count, seed=seed)
            else:
                req = api.load_request(spec if spec else (template or request), count=count, seed=seed)
            check_count(req.profile.count, config.max_count)
            run = api.generate_request(req, config.db, workers=1,
                                       exports_root=confine(config.workspace, "exports"))
            r = run.result
            return {"cohort_id": r.cohort_id, "name": r.spec.profile_name, "members": r.spec.count,
                    "exports": [str(e.out) for e in run.exports],
                    "seed": r.spec.seed, "row_counts": r.row_counts, "seconds": round(r.seconds, 2),
                    "checks_outside_interval": [c.name for c in r.checks if not c.ok],
                    "assumptions": [a.render() for a in req.assumptions], "notes": req.notes + run.notes}
        return await anyio.to_thread.run_sync(lambda: _call(body))

    @server.tool(description="List the cohorts in the server's store.")
    def list_cohorts() -> dict[str, Any]:
        return _call(lambda: {"cohorts": [_plain(c) for c in api.list_cohorts(config.db)]})

    @server.tool(description="A cohort's row counts and headline figures: age, sex, states, coverage, "
                             "top conditions.")
    def summarize_cohort(cohort_id: CohortId) -> dict[str, Any]:
        return _call(lambda: _plain(api.summarize_cohort(config.db, cohort_id)))

    @server.tool(description="Run ONE read-only SELECT over the cohort store (DuckDB SQL; tables persons, "
                             "conditions, enrollments, plans, identities, ...; filter by cohort_id). "
                             "Writes, ATTACH, COPY, INSTALL/LOAD, PRAGMA and SET are refused.")
    def query_cohort(sql: Annotated[str, Field(max_length=20_000)],
                     limit: Annotated[int | None, Field(ge=1)] = None) -> dict[str, Any]:
        rows = min(limit or config.max_rows, config.max_rows)
        return _call(lambda: api.query_cohort(config.db, sql, limit=rows, timeout=config.query_timeout))

    @server.tool(description="Export a cohort in a format (parquet, csv, fhir-ndjson, fhir-bundles, ...) "
                             "into a directory inside the workspace (relative path; no '..').")
    async def export_cohort(cohort_id: CohortId, format: Annotated[str, Field(max_length=40)],
                            path: Annotated[str | None, Field(max_length=300)] = None) -> dict[str, Any]:
        def body() -> dict[str, Any]:
            formats = api.list_formats()
            if format not in formats:
                raise Refused(f"unknown format {format!r}; available: {', '.join(formats)}")
            target = confine(config.workspace, path or f"exports/cohort-{cohort_id}/{format}", "export path")
            result = api.export_cohort(config.db, format, target, cohort_id=cohort_id)
            return {"format": result.format, "cohort_id": result.cohort_id, "out": str(result.out),
                    "files": result.files[:200], "file_count": len(result.files), "counts": result.counts}
        return await anyio.to_thread.run_sync(lambda: _call(body))


def _register_resources(server: MCPServer) -> None:
    @server.resource("healthsim://schema/{kind}", mime_type="application/json",
                     description="JSON Schema of a spec kind: profile, journey or request.")
    def schema(kind: str) -> str:
        import json

        return json.dumps(api.json_schema(kind), indent=1)

    @server.resource("healthsim://templates", mime_type="application/json",
                     description="The shipped templates (name, kind, title, description).")
    def templates() -> str:
        import json

        return json.dumps([t.__dict__ for t in api.list_templates()], indent=1)

    @server.resource("healthsim://templates/{name}", mime_type="application/yaml",
                     description="One template's YAML.")
    def template(name: str) -> str:
        from healthsim.templates import template_text

        return template_text(name)


def _register_prompt(server: MCPServer) -> None:
    @server.prompt(name="profile_builder", description="Walk a user through the 4-phase Profile Builder.")
    def profile_builder(request: str = "") -> str:
        opening = f"The user's request: {request!r}." if request else "Ask the user what data they want."
        return (f"{opening}\nBuild a HealthSim cohort spec with the Profile Builder:\n"
                "1. Call builder_start(kind='profile', request=<the request>).\n"
                "2. Show the user the phase's questions with their [defaults]; relay their answer with "
                "builder_reply(session_id, message). An empty message accepts the defaults. Phases: "
                "1 intent and size, 2 demographics and geography, 3 clinical profile and coverage, "
                "4 review and confirm.\n"
                "3. At phase 4 show the summary and the assumptions; when the user confirms, reply 'yes' "
                "(optionally save_as='specs/name.yaml').\n"
                "4. Call generate_cohort(session_id=...) and report summarize_cohort(cohort_id).")


def _plain(value: Any) -> Any:
    """JSON-safe copies of store rows (dates and timestamps as ISO text)."""
    import datetime as dt

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def serve(config: ServerConfig) -> None:
    """Serve over stdio until the client disconnects."""
    create_server(config).run("stdio")
