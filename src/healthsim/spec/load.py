"""Loading specs from files, dicts and strings, with errors a person can act on.

Pydantic's ValidationError is translated into `SpecError`: one `FieldProblem`
per error with the dotted field path, the bad value and what is allowed, plus a
near-miss suggestion for unknown field names. The CLI prints it and exits 2.

Specs also arrive from MCP clients and shared files, so the reader is hostile-
input safe (spec/limits.py holds the bounds): any bytes give a SpecError, never
a traceback — a file that is not UTF-8 (or UTF-16/32 with a byte-order mark),
a directory, a file too large, YAML whose aliases expand past a bound (the
"billion laughs"), nesting deeper than a bound, duplicate keys, NaN/Infinity,
oversized strings, `true` where a number belongs, and dates outside 1900-2100.
Error messages quote at most a short, cut representation of a bad value, never
the expanded input.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from healthsim.errors import FieldProblem, HealthSimError, SpecError
from healthsim.spec import limits

M = TypeVar("M", bound=BaseModel)
SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}


def read_document(path: str | Path) -> dict[str, Any]:
    """Parse a JSON or YAML file into a dict (YAML: safe, bounded; see `parse_document`)."""
    p = Path(path)
    source = str(p)
    try:
        if not p.exists():
            raise SpecError([FieldProblem("", f"file not found: {p}")], source=source)
        if p.is_dir():
            raise SpecError([FieldProblem("", f"{p} is a directory, not a spec file")], source=source)
        with open(p, "rb") as f:
            raw = f.read(limits.MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise SpecError([FieldProblem("", f"cannot read {p}: {exc.strerror or exc}")], source=source) from None
    return parse_document(raw, SUFFIXES.get(p.suffix.lower(), "yaml"), source=source)


def parse_document(raw: bytes | str, fmt: str = "yaml", source: str | None = None) -> dict[str, Any]:
    """A spec document (a mapping) from the bytes or text of a JSON or YAML file.

    Refuses, as a SpecError: more than MAX_DOCUMENT_BYTES, bytes that are not text,
    syntax errors (with the line), duplicate keys, NaN/Infinity, aliases expanding
    past MAX_NODES values, nesting past MAX_DEPTH, and a document that is not a mapping.
    """
    def fail(message: str) -> SpecError:
        return SpecError([FieldProblem("", message)], source=source)

    if len(raw) > limits.MAX_DOCUMENT_BYTES:
        raise fail(f"the document is larger than {limits.MAX_DOCUMENT_BYTES // 1_000_000} MB; "
                   "a spec is a few kilobytes")
    try:
        text = limits.decode_text(bytes(raw)) if isinstance(raw, bytes | bytearray) else raw
        data = limits.load_json(text) if fmt == "json" else limits.load_yaml(text)
    except limits.DocumentError as exc:
        raise fail(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise fail(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except yaml.YAMLError as exc:
        raise fail(f"not valid YAML: {limits.yaml_message(exc)}") from None
    except RecursionError:
        raise fail(f"the document is nested too deeply (more than {limits.MAX_DEPTH} levels)") from None
    if not isinstance(data, dict):
        raise fail("the document must be a mapping of fields (key: value), got "
                   + ("nothing" if data is None else type(data).__name__))
    return data


def validate_model(model: type[M], data: dict[str, Any], source: str | None = None) -> M:
    """Validate `data` into `model`, or raise SpecError listing every problem.

    Profiles and journeys written in the original HealthSim spelling are translated
    first (spec/aliases.py), and what was translated is appended to their description.
    """
    if not isinstance(data, dict):
        raise SpecError([FieldProblem("", "the spec must be a mapping of fields, got "
                                          + type(data).__name__)], source=source)
    problems = limits.check_values(data, limits.numeric_keys())
    if problems:
        raise SpecError(problems, source=source)
    data = _from_original(model, data, source)
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(model, e, data) for e in exc.errors(include_url=False)]
        raise SpecError(_without_implied(problems), source=source) from None
    except HealthSimError as exc:  # a validator raised one of ours (e.g. unknown state)
        raise SpecError([FieldProblem("", str(exc))], source=source) from None
    except RecursionError:
        raise SpecError([FieldProblem("", "the spec is nested too deeply")], source=source) from None
    problems = limits.check_model(spec)
    if problems:
        raise SpecError(problems, source=source)
    return spec


def _from_original(model: type[BaseModel], data: Any, source: str | None) -> Any:
    from healthsim.spec import aliases

    kind = {"ProfileSpec": "profile", "JourneySpec": "journey"}.get(model.__name__)
    if kind is None or not aliases.looks_original(data, kind):
        return data
    try:
        n = aliases.normalise(data, kind if aliases.detect(data) != "request" else "request")
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise SpecError([FieldProblem("", f"original-format {kind}: {limits.short_text(exc, 300)}")],
                        source=source) from None
    doc = n.document
    if n.notes and isinstance(doc, dict) and isinstance(doc.get("description") or "", str):
        head = (doc.get("description") or "").strip()
        doc["description"] = (head + " " if head else "") + aliases.description_note(n.notes)
    return doc


def _without_implied(problems: list[FieldProblem]) -> list[FieldProblem]:
    """Drop 'Field required: age' when the same problem list says 'agee: did you mean age?'."""
    suggested = {p.path.rsplit(".", 1)[0] + "." + p.suggestion for p in problems
                 if p.message == "unknown field" and p.suggestion and "." in p.path}
    suggested |= {p.suggestion for p in problems if p.message == "unknown field" and p.suggestion
                  and "." not in p.path}
    return [p for p in problems if not (p.message == "Field required" and p.path in suggested)] or problems


def _user_loc(loc: tuple, data: Any) -> list[str]:
    """pydantic's error location, minus the wrappers a model adds around what the user
    wrote (a `coverage:` list becomes `coverage.options`): the path in the user's file."""
    out: list[str] = []
    node = data
    for part in loc:
        if isinstance(node, list) and not isinstance(part, int):
            continue  # e.g. 'options': the user gave the list itself
        out.append(str(part))
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return out


def _enum_values(expected: str) -> list[str]:
    """"'a', 'b' or 'c'" (pydantic's literal/enum ctx) -> ['a', 'b', 'c']."""
    import re

    return re.findall(r"'([^']*)'", expected or "")


def _problem(model: type[BaseModel], err: dict, data: Any = None) -> FieldProblem:
    loc = _user_loc(tuple(err.get("loc", ())), data) if data is not None else [str(x) for x in err.get("loc", ())]
    # Drop pydantic's union-branch tags (e.g. 'normal', 'float') from the path.
    path = limits.short_text(".".join(x for i, x in enumerate(loc) if not _is_union_tag(x)
                                      and not (i and loc[i - 1].isdigit() and x in _event_types())), 300)
    kind = err.get("type", "")
    msg = err.get("msg", "invalid").removeprefix("Value error, ")
    value = err.get("input")
    if kind == "extra_forbidden":
        raw = [str(x) for x in err.get("loc", ())]
        known = _field_names_at(model, raw[:-1])
        near = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.6)
        return FieldProblem(
            path, "unknown field", None, allowed=", ".join(sorted(known)) or None,
            suggestion=near[0] if near else None,
        )
    if kind == "union_tag_invalid" and "'type'" in str((err.get("ctx") or {}).get("discriminator")):
        tag = value.get("type") if isinstance(value, dict) else value
        near = difflib.get_close_matches(str(tag), _event_types(), n=1)
        return FieldProblem(f"{path}.type", "unknown event type", limits.short_value(tag), ", ".join(_event_types()),
                            near[0] if near else None)
    if kind == "union_tag_invalid":
        from healthsim.distributions import REGISTRY

        tag = value.get("distribution") if isinstance(value, dict) else value
        near = difflib.get_close_matches(str(tag), list(REGISTRY), n=1)
        return FieldProblem(path, "unknown distribution", limits.short_value(tag), ", ".join(sorted(REGISTRY)),
                            near[0] if near else None)
    if kind in ("literal_error", "enum"):
        allowed = _enum_values(str((err.get("ctx") or {}).get("expected", "")))
        if allowed:
            near = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
            return FieldProblem(path, "not an allowed value", limits.short_value(value), ", ".join(allowed),
                                near[0] if near else None)
    if kind in ("value_error", "missing") and isinstance(value, dict | list):
        value = None  # a model-level check: its message says what is wrong, the input is the whole section
    if isinstance(value, str) and len(value) <= 200 and repr(value) in msg:
        value = None  # the message already quotes it
    return FieldProblem(path, limits.short_text(msg, 500), limits.short_value(value))


def _event_types() -> tuple[str, ...]:
    from healthsim.spec.journey_events import EVENT_TYPES

    return EVENT_TYPES


def _is_union_tag(part: str) -> bool:
    return part in {"float", "int", "str", "PrevalenceTable", "list[str]", "dict[str,float]"} or (
        part.islower() and part.replace("_", "").isalpha() and part in _distribution_tags()
    )


def _distribution_tags() -> set[str]:
    from healthsim.distributions import REGISTRY

    return set(REGISTRY)


def _field_names_at(model: type[BaseModel], loc: list[str]) -> list[str]:
    """Field names (and aliases) of the sub-model at `loc`, for suggestions."""
    current: Any = model
    for part in loc:
        if part.isdigit() or current is None:
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _model_in(field.annotation)
    if current is None or not hasattr(current, "model_fields"):
        return []
    names = set(current.model_fields)
    for f in current.model_fields.values():
        if f.alias:
            names.add(f.alias)
    return sorted(names)


def _model_in(annotation: Any) -> Any:
    """The first pydantic model inside an annotation (list[X], X | None, ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None
