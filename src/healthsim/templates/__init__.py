"""Ready-made profiles and journeys, shipped as YAML data files.

A template is one file in `profiles/`, `journeys/` or `trials/` (TrialSim protocols);
its name is the file
stem. Adding one needs no code: `templates list` and the contract tests find
it by listing the folder.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from healthsim.errors import NotFoundError

KINDS = ("profiles", "journeys", "trials")


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    kind: str  # 'profile', 'journey' or 'trial'
    title: str
    description: str


@cache
def _files() -> dict[str, tuple[str, str]]:
    out = {}
    root = resources.files("healthsim.templates")
    for kind in KINDS:
        folder = root.joinpath(kind)
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".yaml", ".yml")):
                out[entry.name.rsplit(".", 1)[0]] = (kind[:-1], entry.read_text("utf-8"))
    return out


def list_templates(kind: str | None = None) -> list[TemplateInfo]:
    """Every shipped template (optionally only 'profile' or 'journey')."""
    out = []
    for name, (k, text) in _files().items():
        if kind and k != kind:
            continue
        data = yaml.safe_load(text) or {}
        title = data.get("profile_name") or data.get("journey_name") or data.get("study_id") or name
        out.append(TemplateInfo(name, k, title, str(data.get("description", "")).strip()))
    return out


def template_text(name: str) -> str:
    return _entry(name)[1]


def load_template(name: str, kind: str | None = None) -> dict:
    """The template's document as a dict (a fresh copy each call)."""
    k, text = _entry(name)
    if kind and k != kind:
        raise NotFoundError(f"{name!r} is a {k} template, not a {kind} template")
    return yaml.safe_load(text)


def _entry(name: str) -> tuple[str, str]:
    files = _files()
    if name not in files:
        near = difflib.get_close_matches(name, list(files), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise NotFoundError(f"no template {name!r}{hint or '.'} Available: {', '.join(files)}")
    return files[name]
