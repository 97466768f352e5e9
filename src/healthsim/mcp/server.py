"""HealthSim as an MCP server (official `mcp` SDK, stdio): tools, resources, a prompt.

Every tool is a thin call into `healthsim.api` or the builders (the same code
the CLI and chat run), wrapped so that a user-caused problem comes back as an
error result with a message the client can act on, never a crash. The guard
rails live in `safety.py`: paths confined to the workspace, a count cap, and
read-only queries (enforced by `store.query`).

Replies are made for an LLM's context: small by default and summarised, with a
`max_chars` argument (replies/fit.py) where a reply can grow (queries,
templates, specs, previews, exports); formats, templates and tables are enums
in the tool schemas; every tool carries read-only / destructive / idempotent
hints; generation and export report progress.
"""

# No `from __future__ import annotations`: the enum types below are built when the
# server is created, and the SDK reads each tool's annotations at registration.

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field, ValidationError

from healthsim import __version__, api
from healthsim.errors import HealthSimError
from healthsim.mcp.replies import DEFAULT_MAX_CHARS, DEFAULT_ROWS, MAX_CHARS_CEILING, fit, fit_rows
from healthsim.mcp.safety import (
    Refused,
    ServerConfig,
    StoreGate,
    check_count,
    confine,
    looks_like_spec_file,
    read_spec_file,
)
from healthsim.mcp.sessions import Sessions

T = TypeVar("T")
INSTRUCTIONS = """HealthSim generates synthetic, reproducible healthcare data (no real PHI).
Typical flow: parse_request("200 Medicare diabetics with claims in Texas") to see what was understood
and assumed -> (optionally) builder_start/builder_reply for the 4-phase Profile Builder ->
preview_entities to see a few members -> generate_cohort -> describe_tables -> summarize_cohort /
query_cohort (read-only SQL; filter by cohort_id) -> export_cohort into the workspace.
lookup_code searches ICD-10-CM, LOINC (also by common names: hba1c, ldl, egfr), RxNorm, CPT/HCPCS.
Replies are trimmed to fit `max_chars` (default 12,000); ask for more with a larger max_chars.
Schemas and templates are resources."""

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
SESSION = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False)
OVERWRITES = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False)

Text = Annotated[str, Field(max_length=2000)]
SpecPath = Annotated[str, Field(max_length=300, description="A .yaml/.json spec file inside the workspace.")]
CohortId = Annotated[int, Field(ge=1, description="Cohort id from generate_cohort or list_cohorts.")]
MaxChars = Annotated[int, Field(ge=500, le=MAX_CHARS_CEILING,
                                description="Largest reply in characters; longer lists are cut and say so.")]


def _call(fn: Callable[[], T]) -> T:
    """Run a tool body; our errors become the tool's error result with their message."""
    try:
        return fn()
    except (HealthSimError, ValidationError) as exc:
        raise ToolError(str(exc)) from None


def _call_any(fn: Callable[[], T], what: str) -> T:
    """As `_call`, and anything else that goes wrong inside generation or export is reported
    with its type and message (never a bare 'Error executing tool')."""
    try:
        return _call(fn)
    except ToolError:
        raise
    except Exception as exc:  # noqa: BLE001 (an engine fault: say what, so the client can report it)
        raise ToolError(f"{what} failed: {type(exc).__name__}: {exc}") from None


async def _store(gate: StoreGate, config: ServerConfig, what: str, fn: Callable[[], T], *,
                 timeout: float | None = None) -> T:
    """Run a tool body that uses the cohort store: in a worker thread, one store user at a
    time (StoreGate), within `timeout` seconds for the whole call (None: no bound, for
    generation and export, which report progress). Errors come back with their message."""
    def body() -> T:
        return gate.run(what, fn, config.busy_wait)

    def guarded() -> T:
        return _call_any(body, what)

    if timeout is None:
        return await anyio.to_thread.run_sync(guarded)
    try:
        with anyio.fail_after(timeout):
            return await anyio.to_thread.run_sync(guarded, abandon_on_cancel=True)
    except TimeoutError:
        raise ToolError(f"{what} took longer than {timeout:g} s and was abandoned; ask for less (filter, "
                        "aggregate, a smaller cohort)") from None


def _names() -> dict[str, tuple[str, ...]]:
    from healthsim.canonical import TABLES

    templates = api.list_templates()
    return {
        "formats": tuple(sorted(api.list_formats())),
        "templates": tuple(t.name for t in templates),
        "profiles": tuple(t.name for t in templates if t.kind == "profile"),
        "trials": tuple(t.name for t in templates if t.kind == "trial"),
        "tables": tuple(sorted(TABLES)) + ("cohorts",),
    }


def _turn(session_id: str, turn, include_spec: bool = False) -> dict[str, Any]:
    out = {"session_id": session_id, "kind": turn.state.kind, "phase": turn.phase,
           "phase_name": turn.phase_name, "done": turn.done, "message": turn.message(),
           "questions": [q.model_dump() for q in turn.questions], "problems": turn.problems,
           "assumptions": [a.render() for a in turn.assumptions]}
    if turn.done and turn.spec is not None:
        out["summary"] = turn.spec.summary_lines()
        if include_spec:
            out["spec"] = turn.spec.document()
    if turn.journey_document is not None and include_spec:
        out["journey"] = turn.journey_document
    return out


def _spec_result(spec, include_spec: bool = False) -> dict[str, Any]:
    out = {"summary": spec.summary_lines(), "assumptions": [a.render() for a in spec.assumptions],
           "notes": spec.notes, "unrecognized": spec.unrecognized}
    if getattr(spec, "trial", None):
        out["trial"] = spec.trial
    if include_spec:
        out["spec"] = spec.document()
    return out


def create_server(config: ServerConfig) -> MCPServer:
    """An MCPServer with HealthSim's tools, resources and prompt, bound to `config`."""
    server = MCPServer(name="healthsim", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")
    sessions = Sessions(config.max_sessions)
    names = _names()
    gate = StoreGate()
    _register_catalog_tools(server, names)
    _register_builder_tools(server, config, sessions)
    _register_cohort_tools(server, config, sessions, names, gate)
    _register_resources(server)
    _register_prompt(server)
    return server


def _register_catalog_tools(server: MCPServer, names: dict) -> None:
    TemplateName = Literal[names["templates"]]

    @server.tool(description="List the shipped profile and journey templates.", annotations=READ_ONLY)
    def list_templates(kind: Literal["all", "profile", "journey"] = "all") -> dict[str, Any]:
        chosen = None if kind == "all" else kind
        return {"templates": [{"name": t.name, "kind": t.kind, "title": t.title,
                               "description": t.description.split("\n")[0][:200]}
                              for t in api.list_templates(chosen)]}

    @server.tool(description="A template: its summary (population, conditions, coverage or phases and events), "
                             "and its YAML when it fits max_chars (full=true for all of it).",
                 annotations=READ_ONLY)
    def get_template(name: TemplateName, full: bool = False,
                     max_chars: MaxChars = DEFAULT_MAX_CHARS) -> dict[str, Any]:
        from healthsim.mcp.replies import template_summary
        from healthsim.templates import template_text

        def body() -> dict[str, Any]:
            text = template_text(name)
            out = {"name": name, **template_summary(api.load_template(name))}
            budget = max_chars - len(str(out)) - 200
            if full or len(text) <= budget:
                out["yaml"] = text if full else text[:budget]
            else:
                out["yaml"] = text[:max(0, budget)]
                out["yaml_truncated"] = (f"the YAML is {len(text):,} characters; {max(0, budget):,} shown. "
                                         f"Read the resource healthsim://templates/{name} or pass full=true "
                                         "with a larger max_chars")
            return fit(out, max_chars)
        return _call(body)

    @server.tool(description="Search ICD-10-CM, LOINC, RxNorm, CPT/HCPCS or ICD-10-PCS by code or name "
                             "(common lab names such as hba1c, ldl, egfr, bnp find their LOINC code).",
                 annotations=READ_ONLY)
    def lookup_code(query: Annotated[str, Field(max_length=200)],
                    system: Literal["auto", "icd10cm", "loinc", "rxnorm", "cpt", "icd10pcs"] = "auto",
                    limit: Annotated[int, Field(ge=1, le=50)] = 10) -> dict[str, Any]:
        return _call(lambda: {"results": api.lookup_code(query, system=system, limit=limit)})

    @server.tool(description="The tables of the cohort store and what they hold; give `table` for its "
                             "columns (name, type, meaning). Every table has cohort_id.",
                 annotations=READ_ONLY)
    def describe_tables(table: Literal[names["tables"]] | None = None) -> dict[str, Any]:
        from healthsim.mcp.replies import describe

        return _call(lambda: describe(table))


def _register_builder_tools(server: MCPServer, config: ServerConfig, sessions: Sessions) -> None:
    @server.tool(description="Turn a request sentence into a spec: what was understood (summary), every "
                             "value assumed rather than said, notes and words not understood. "
                             "include_spec=true adds the full spec document.", annotations=READ_ONLY)
    def parse_request(text: Text, count: Annotated[int | None, Field(ge=1)] = None,
                      seed: Annotated[int | None, Field(ge=0)] = None, include_spec: bool = False,
                      max_chars: MaxChars = DEFAULT_MAX_CHARS) -> dict[str, Any]:
        return _call(lambda: fit(_spec_result(api.parse_request(text, count=count, seed=seed), include_spec),
                                 max_chars))

    @server.tool(description="Start a Profile Builder ('profile') or Journey Builder ('journey') dialogue. "
                             "Returns a session_id and the questions of the current phase, each with "
                             "its default.", annotations=SESSION)
    def builder_start(kind: Literal["profile", "journey"] = "profile", request: Text = "") -> dict[str, Any]:
        return _call(lambda: fit(_turn(*sessions.start(kind, request)), DEFAULT_MAX_CHARS))

    @server.tool(description="Answer the current phase of a builder session in plain words ('500, in "
                             "Texas, mostly women'); an empty message accepts the defaults; 'back' returns "
                             "to the previous phase; edits work in any phase ('change COPD to 20%'). When "
                             "done, `save_as` writes the spec YAML into the workspace.", annotations=SESSION)
    def builder_reply(session_id: Annotated[str, Field(max_length=40)], message: Text = "",
                      save_as: Annotated[str | None, Field(max_length=300)] = None,
                      include_spec: bool = False, max_chars: MaxChars = DEFAULT_MAX_CHARS) -> dict[str, Any]:
        def body() -> dict[str, Any]:
            turn = sessions.reply(session_id, message)
            out = _turn(session_id, turn, include_spec)
            if save_as and turn.done:
                out["saved"] = str(turn.spec.save(confine(config.workspace, save_as, "save_as path")))
            return fit(out, max_chars)
        return _call(body)

    @server.tool(description="Validate a spec document (a profile, a journey, or a request spec; the original "
                             "HealthSim spellings are accepted and translated): lists every problem with its "
                             "field path.", annotations=READ_ONLY)
    def validate_spec(spec: dict[str, Any],
                      kind: Literal["auto", "profile", "journey", "request"] = "auto") -> dict[str, Any]:
        return _call(lambda: fit(_validate(spec, kind), DEFAULT_MAX_CHARS))


def _validate(doc: dict, kind: str) -> dict[str, Any]:
    from healthsim.builders.journey_adjust import validate_journey
    from healthsim.builders.request import is_request_document
    from healthsim.errors import SpecError
    from healthsim.spec import aliases

    if kind == "auto":
        original = aliases.detect(doc)
        kind = "request" if is_request_document(doc) else (
            "journey" if original in ("journey", "journey_fragment") or "journey_name" in doc or "phases" in doc
            or "lifecycle" in doc else "profile")
    try:
        if kind == "journey":
            document = aliases.journey_document(doc)[0] if aliases.looks_original(doc, "journey") else doc
            validate_journey(document)
            return {"valid": True, "kind": kind, "problems": []}
        spec = api.load_request(doc) if kind == "request" else api.load_request({**doc})
    except SpecError as exc:
        return {"valid": False, "kind": kind, "problems": [p.render() for p in exc.problems]}
    except ValueError as exc:
        return {"valid": False, "kind": kind, "problems": [str(exc)]}
    return {"valid": True, "kind": kind, "problems": [], "summary": spec.summary_lines(), "notes": spec.notes}


def _request_from(config: ServerConfig, sessions: Sessions, request, spec, template, session_id, count, seed):
    """The RequestSpec a tool call names. Files are read only inside the workspace
    (safety.read_spec_file); request text is never taken as a path by anything else."""
    from healthsim.spec.load import parse_document

    given = [x for x in (request, spec, template, session_id) if x]
    if len(given) != 1:
        raise Refused("give exactly one of request, spec, template or session_id")
    if session_id:
        req = sessions.finished_spec(session_id)
        if count or seed is not None:
            req = api.load_request(req.document(), count=count, seed=seed)
        return req
    if isinstance(spec, dict):
        return api.load_request(spec, count=count, seed=seed)
    if template:
        if template not in {t.name for t in api.list_templates("profile")}:
            raise Refused("template must be the name of a shipped profile template (list_templates)")
        return api.load_request(template, count=count, seed=seed)
    path = spec if isinstance(spec, str) else (request if looks_like_spec_file(request) else None)
    if path is not None:
        raw, fmt, shown = read_spec_file(config.workspace, path)
        return api.load_request(parse_document(raw, fmt, source=shown), count=count, seed=seed)
    if request.strip() in {t.name for t in api.list_templates("profile")}:
        return api.load_request(request.strip(), count=count, seed=seed)
    return api.parse_request(request, count=count, seed=seed)


def _checked_request(req, config: ServerConfig):
    check_count(req.profile.count, config.max_count)
    return req


class _Progress:
    """The engine's progress(done, total) callback, reported to the client from a worker thread
    (at most ~50 notifications a run)."""

    def __init__(self, ctx: Context | None, what: str, gate: StoreGate | None = None):
        self.ctx, self.what, self.last, self.gate = ctx, what, -1, gate

    def __call__(self, done: int, total: int) -> None:
        if self.gate is not None:
            self.gate.progress(done, total)  # what a tool kept waiting is told
        if self.ctx is None or not total:
            return
        step = int(50 * done / total)
        if step == self.last:
            return
        self.last = step
        try:
            anyio.from_thread.run(self.ctx.report_progress, float(done), float(total),
                                  f"{self.what}: {done:,} of {total:,}")
        except Exception:  # noqa: BLE001 (a client that cannot take progress must not fail the run)
            self.ctx = None


def _register_cohort_tools(server: MCPServer, config: ServerConfig, sessions: Sessions, names: dict,
                           gate: StoreGate) -> None:
    FormatName = Literal[names["formats"]]
    ProfileTemplate = Literal[names["profiles"]]
    tables = ", ".join(n for n in names["tables"])

    @server.tool(description="Generate a cohort into the server's store from a request sentence, a spec "
                             "(a JSON object, or the path of a .yaml/.json file in the workspace), a profile "
                             "template, or a finished builder session (give one). Reports progress. Counts "
                             "above the server's cap are refused.", annotations=WRITES)
    async def generate_cohort(request: Text | None = None, spec: dict[str, Any] | SpecPath | None = None,
                              template: ProfileTemplate | None = None,
                              session_id: Annotated[str | None, Field(max_length=40)] = None,
                              count: Annotated[int | None, Field(ge=1)] = None,
                              seed: Annotated[int | None, Field(ge=0)] = None,
                              ctx: Context | None = None) -> dict[str, Any]:
        progress = _Progress(ctx, "generating members", gate)
        req = await anyio.to_thread.run_sync(lambda: _call_any(lambda: _checked_request(
            _request_from(config, sessions, request, spec, template, session_id, count, seed), config),
            "reading the request"))

        def body() -> dict[str, Any]:
            run = api.generate_request(req, config.db, progress=progress, workers=1,
                                       exports_root=confine(config.workspace, "exports"))
            r = run.result
            out = {"cohort_id": r.cohort_id, "name": r.spec.profile_name, "members": r.spec.count,
                   "exports": [str(e.out) for e in run.exports],
                   "seed": r.spec.seed, "row_counts": r.row_counts, "seconds": round(r.seconds, 2),
                   "checks_outside_interval": [c.name for c in r.checks if not c.ok],
                   "assumptions": [a.render() for a in req.assumptions], "notes": req.notes + run.notes}
            return fit(out, DEFAULT_MAX_CHARS)
        return await _store(gate, config, "generate_cohort", body)

    TrialTemplate = Literal[names["trials"]]

    @server.tool(description="Run a clinical trial protocol (TrialSim): generate its candidates, screen them on "
                             "their member state, randomise, run visits, adverse events, labs and disposition "
                             "into the server's store, export CDISC SDTM into the workspace and check it. "
                             "`protocol` is a shipped trial template (get_template shows one).",
                 annotations=WRITES)
    async def run_trial(protocol: TrialTemplate, subjects: Annotated[int, Field(ge=1)] = 100,
                        seed: Annotated[int | None, Field(ge=0)] = None, export_sdtm: bool = True,
                        ctx: Context | None = None) -> dict[str, Any]:
        progress = _Progress(ctx, "generating trial candidates", gate)
        spec = await anyio.to_thread.run_sync(lambda: _call_any(
            lambda: api.load_protocol(protocol, subjects=subjects, seed=seed), "reading the protocol"))

        def body() -> dict[str, Any]:
            candidates = api.trial_profile(spec)
            check_count(candidates.count, config.max_count)
            run = api.generate_trial(spec, config.db, progress=progress, workers=1)
            out: dict[str, Any] = {"cohort_id": run.result.cohort_id, "study_id": spec.study_id,
                                   "candidates": candidates.count, **run.summary}
            if export_sdtm:
                target = confine(config.workspace, "exports") / f"cohort-{run.result.cohort_id}" / "sdtm"
                exported = api.export_cohort(config.db, "sdtm", target, cohort_id=run.result.cohort_id)
                report = api.validate_sdtm(target)
                out["sdtm"] = {"out": str(exported.out), "records": exported.counts,
                               "conformance_errors": [f.__dict__ for f in report.errors][:20]}
            return fit(out, DEFAULT_MAX_CHARS)
        return await _store(gate, config, "run_trial", body)

    @server.tool(description="A few members of a spec generated in memory (nothing is saved), each as a "
                             "record: demographics, coverage, conditions with onset, a timeline of encounters "
                             "(diagnoses, procedures, labs, prescriptions) and claims with amounts. Give one "
                             "of request, spec, template or session_id.", annotations=READ_ONLY)
    async def preview_entities(request: Text | None = None, spec: dict[str, Any] | SpecPath | None = None,
                               template: ProfileTemplate | None = None,
                               session_id: Annotated[str | None, Field(max_length=40)] = None,
                               n: Annotated[int, Field(ge=1, le=20)] = 3,
                               seed: Annotated[int | None, Field(ge=0)] = None,
                               max_items: Annotated[int, Field(ge=1, le=100)] = 5,
                               max_chars: MaxChars = DEFAULT_MAX_CHARS) -> dict[str, Any]:
        from healthsim.preview import preview

        def body() -> dict[str, Any]:
            req = _request_from(config, sessions, request, spec, template, session_id, None, seed)
            return fit(preview(req, n).as_dict(max_items), max_chars)
        return await anyio.to_thread.run_sync(lambda: _call_any(body, "preview"))

    @server.tool(description="List the cohorts in the server's store.", annotations=READ_ONLY)
    async def list_cohorts(max_chars: MaxChars = DEFAULT_MAX_CHARS) -> dict[str, Any]:
        def body() -> dict[str, Any]:
            rows = [{k: v for k, v in _plain(c).items() if k not in ("spec", "summary")}
                    for c in api.list_cohorts(config.db)]
            return fit({"cohorts": rows}, max_chars)
        return await _store(gate, config, "list_cohorts", body, timeout=config.call_timeout)

    @server.tool(description="A cohort's row counts and headline figures: age, sex, states, coverage, "
                             "top conditions.", annotations=READ_ONLY)
    async def summarize_cohort(cohort_id: CohortId, max_chars: MaxChars = DEFAULT_MAX_CHARS) -> dict[str, Any]:
        return await _store(gate, config, "summarize_cohort",
                            lambda: fit(_plain(api.summarize_cohort(config.db, cohort_id)), max_chars),
                            timeout=config.call_timeout)

    @server.tool(description="Run ONE read-only SELECT over the cohort store (DuckDB SQL; filter by cohort_id). "
                             f"Tables: {tables} (describe_tables gives their columns). At most `limit` rows "
                             f"(default {DEFAULT_ROWS}), and the reply is cut to max_chars. Writes, ATTACH, COPY, "
                             "INSTALL/LOAD, PRAGMA and SET are refused.", annotations=READ_ONLY)
    async def query_cohort(sql: Annotated[str, Field(max_length=20_000)],
                           limit: Annotated[int | None, Field(ge=1)] = None,
                           max_chars: MaxChars = DEFAULT_MAX_CHARS) -> dict[str, Any]:
        from healthsim.mcp.bounded import QueryBounds, bounded_select

        rows = min(limit or DEFAULT_ROWS, config.max_rows)
        bounds = QueryBounds(rows=rows, max_chars=max_chars, memory_limit=config.query_memory,
                             temp_directory=config.temp_directory, timeout=config.query_timeout)

        def body() -> dict[str, Any]:
            result = bounded_select(config.db, sql, bounds)  # bounded before any reply is built
            if limit and limit > config.max_rows:
                result["note"] = f"this server returns at most {config.max_rows:,} rows (--max-rows)"
            return fit_rows(result, max_chars)
        return await _store(gate, config, "query_cohort", body, timeout=config.call_timeout)

    @server.tool(description="Export a cohort in a format into a directory inside the workspace (relative "
                             "path; no '..'); an existing export there is replaced. Reports progress; the reply "
                             "summarises the files by count and size.", annotations=OVERWRITES)
    async def export_cohort(cohort_id: CohortId, format: FormatName,
                            path: Annotated[str | None, Field(max_length=300)] = None,
                            ctx: Context | None = None) -> dict[str, Any]:
        from healthsim.mcp.replies import export_summary

        progress = _Progress(ctx, f"exporting {format}", gate)

        def body() -> dict[str, Any]:
            target = confine(config.workspace, path or f"exports/cohort-{cohort_id}/{format}", "export path")
            if target == config.workspace.resolve() or config.db.resolve().is_relative_to(target):
                raise Refused("export into a folder of its own inside the workspace (e.g. "
                              f"'exports/cohort-{cohort_id}/{format}'), not one holding the store")
            result = api.export_cohort(config.db, format, target, cohort_id=cohort_id, progress=progress)
            return fit(export_summary(result), DEFAULT_MAX_CHARS)
        return await _store(gate, config, "export_cohort", body)

    if hasattr(api, "validate"):
        @server.tool(description="Compare a cohort with published benchmarks (prevalence, utilisation, "
                                 "costs) and report what is in and out of range.", annotations=READ_ONLY)
        async def validate_cohort(cohort_id: CohortId, max_chars: MaxChars = DEFAULT_MAX_CHARS) -> dict[str, Any]:
            def body() -> dict[str, Any]:
                result = api.validate(config.db, cohort_id=cohort_id)
                doc = result.as_dict() if hasattr(result, "as_dict") else (
                    result.model_dump(mode="json") if hasattr(result, "model_dump") else result)
                return fit(_plain(doc if isinstance(doc, dict) else {"result": doc}), max_chars)
            return await _store(gate, config, "validate_cohort", body)


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
                "builder_reply(session_id, message). An empty message accepts the defaults; 'back' returns to "
                "the previous phase. Phases: 1 intent and size, 2 demographics and geography, 3 clinical "
                "profile and coverage, 4 review and confirm.\n"
                "3. At phase 4 show the summary and the assumptions; when the user confirms, reply 'yes' "
                "(optionally save_as='specs/name.yaml').\n"
                "4. Call preview_entities(session_id=...) to show a few members, then "
                "generate_cohort(session_id=...) and report summarize_cohort(cohort_id).")


def _plain(value: Any) -> Any:
    """JSON-safe copies of store rows (dates and timestamps as ISO text)."""
    import datetime as dt
    import decimal

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def serve(config: ServerConfig) -> None:
    """Serve over stdio until the client disconnects."""
    create_server(config).run("stdio")
