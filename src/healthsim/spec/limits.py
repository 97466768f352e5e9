"""Bounds on spec documents, and the bounded readers that enforce them.

Specs come from files people share and from MCP clients, so reading one must
be safe whatever the bytes: every way a document can be hostile or absurd is
refused here with a message naming the place, before any model sees it.

Why each bound exists:
- size (MAX_DOCUMENT_BYTES): a spec is a few kilobytes; a huge file is a
  mistake (or an attack) and would take the pure-Python YAML parser minutes.
- alias expansion (MAX_NODES): YAML anchors let 400 bytes name billions of
  values (the "billion laughs"). Parsing shares them, so it is cheap, but
  anything that walks the result as a tree (validation, error messages) is
  not. The composed node graph is measured as the tree it stands for, and a
  document past the bound is refused before it is constructed.
- nesting (MAX_DEPTH): deep nesting exhausts the interpreter's stack.
- duplicate keys: YAML and JSON parsers keep the last silently, so a file that
  says `count: 10` then `count: 10000` would run the second unnoticed.
- NaN / Infinity: they pass `ge`/`le` checks (every comparison is False) and
  then poison sampling or dates downstream.
- `true` where a number belongs: pydantic's lax mode reads it as 1.
- string lengths: names flow into file headers and terminals.
- dates within 1900-2100: outside that, birth dates go BC and paid dates land
  in year 10000, which no date type downstream can hold.
"""

from __future__ import annotations

import math
import reprlib
from datetime import date
from functools import cache
from typing import Any

import yaml
from pydantic import BaseModel
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from healthsim.errors import FieldProblem

MAX_DOCUMENT_BYTES = 2_000_000
MAX_NODES = 50_000  # values in a document, counted as the tree aliases expand to
MAX_DEPTH = 40
MAX_STRING = 4_000  # characters in any text value (descriptions, notes, sources)
MAX_NAME = 200  # characters in a name (profile, journey, plan, event) and in a key
NAME_KEYS = frozenset({"profile_name", "name", "journey_name", "plan", "title", "id"})
KEY_CAPS = {"plan": 50}  # a plan name is X12 834 HD04 (at most 50 characters) and 835/837 payer names (60)
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2100, 12, 31)
MAX_PROBLEMS = 20


class DocumentError(ValueError):
    """A document refused by a bound (the message says which and where)."""


# --- bytes -> text ---

_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)


def decode_text(raw: bytes) -> str:
    """The text of a spec file: UTF-8 (a byte-order mark is allowed), or UTF-16/32 with
    a byte-order mark. Anything else is refused saying where the first bad byte is."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise DocumentError(f"not valid {encoding.upper()} text (byte {exc.start + len(bom)})") from None
    if b"\x00" in raw[:4096]:
        raise DocumentError("this is a binary file (or UTF-16 without a byte-order mark), not a YAML or "
                            "JSON spec; save the spec as UTF-8 text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DocumentError(f"not UTF-8 text: byte 0x{raw[exc.start]:02X} at line {line}, column {col} "
                            "(a Latin-1 or Windows-1252 file?); save the spec as UTF-8") from None


# --- JSON ---

def load_json(text: str) -> Any:
    """json.loads refusing duplicate keys, NaN/Infinity and numbers too long to convert."""
    import json

    def pairs(items: list[tuple[str, Any]]) -> dict:
        out: dict = {}
        for key, value in items:
            if key in out:
                raise DocumentError(f"duplicate key {short_text(key, 60)!r} in one object; give each "
                                    "field once")
            out[key] = value
        return out

    def constant(name: str) -> float:
        raise DocumentError(f"{name} is not a number a spec may hold; give a finite number")

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, DocumentError | json.JSONDecodeError):
            raise
        raise DocumentError(f"not valid JSON: {short_text(str(exc), 200)}") from None


# --- YAML ---

MERGE_TAG = "tag:yaml.org,2002:merge"


class _Loader(yaml.SafeLoader):
    """SafeLoader that measures the composed document before building it, and refuses
    duplicate keys and impossible timestamps (with their line)."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        check_expansion(node)
        return self.construct_document(node)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            seen: set = set()
            for key_node, _ in node.value:
                if isinstance(key_node, ScalarNode) and key_node.tag != MERGE_TAG:
                    key = (key_node.tag, key_node.value)
                    if key in seen:
                        raise DocumentError(f"duplicate key {short_text(key_node.value, 60)!r} at line "
                                            f"{key_node.start_mark.line + 1}; give each field once")
                    seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError) as exc:
            if isinstance(exc, DocumentError):
                raise
            message = "a number too long to read" if "digits" in str(exc) else short_text(str(exc), 200)
            raise DocumentError(f"line {node.start_mark.line + 1}: {message}") from None


def load_yaml(text: str) -> Any:
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def check_expansion(root) -> None:
    """Refuse a composed YAML document whose tree (aliases expanded) holds more than
    MAX_NODES values, nests deeper than MAX_DEPTH, or refers to itself."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if depth > MAX_DEPTH:
            raise DocumentError(f"the document is nested more than {MAX_DEPTH} levels deep "
                                f"(line {node.start_mark.line + 1})")
        if key in open_:
            raise DocumentError(f"an alias at line {node.start_mark.line + 1} refers to a value that "
                                "contains it (a recursive structure)")
        open_.add(key)
        if isinstance(node, SequenceNode):
            n = 1 + sum(size(child, depth + 1) for child in node.value)
        elif isinstance(node, MappingNode):
            n = 1 + sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        else:
            n = 1
        open_.discard(key)
        if n > MAX_NODES:
            raise DocumentError(f"the document expands to more than {MAX_NODES:,} values through its "
                                "aliases (&anchor / *alias); write the values out or use fewer aliases")
        sizes[key] = n
        return n

    size(root, 0)


def yaml_message(exc: yaml.YAMLError) -> str:
    """A YAML error in one line with its position, cut to a readable length."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return short_text(f"{problem}{where}", 300)


# --- values (any dict: parsed files, MCP arguments, Python callers) ---

def check_values(data: Any, numeric: frozenset[str] = frozenset()) -> list[FieldProblem]:
    """Problems with the raw values of a document, walked as a tree with a bounded count:
    too many values, too deep, NaN/Infinity, over-long text or keys, `true`/`false` where
    a number belongs (keys in `numeric`, or a `weights` map)."""
    problems: list[FieldProblem] = []
    stack: list[tuple[Any, tuple, int, str | None]] = [(data, (), 0, None)]
    seen = 0
    while stack and len(problems) < MAX_PROBLEMS:
        value, path, depth, key = stack.pop()
        seen += 1
        where = ".".join(str(p) for p in path)
        if seen > MAX_NODES:
            return [FieldProblem("", f"the spec holds more than {MAX_NODES:,} values; a spec is small "
                                     "(are aliases or generated lists repeating it?)")]
        if isinstance(value, bool):
            if key in numeric:
                problems.append(FieldProblem(where, f"expected a number, got {str(value).lower()}"))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(FieldProblem(where, f"{value} is not a finite number; give a number"))
        elif isinstance(value, int | float) and key == "weight" and not 0 <= value <= 1:
            problems.append(FieldProblem(where, f"a weight must be between 0 and 1 (got {value:g})"))
        elif isinstance(value, str):
            cap = KEY_CAPS.get(key or "") or (MAX_NAME if key in NAME_KEYS else MAX_STRING)
            if len(value) > cap:
                problems.append(FieldProblem(where, f"text of {len(value):,} characters; at most {cap:,} "
                                                    "are allowed here"))
        elif isinstance(value, dict | list | tuple):
            if depth >= MAX_DEPTH:
                problems.append(FieldProblem(where, f"nested more than {MAX_DEPTH} levels deep"))
                continue
            if isinstance(value, dict):
                items = []
                for k, v in value.items():
                    if isinstance(k, str) and len(k) > MAX_NAME:
                        problems.append(FieldProblem(where, f"a key of {len(k):,} characters "
                                                            f"({short_text(k, 40)!r}); at most {MAX_NAME}"))
                        continue
                    child_key = "weight" if key in ("weights", "states") else (k if isinstance(k, str) else None)
                    items.append((v, (*path, k), depth + 1, child_key))
            else:
                items = [(v, (*path, i), depth + 1, key if key in numeric else None)
                         for i, v in enumerate(value)]
            stack.extend(reversed(items))
    return problems


@cache
def numeric_keys() -> frozenset[str]:
    """Field names where a number is allowed and `true`/`false` never is, anywhere in the
    profile and journey schemas (plus 'weight': a value in a weights map). A boolean
    under one of them is a mistake pydantic would silently read as 1 or 0."""
    from healthsim.spec.journey import JourneySpec
    from healthsim.spec.profile import ProfileSpec

    number: set[str] = set()
    boolean: set[str] = set()
    for model in (ProfileSpec, JourneySpec):
        schema = model.model_json_schema(by_alias=True)
        defs = schema.get("$defs", {})
        for node in [schema, *defs.values()]:
            for name, prop in (node.get("properties") or {}).items():
                kinds = _types(prop, defs)
                if kinds & {"number", "integer"}:
                    number.add(name)
                if "boolean" in kinds:
                    boolean.add(name)
    return frozenset(number - boolean) | {"weight"}


def _types(prop: dict, defs: dict, depth: int = 0) -> set[str]:
    """The JSON types a property schema admits at its top level (and inside arrays)."""
    if depth > 8:
        return set()
    if "$ref" in prop:
        return _types(defs.get(prop["$ref"].rsplit("/", 1)[-1], {}), defs, depth + 1)
    out: set[str] = set()
    for branch in prop.get("anyOf") or prop.get("oneOf") or ():
        out |= _types(branch, defs, depth + 1)
    kind = prop.get("type")
    if isinstance(kind, str):
        out.add(kind)
        if kind == "array":
            out |= _types(prop.get("items") or {}, defs, depth + 1)
    return out


# --- the validated model ---

def check_model(spec: BaseModel) -> list[FieldProblem]:
    """Problems a validated spec can still have: dates outside DATE_MIN..DATE_MAX, numbers
    that became NaN/Infinity from text ('nan'), a journey anchored after the as_of date."""
    problems: list[FieldProblem] = []
    stack: list[tuple[Any, tuple]] = [(spec, ())]
    while stack and len(problems) < MAX_PROBLEMS:
        value, path = stack.pop()
        where = ".".join(str(p) for p in path)
        if isinstance(value, BaseModel):
            stack.extend((getattr(value, name, None), (*path, name)) for name in type(value).model_fields)
        elif isinstance(value, dict):
            stack.extend((v, (*path, k)) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
        elif isinstance(value, date):
            if not DATE_MIN <= (value.date() if hasattr(value, "date") else value) <= DATE_MAX:
                problems.append(FieldProblem(where, f"{value.isoformat()} is outside the dates HealthSim "
                                                    f"can generate ({DATE_MIN.year}-{DATE_MAX.year})"))
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(FieldProblem(where, f"{value} is not a finite number; give a number"))
    problems += _journey_dates(spec)
    if not problems and type(spec).__name__ == "ProfileSpec":
        from healthsim.spec.consistency import check_population

        problems += check_population(spec)
    return problems


def _journey_dates(spec: BaseModel) -> list[FieldProblem]:
    as_of = getattr(spec, "as_of", None)
    out = []
    for i, attachment in enumerate(getattr(spec, "journeys", None) or []):
        start = getattr(getattr(attachment, "spec", None), "start", None)
        on = getattr(start, "on", None)
        if as_of is not None and on is not None and on > as_of:
            out.append(FieldProblem(f"journeys.{i}.spec.start.on",
                                    f"the journey starts on {on.isoformat()}, after as_of {as_of.isoformat()}: "
                                    "no event could happen; start it on or before as_of"))
    return out


# --- quoting bad values in messages ---

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist, _REPR.maxtuple, _REPR.maxset = 2, 4, 4, 4, 4
_REPR.maxstring, _REPR.maxother, _REPR.maxlong = 60, 60, 40


def short_text(text: Any, limit: int) -> str:
    """`text` cut to `limit` characters (with a mark saying how much was cut)."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def short_value(value: Any) -> Any:
    """A bad value as an error message may quote it: scalars as they are (strings cut), and
    containers as a bounded repr (never a walk of the whole, possibly alias-expanded, value)."""
    if value is None or isinstance(value, bool | int | float):
        return value if not isinstance(value, int) or abs(value) < 10**30 else _REPR.repr(value)
    if isinstance(value, str):
        return value if len(value) <= 80 else _Shown(short_text(value, 60))
    return _Shown(_REPR.repr(value))


class _Shown(str):
    """Text already in its quoted form (FieldProblem.render uses !r: keep it as is)."""

    def __repr__(self) -> str:
        return str(self)
