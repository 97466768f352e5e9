"""Template documents and names for the builders, read once per process.

Composing a spec reads a profile template and asks which journey templates
are installed; dialogues and property tests do that thousands of times, so
the parsed documents are cached here and handed out as deep copies (callers
may edit them freely). Templates are package data: they cannot change while
the process runs.
"""

from __future__ import annotations

import copy
from functools import cache


@cache
def _document(name: str, kind: str | None) -> dict:
    from healthsim.templates import load_template

    return load_template(name, kind=kind)


def template_document(name: str, kind: str | None = None) -> dict:
    """A fresh copy of a template's document (NotFoundError with suggestions if unknown)."""
    return copy.deepcopy(_document(name, kind))


@cache
def template_names(kind: str) -> tuple[str, ...]:
    from healthsim.templates import list_templates

    return tuple(t.name for t in list_templates(kind))
