"""The service layer: the one set of functions the CLI, chat and MCP call.

Nothing here prints or parses arguments; every function takes plain values
and returns plain data (or raises a HealthSimError the edges render).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from healthsim import __version__, interrupts
from healthsim.engine.run import Progress, RunPlan, chunked, iter_blocks, static_tables
from healthsim.engine.seeds import BLOCK_SIZE
from healthsim.engine.stats import Check, RunStats, checks
from healthsim.errors import FieldProblem, HealthSimError, NotFoundError, SpecError, UsageError
from healthsim.plan.population import compile_profile
from healthsim.progress import step
from healthsim.spec.load import read_document, validate_model
from healthsim.spec.profile import ProfileSpec
from healthsim.store.cohort_store import CohortMeta, CohortStore
from healthsim.templates import list_templates, load_template

if TYPE_CHECKING:
    from healthsim.builders.request import RequestSpec
    from healthsim.formats.base import ExportResult
    from healthsim.validation.report import ReportResult
    from healthsim.validation.result import ValidationResult

DEFAULT_DB = Path("out/healthsim.duckdb")
FrameKind = Literal["pandas", "polars", "arrow"]


def load_profile(source: str | Path | dict, *, count: int | None = None, seed: int | None = None,
                 name: str | None = None, journeys: list[str | Path | dict] | None = None,
                 origin: str | None = None) -> ProfileSpec:
    """A validated profile from a file path, a template name, or a dict, with overrides.

    `journeys` adds journeys for every member: template names or journey spec files.
    `origin` names a dict's source in error messages (default: 'spec').
    """
    if isinstance(source, dict):
        data, origin = dict(source), origin or "spec"
    elif Path(str(source)).suffix.lower() in (".yaml", ".yml", ".json"):
        data, origin = read_document(source), str(source)
    else:
        data, origin = load_template(str(source), kind="profile"), f"template {source}"
    if name is not None:
        data.pop("name", None)
        data["profile_name"] = name
    for key, value in (("count", count), ("seed", seed)):
        if value is not None:
            data[key] = value
    if journeys:
        data["journeys"] = list(data.get("journeys") or []) + [_journey_ref(j) for j in journeys]
    return validate_model(ProfileSpec, data, source=origin)


def _journey_ref(source: str | Path | dict) -> dict:
    """A journey attachment from a template name, a spec file, or a spec dict."""
    if isinstance(source, dict):
        return {"spec": source}
    if Path(str(source)).suffix.lower() in (".yaml", ".yml", ".json"):
        return {"spec": read_document(source)}
    return {"template": str(source)}


def spec_document(spec: ProfileSpec) -> dict[str, Any]:
    """The spec as the JSON document stored with the cohort (re-loadable)."""
    return spec.model_dump(mode="json", by_alias=True, exclude_none=True)


@dataclass
class GenerateResult:
    cohort_id: int
    db: Path
    spec: ProfileSpec
    row_counts: dict[str, int]
    checks: list[Check]
    seconds: float
    stats: dict = field(default_factory=dict)
    financials: dict = field(default_factory=dict)

    @property
    def members_per_second(self) -> float:
        return self.spec.count / self.seconds if self.seconds else float("inf")


def default_workers(spec: ProfileSpec, requested: int | None = None) -> int:
    """Worker processes for a run: as asked, else one per CPU (max 4) for multi-block runs
    with journeys. A population-only block is cheap to make next to its insert, so
    handing it between processes costs more than it saves (measured: 1M members
    19 s in one process)."""
    if requested is not None:
        if requested < 1:
            raise SpecError([FieldProblem("workers", "must be at least 1", requested)])
        return requested
    blocks = -(-spec.count // BLOCK_SIZE)
    if blocks < 3 or not spec.journeys:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def _with_end_of_life(attachments: list) -> list:
    """Cohorts with journeys also get the terminal admissions of the members the state has die in hospital;
    with a year of care (annual-care), hospice for the members who die elsewhere."""
    from healthsim.spec.journey import JourneyAttachment

    names = {getattr(a, "template", None) for a in attachments}
    out = list(attachments)
    if attachments and "end-of-life" not in names:
        out.append(JourneyAttachment.model_validate({"template": "end-of-life"}))
    if "annual-care" in names and "hospice" not in names:
        # ~47% of Medicare decedents use hospice (NHPCO 2022); ~80% die outside hospital: 0.47 / 0.8
        out.append(JourneyAttachment.model_validate({"template": "hospice", "share": 0.59}))
    return out


def build_run(spec: ProfileSpec) -> RunPlan:
    """Compile a spec into the run plan (population + any product steps)."""
    from healthsim.plan.journey import compile_attachments
    from healthsim.products.claims.denials import DenialPolicy
    from healthsim.products.claims.step import ClaimsStep
    from healthsim.products.network.step import NetworkStep
    from healthsim.products.patient.step import PatientJourneyStep
    from healthsim.state import MemberStateStep

    population = compile_profile(spec)
    network = NetworkStep.from_plan(population)
    journeys = compile_attachments(_with_end_of_life(spec.journeys))
    # first, always: every product reads the member state (with journeys, their step writes its tables)
    state = MemberStateStep(population, tables_later=bool(journeys))
    steps = [state, network]
    if journeys:  # journeys next: NetworkSim assigns providers to their encounters, then claims
        steps = [state, PatientJourneyStep(population, journeys), network]
        c = spec.claims
        if c.medical or c.pharmacy:
            policy = DenialPolicy(claim_rate=c.claim_denial_rate, line_rate=c.line_denial_rate)
            steps.append(ClaimsStep.from_plan(population, network.network, policy,
                                              medical=c.medical, pharmacy=c.pharmacy))
    return RunPlan(population=population, steps=steps)


def generate(spec: ProfileSpec, db: str | Path = DEFAULT_DB, progress: Progress | None = None,
             *, workers: int = 1, chunk_blocks: int = 1, _trial=None) -> GenerateResult:
    """Execute a profile into a new cohort in the DuckDB file `db`.

    `workers` > 1 makes blocks in that many processes; `chunk_blocks` groups
    blocks per insert. Neither changes any value written.
    """
    started = time.perf_counter()
    step(progress, "plan")
    run = build_run(spec)
    stats = RunStats()
    step(progress, "static tables")
    static = static_tables(run)
    doc = spec_document(spec)
    meta = CohortMeta(spec.profile_name, doc, spec.seed, spec.count, spec.as_of.isoformat(),
                      run.block_size, __version__)
    result: dict[str, Any] = {}

    extra_rows: dict[str, int] = {}

    def finish() -> tuple[dict, dict]:
        step(progress, "checks and commit")
        counts = {name: int(t.num_rows) for name, t in static.items()}
        counts.update({k: int(v) for k, v in stats.rows.items()})
        for name, n in extra_rows.items():
            counts[name] = counts.get(name, 0) + n
        result["checks"] = checks(run.population, stats)
        summary = {"checks": [c.__dict__ | {"ok": c.ok} for c in result["checks"]], "stats": stats.as_dict()}
        if "trial" in result:
            summary["trial"] = result["trial"]
        result["counts"] = counts
        return counts, summary

    after = None
    blocks_in = iter_blocks(run, stats, progress, workers=workers)
    made = blocks_in
    if _trial is not None:  # TrialSim: keep what screening reads as blocks pass, run the protocol at the end
        made, after = _trial_tap(_trial, blocks_in, static, spec, result, extra_rows, progress)

    if workers > 1:
        step(progress, f"blocks in {workers} processes")
    new_file = not Path(db).exists()
    try:  # closing the block generator stops worker processes and removes the spool at once
        step(progress, "open store")
        with CohortStore(db) as store:
            cohort_id = store.write_cohort(meta, static, _announcing(chunked(made, chunk_blocks), progress, "write"),
                                           finish, threads=1 if workers > 1 else None, after_blocks=after)
    except BaseException:
        if new_file:  # the run made the file and nothing was committed: leave no empty store behind
            _remove_store_file(db)
        raise
    finally:
        blocks_in.close()
    from healthsim.store.query import financials

    step(progress, "financials")
    try:
        money = financials(db, cohort_id)
    except KeyboardInterrupt as exc:  # the cohort is in the file: say so, so nobody re-runs it
        raise interrupts.mark_committed(exc, f"cohort {cohort_id} in {db}") from None
    return GenerateResult(cohort_id, Path(db), spec, result["counts"], result["checks"],
                          time.perf_counter() - started, stats.as_dict(), money)


def _trial_tap(protocol, blocks, static, spec, result, extra_rows, progress):
    """(blocks passed through while the trial's inputs are kept, the after-blocks trial run)."""
    from healthsim.products.trial import TrialInputs, run_trial, tap_filter

    parts: dict[str, list] = {}

    def tapped():
        for tables in blocks:
            for name, t in tables.items():
                kept = tap_filter(name, t)
                if kept is not None:
                    parts.setdefault(name, []).append(kept)
            yield tables

    def after() -> dict:
        step(progress, f"trial {protocol.study_id}")
        inputs = TrialInputs.from_parts(parts, static["facilities"])
        out = run_trial(protocol, inputs, spec.as_of)
        result["trial"] = out.summary
        tables = {**out.tables, **out.emr}
        for name, t in tables.items():
            extra_rows[name] = int(t.num_rows)
        return tables

    return tapped(), after


@dataclass
class TrialRun:
    """A protocol run: the cohort it went into and what the trial made."""

    result: GenerateResult
    protocol: Any
    summary: dict


def load_protocol(source: str | Path | dict, *, subjects: int | None = None, seed: int | None = None):
    """A ProtocolSpec from a shipped trial template name, a YAML/JSON file, or a dict."""
    from healthsim.spec.trial import ProtocolSpec

    if isinstance(source, dict):
        data, origin = dict(source), "trial protocol"
    elif isinstance(source, str | Path) and Path(source).suffix.lower() in (".json", ".yaml", ".yml"):
        data, origin = read_document(source), str(source)
    else:
        data, origin = load_template(str(source), "trial"), f"trial template {source}"
    if subjects is not None:
        # a stated site rate is for the protocol's planned size: more subjects from the same sites in
        # the same enrollment period means screening proportionally faster
        rec = data.get("recruitment")
        if isinstance(rec, dict) and rec.get("site_rate") and data.get("subjects"):
            try:
                data["recruitment"] = {**rec, "site_rate": float(rec["site_rate"]) * subjects / int(data["subjects"])}
            except (TypeError, ValueError, ZeroDivisionError):
                pass  # the spec's own validation names the bad field
        data["subjects"] = subjects
    if seed is not None:
        data["seed"] = seed
    return validate_model(ProtocolSpec, data, source=origin)


def trial_profile(protocol) -> ProfileSpec:
    """The candidate population a protocol screens: its recruitment profile, sized and windowed."""
    import math

    from healthsim.products.trial.run import study_span_days

    doc = dict(protocol.recruitment.profile)
    if "template" in doc:
        base = load_template(str(doc.pop("template")), "profile")
        doc = {**base, **doc}
    # at least 600 candidates: a network (and so trial sites near enough) needs a population around it
    doc["count"] = max(600, math.ceil(protocol.subjects * protocol.recruitment.candidates_per_subject))
    doc["seed"] = protocol.seed
    # candidates need a member state and a record, not a year of claims (the costliest tables): claims
    # only when the recruitment profile asks for them
    doc.setdefault("claims", {"medical": False, "pharmacy": False})
    span = study_span_days(protocol) + protocol.criteria.lab_lookback_days + 30
    # the window the study and the lab lookback need, not rounded up to whole years (care is generated
    # for every day of it)
    doc["window"] = {"years": min(10.0, math.ceil(span / 365.25 * 100) / 100)}
    return validate_model(ProfileSpec, doc, source=f"trial {protocol.study_id} recruitment.profile")


def generate_trial(protocol, db: str | Path = DEFAULT_DB, progress: Progress | None = None, *,
                   workers: int | None = None) -> TrialRun:
    """Generate a protocol's candidates (member state, a year of care each), screen and randomise them,
    and run the trial: one cohort holding the candidates, the trial tables and the trial visits."""
    spec = trial_profile(protocol)
    result = generate(spec, db, progress, workers=default_workers(spec, workers), _trial=protocol)
    from healthsim.store.cohort_store import CohortStore as _Store

    with _Store(db, read_only=True) as store:
        summary = (store.get_cohort(result.cohort_id).get("summary") or {}).get("trial", {})
    return TrialRun(result, protocol, summary)


def validate_sdtm(folder: str | Path):
    """HealthSim's SDTM conformance check over an export directory (formats/sdtm/conformance.py)."""
    from healthsim.formats.sdtm.conformance import check

    if not Path(folder).is_dir():
        raise NotFoundError(f"no SDTM export at {folder}: export one with --format sdtm")
    return check(folder)


def run_trial_on_cohort(protocol, db: str | Path, cohort_id: int | None = None,
                        progress: Progress | None = None) -> TrialRun:
    """Recruit a protocol's subjects from a cohort already in the store (screened on its member state)
    and add the trial to that cohort in one transaction. The cohort's window should cover the study
    (and the lab lookback): the summary notes it when it does not."""
    from datetime import date as _date
    from datetime import timedelta

    from healthsim.products.trial import TrialInputs, run_trial
    from healthsim.products.trial.inputs import store_queries
    from healthsim.products.trial.run import study_span_days

    if not Path(db).exists():
        raise NotFoundError(f"no cohort database at {db}")
    with CohortStore(db) as store:
        cohorts = store.list_cohorts()
        if cohort_id is None:
            if not cohorts:
                raise NotFoundError(f"no cohorts in {db}")
            cohort_id = cohorts[-1]["cohort_id"]
        info = store.get_cohort(cohort_id)
        held = store.con.execute("SELECT study_id FROM studies WHERE cohort_id = ?", [cohort_id]).fetchall()
        if held:
            raise UsageError(f"cohort {cohort_id} already holds trial {held[0][0]}: one trial per cohort "
                             "(its subjects' USUBJIDs share the identity crosswalk)")
        step(progress, "reading the cohort's member state")
        parts = {name: [store.con.sql(sql).to_arrow_table()] for name, sql in store_queries(cohort_id).items()}
        facilities = store.read_all(cohort_id, "facilities")
        as_of = info["as_of"] if isinstance(info["as_of"], _date) else _date.fromisoformat(str(info["as_of"]))
        step(progress, f"trial {protocol.study_id}")
        out = run_trial(protocol, TrialInputs.from_parts(parts, facilities), as_of)
        spec = info.get("spec") or {}
        window = (spec.get("window") or {}).get("years") or 1
        need = (study_span_days(protocol) + protocol.criteria.lab_lookback_days) / 365.25
        if window < need:
            out.summary["window_note"] = (f"cohort {cohort_id} covers {window:g} year(s) up to {as_of}; the study "
                                          f"and its lab lookback need about {need:.1f}: labs before the window are "
                                          f"missing at screening (start {as_of - timedelta(days=365 * window)})")
        step(progress, "write")
        store.add_to_cohort(cohort_id, {**out.tables, **out.emr}, "trial", out.summary)
    return TrialRun(None, protocol, out.summary | {"cohort_id": cohort_id})


def _remove_store_file(db: str | Path) -> None:
    import contextlib

    for path in (Path(db), Path(f"{db}.wal")):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def generate_lake(spec: ProfileSpec, out: str | Path, progress: Progress | None = None, *,
                  engine: str = "local", workers: int = 1, scheduler: str | None = None,
                  overwrite: bool = False):
    """Execute a profile into a Parquet lake directory `out` (docs/scale.md).

    `engine`: "local" (this process, or `workers` forked processes) or "dask"
    (a Dask cluster at `scheduler`, else a LocalCluster of `workers` processes).
    The lake appears only when complete; its files are identical whichever
    engine and worker count made them. Returns a `lake.build.LakeResult`.
    """
    from healthsim.lake.build import ENGINES, build_lake

    if engine not in ENGINES:
        raise SpecError([FieldProblem("engine", "unknown engine", engine, ", ".join(ENGINES))])
    if scheduler and engine != "dask":
        raise SpecError([FieldProblem("scheduler", "a scheduler address needs engine 'dask'", scheduler)])
    if workers < 1:
        raise SpecError([FieldProblem("workers", "must be at least 1", workers)])
    run = build_run(spec)
    meta = {"name": spec.profile_name, "spec": spec_document(spec), "seed": spec.seed,
            "member_count": spec.count, "as_of": spec.as_of.isoformat(), "block_size": run.block_size,
            "package_version": __version__}
    return build_lake(run, meta, out, engine=engine, workers=workers, scheduler=scheduler,
                      overwrite=overwrite, progress=progress)


def import_lake(lake: str | Path, db: str | Path = DEFAULT_DB, *, verify: bool = True) -> dict:
    """Load a Parquet lake into the DuckDB store `db` as a new cohort (one transaction).

    With `verify`, every file's size and sha256 are checked against the manifest first.
    Returns {"cohort_id", "db", "row_counts", "seconds"}.
    """
    from healthsim.lake.manifest import read_manifest
    from healthsim.lake.manifest import verify as verify_files
    from healthsim.store.lake_catalog import import_lake as load

    started = time.perf_counter()
    manifest = read_manifest(Path(lake))
    if verify:
        problems = verify_files(Path(lake), manifest)
        if problems:
            from healthsim.lake.layout import LakeError

            raise LakeError(f"lake {lake} is damaged ({len(problems)} problems): " + "; ".join(problems[:5]))
    cohort_id = load(lake, db, manifest)
    return {"cohort_id": cohort_id, "db": Path(db), "row_counts": manifest["row_counts"],
            "seconds": time.perf_counter() - started}


def _announcing(items, progress: Progress | None, label: str):
    """Pass `items` through, telling `progress` that `label` runs while each is consumed
    (the store inserts a block between our yield and the next block's first step)."""
    for item in items:
        step(progress, label)
        yield item


def list_cohorts(db: str | Path = DEFAULT_DB, *, missing_ok: bool = True) -> list[dict]:
    """The cohorts in `db`, oldest first ([] for a file that does not exist, unless
    `missing_ok` is False: then NotFoundError)."""
    if not Path(db).exists():
        if not missing_ok:
            raise NotFoundError(f"no cohort database at {db}")
        return []
    with CohortStore(db, read_only=True) as store:
        return store.list_cohorts()


def show_cohort(db: str | Path, cohort_id: int) -> dict:
    """One cohort's stored record: name, seed, spec (as given), row counts, summary and checks."""
    with CohortStore(db, read_only=True) as store:
        return store.get_cohort(cohort_id)


def delete_cohort(db: str | Path, cohort_id: int) -> dict:
    """Remove one cohort's rows from every table (others untouched); returns its record."""
    if not Path(db).exists():
        raise NotFoundError(f"no cohort database at {db}")
    with CohortStore(db) as store:
        return store.delete_cohort(cohort_id)


def export_cohort(db: str | Path, fmt: str, out: str | Path, cohort_id: int | None = None,
                  progress: Progress | None = None, options: dict | None = None) -> ExportResult:
    """Export a cohort (default: the latest in `db`) in format `fmt` into directory `out`.

    Returns a `formats.ExportResult` (files written, counts). Files appear only
    when the whole export succeeded. Formats: `list_formats()`; `options` (e.g.
    {"segment_newlines": True, "feed": True}): `healthsim.formats.options.ExportOptions`.
    """
    from healthsim.formats.run import export_cohort as run_export

    return run_export(db, fmt, out, cohort_id=cohort_id, progress=progress, options=options)


def validate(db: str | Path = DEFAULT_DB, cohort_id: int | None = None, *,
             progress: Progress | None = None) -> ValidationResult:
    """Compare a cohort (default: the latest in `db`) with the shipped benchmark table and check
    its integrity invariants. Returns a `validation.result.ValidationResult`: `.passed` (no gating
    benchmark failed, no invariant violated), `.failures`, `.violations`, `.benchmarks`, `.as_dict()`."""
    from healthsim.validation import validate as run_validation

    return run_validation(db, cohort_id, progress=progress)


def report(db: str | Path, out: str | Path, cohort_id: int | None = None, *,
           progress: Progress | None = None) -> ReportResult:
    """Write one self-contained HTML report about a cohort to `out` (plots, benchmarks, invariants).
    Returns a `validation.report.ReportResult` (path, charts drawn, the validation result)."""
    from healthsim.validation.report import write_report

    return write_report(db, out, cohort_id, progress=progress)


def list_formats() -> dict[str, str]:
    """Export format names and one-line descriptions."""
    from healthsim.formats import EXPORTERS

    return {name: e.description for name, e in EXPORTERS.items()}


def json_schema(kind: str) -> dict:
    """JSON Schema of a spec kind: 'profile', 'journey', 'request' (profile + journeys + outputs) or 'trial'."""
    from healthsim.builders.request import RequestSpec
    from healthsim.spec.journey import JourneySpec
    from healthsim.spec.trial import ProtocolSpec

    models = {"profile": ProfileSpec, "journey": JourneySpec, "request": RequestSpec, "trial": ProtocolSpec}
    if kind not in models:
        raise SpecError([FieldProblem("kind", "unknown schema", kind, ", ".join(models))])
    return models[kind].model_json_schema(by_alias=True)


# --- requests, dialogues and exploration (builders; CLI chat and MCP call these) ---

@dataclass
class RequestRun:
    """A request spec run: the cohort, the exports it asked for, and what was skipped."""

    result: GenerateResult
    exports: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_request(text: str, *, count: int | None = None, seed: int | None = None) -> RequestSpec:
    """The RequestSpec a sentence implies ('200 Medicare diabetics with claims')."""
    from healthsim.builders import parse_request as parse

    return parse(text, count=count, seed=seed)


def load_request(source: str | Path | dict, *, count: int | None = None,
                 seed: int | None = None) -> RequestSpec:
    """A RequestSpec from a saved request or profile file/dict, a template name, or request text."""
    from healthsim.builders.request import RequestSpec, is_request_document, load_request_document

    if isinstance(source, dict) or Path(str(source)).suffix.lower() in (".yaml", ".yml", ".json"):
        data = dict(source) if isinstance(source, dict) else read_document(source)
        origin = "spec" if isinstance(source, dict) else str(source)
        _check_values(data, origin)
        if is_request_document(data):
            spec = load_request_document(data, source=origin)
            profile = load_profile(spec_document(spec.profile), count=count, seed=seed, origin=origin)
            return spec.model_copy(update={"profile": profile})
        original = _original_request(data, origin, count, seed)
        if original is not None:
            return original
        return RequestSpec(template=origin, profile=load_profile(data, count=count, seed=seed, origin=origin))
    if str(source) in {t.name for t in list_templates("profile")}:
        return RequestSpec(template=str(source), profile=load_profile(str(source), count=count, seed=seed))
    return parse_request(str(source), count=count, seed=seed)


def _check_values(data: dict, origin: str) -> None:
    """The bounds every spec document is held to (spec/limits.py), before anything walks it."""
    from healthsim.spec import limits

    problems = limits.check_values(data, limits.numeric_keys())
    if problems:
        raise SpecError(problems, source=origin)


def _original_request(data: dict, origin: str, count: int | None, seed: int | None):
    """A profile (+ journey, outputs) in the original HealthSim spelling, as a RequestSpec whose
    notes say what was translated (spec/aliases.py); None for HealthSim's own shape."""
    from healthsim.builders.request import OutputRequest, RequestSpec
    from healthsim.spec import aliases

    try:  # hostile or malformed input in the original spelling: a SpecError, never a traceback
        kind = aliases.detect(data)
        if kind not in ("profile", "request") or not aliases.looks_original(data, "profile"):
            return None
        n = aliases.normalise(data, kind)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise SpecError([FieldProblem("", f"original-format profile: {str(exc)[:300]}")], source=origin) from None
    profile = load_profile(n.document, count=count, seed=seed, origin=origin)
    if n.notes:
        note = aliases.description_note(n.notes)
        profile = profile.model_copy(update={"description": f"{profile.description or ''} {note}".strip()})
    outputs = OutputRequest(formats=n.formats, claims=n.claims, pharmacy_claims=n.pharmacy_claims)
    return RequestSpec(template=origin, profile=profile, outputs=outputs, notes=n.notes)


def generate_request(spec, db: str | Path = DEFAULT_DB, progress: Progress | None = None,
                     *, out: str | Path | None = None, exports_root: str | Path | None = None,
                     workers: int | None = None) -> RequestRun:
    """Run a RequestSpec: generate its cohort, then export the formats it asked for into
    `out`/FORMAT (default: `exports_root`/cohort-ID/FORMAT, exports_root defaulting to
    the store's folder/exports)."""
    _check_trial(spec)
    if getattr(spec, "trial", None):
        return _trial_request(spec, db, progress, out, exports_root, workers)
    _check_export_targets(spec, db, out, exports_root)  # a bad --out is refused before any work
    result = generate(spec.profile, db, progress=progress, workers=default_workers(spec.profile, workers))
    try:
        return _export_request(spec, result, db, out, exports_root)
    except KeyboardInterrupt as exc:  # exports stopped; the cohort itself is committed
        raise interrupts.mark_committed(exc, f"cohort {result.cohort_id} in {db}") from None
    except HealthSimError as exc:  # say that the cohort is there, so nobody generates it twice
        from healthsim.formats.staging import ExportError

        raise ExportError(f"cohort {result.cohort_id} was generated and committed in {db} (do not generate "
                          f"it again), but exporting it failed: {exc}. Export it with `healthsim export --db "
                          f"{db} --cohort {result.cohort_id} --format FORMAT --out DIR`") from None


def _check_export_targets(spec, db, out, exports_root) -> None:
    """The export directories a request will write, checked before its cohort is generated."""
    if not spec.outputs.formats:
        return
    from healthsim.formats.staging import prepare_parent

    root = Path(out) if out else (Path(exports_root) if exports_root else Path(db).parent / "exports")
    if root.exists() and not root.is_dir():
        from healthsim.formats.staging import ExportError

        raise ExportError(f"--out {root} is a file; give a directory for the exports "
                          f"({', '.join(spec.outputs.formats)})")
    if out:
        for fmt in spec.outputs.formats:
            prepare_parent(root / fmt)


def _export_request(spec, result: GenerateResult, db, out, exports_root) -> RequestRun:
    run = RequestRun(result)
    available = list_formats()
    for fmt in spec.outputs.formats:
        name = fmt if fmt in available else next((a for a in available if fmt in a or a in fmt), None)
        if name is None:
            run.notes.append(f"format {fmt!r} is not available in this version "
                             f"(available: {', '.join(available)})")
            continue
        root = Path(exports_root) if exports_root else Path(db).parent / "exports"
        target = Path(out) if out else root / f"cohort-{result.cohort_id}"
        run.exports.append(export_cohort(db, name, target / name, cohort_id=result.cohort_id))
    return run


TRIAL_TEMPLATES = {"C": "nsclc-phase2", "E11": "t2d-phase3"}


def trial_protocol_for(trial: dict):
    """The shipped protocol a trial request fits (by indication: oncology or type 2 diabetes),
    sized to the subjects asked for; (protocol, notes). Other indications are refused clearly."""
    indication = str(trial.get("indication") or "E11")
    name = next((t for prefix, t in TRIAL_TEMPLATES.items() if indication.startswith(prefix)), None)
    if name is None:
        raise SpecError([FieldProblem("trial.indication", "no shipped trial protocol for this indication; write "
                                      "a protocol file (healthsim schema trial) and run generate --trial FILE",
                                      indication, ", ".join(f"{k}* ({v})" for k, v in TRIAL_TEMPLATES.items()))])
    subjects = int(trial.get("subjects") or 0) or None
    protocol = load_protocol(name, subjects=subjects)
    notes = [f"trial protocol {name} ({protocol.study_id}, {protocol.phase.lower()}) for indication {indication}"]
    phase = str(trial.get("phase") or "")
    if phase and phase not in protocol.phase.replace("PHASE ", "").replace("III", "3").replace("II", "2"):
        notes.append(f"phase {phase} was asked; the shipped {indication[:3]} protocol is {protocol.phase.lower()}")
    return protocol, notes


def _trial_request(spec, db, progress, out, exports_root, workers) -> RequestRun:
    protocol, notes = trial_protocol_for(spec.trial)
    formats = list(spec.trial.get("formats") or []) or list(spec.outputs.formats)
    run = generate_trial(protocol, db, progress, workers=workers)
    t = run.summary
    notes.append(f"{t['screened']:,} screened, {t['randomised']:,} randomised at {t['sites']} sites; "
                 f"{t['completed']:,} completed; {t['adverse_events']:,} adverse events")
    if t.get("shortfall"):
        notes.append(t["shortfall"])
    out_run = RequestRun(run.result, notes=notes)
    root = Path(exports_root) if exports_root else Path(db).parent / "exports"
    target = Path(out) if out else root / f"cohort-{run.result.cohort_id}"
    for fmt in formats:
        if fmt in list_formats():
            out_run.exports.append(export_cohort(db, fmt, target / fmt, cohort_id=run.result.cohort_id))
    return out_run


def _check_trial(spec) -> None:
    """A trial request is refused clearly while TrialSim is not installed (never an ordinary cohort)."""
    from healthsim.builders.request import RequestError
    from healthsim.builders.trials import UNAVAILABLE, trial_available

    if getattr(spec, "trial", None) and not trial_available():
        raise RequestError(UNAVAILABLE)


def query_cohort(db: str | Path, sql: str, *, limit: int = 200, timeout: float = 30.0) -> dict:
    """One read-only SELECT over the store (no writes, attachments or file access); <= limit rows."""
    from healthsim.store.query import run_select

    return run_select(db, sql, limit=limit, timeout=timeout).as_dict()


def summarize_cohort(db: str | Path, cohort_id: int) -> dict:
    """A cohort's row counts, checks and headline figures (age, sex, states, conditions, coverage)."""
    from healthsim.store.query import cohort_summary

    info = show_cohort(db, cohort_id)
    checks_ = (info.get("summary") or {}).get("checks", [])
    return {"cohort_id": info["cohort_id"], "name": info["name"], "seed": info["seed"],
            "as_of": str(info["as_of"]), "row_counts": info.get("row_counts") or {},
            "checks_outside_interval": [c["name"] for c in checks_ if not c.get("ok", True)],
            **cohort_summary(db, cohort_id)}


def lookup_code(query: str, system: str = "auto", limit: int = 10) -> list[dict]:
    """Codes matching a code or a name in ICD-10-CM, LOINC, RxNorm, CPT/HCPCS, ICD-10-PCS."""
    from healthsim.reference.lookup import lookup_code as lookup

    return lookup(query, system=system, limit=limit)


# --- reading a store from Python: query, frames, tables (pandas/polars optional) ---

def query(db: str | Path, sql: str, *, kind: FrameKind = "arrow", limit: int | None = None,
          timeout: float | None = None) -> Any:
    """Run one read-only SELECT over a cohort store and return the rows as `kind`:
    an Arrow table (default), or a pandas or polars DataFrame.

    The store is opened read-only with external access disabled, and only a single
    SELECT is accepted (QueryRefused otherwise). `limit` keeps the first rows;
    `timeout` (seconds) interrupts a long query.
    """
    from healthsim.store.frames import convert
    from healthsim.store.query import select_table

    table, _ = select_table(db, sql, limit=limit, timeout=timeout)
    return convert(table, kind)


def frames(db: str | Path = DEFAULT_DB, cohort: int | None = None, tables: list[str] | str | None = None,
           kind: FrameKind = "pandas") -> dict[str, Any]:
    """A cohort's tables as {name: DataFrame}: pandas (default), polars, or Arrow.

    `cohort` defaults to the latest cohort in `db`; `tables` to every table that has
    rows for it. Rows are in key order and the cohort_id column is left out. pandas
    and polars come with `pip install 'healthsim[frames]'`.
    """
    from healthsim.store.frames import KINDS, convert, read_tables

    if kind not in KINDS:
        raise SpecError([FieldProblem("kind", "unknown frame kind", kind, ", ".join(KINDS))])
    _, arrow = read_tables(db, cohort, tables)
    return {name: convert(t, kind) for name, t in arrow.items()}


def tables(db: str | Path = DEFAULT_DB, cohort: int | None = None) -> list:
    """Every table in a store with its row count (of `cohort`, or of all cohorts) and columns
    (a list of `store.query.TableInfo`)."""
    from healthsim.store.query import describe_tables

    return describe_tables(db, cohort)


def versions() -> dict[str, str]:
    """Versions of healthsim, Python and the libraries that decide its output and files."""
    import platform
    from importlib import metadata

    from healthsim.store.compat import STORAGE_VERSION

    out = {"healthsim": __version__, "python": platform.python_version()}
    for dist in ("numpy", "pyarrow", "duckdb", "pydantic", "typer", "rich", "pandas", "polars"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            if dist not in ("pandas", "polars"):  # optional: only listed when installed
                out[dist] = "not installed"
    out["duckdb storage"] = f"{STORAGE_VERSION} (files open in DuckDB >= {STORAGE_VERSION.lstrip('v')})"
    return out
