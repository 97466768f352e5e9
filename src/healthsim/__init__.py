"""HealthSim: specification-driven, reproducible synthetic healthcare data.

The flow is one way: spec -> plan -> engine (block by block, seeded) -> Arrow
tables -> cohort store -> exporters. `healthsim.api` is the service layer that
the CLI, the chat and the MCP server all call; the names below are its public
part, documented in docs/api.md:

    import healthsim as hs
    spec = hs.load_profile("medicare-diabetic", count=500, seed=7)
    result = hs.generate(spec, "out/demo.duckdb")
    persons = hs.frames("out/demo.duckdb", tables=["persons"])["persons"]   # pandas

They are imported on first use, so `import healthsim` (and every worker
process) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "HealthSimError",
    "SpecError",
    "__version__",
    "delete_cohort",
    "export_cohort",
    "frames",
    "generate",
    "generate_request",
    "list_cohorts",
    "list_formats",
    "list_templates",
    "load_profile",
    "load_request",
    "parse_request",
    "query",
    "report",
    "show_cohort",
    "tables",
    "validate",
    "versions",
]

_ERRORS = {"HealthSimError", "SpecError"}

if TYPE_CHECKING:  # for type checkers and IDEs; at run time they come from __getattr__
    from healthsim.api import (
        delete_cohort,
        export_cohort,
        frames,
        generate,
        generate_request,
        list_cohorts,
        list_formats,
        list_templates,
        load_profile,
        load_request,
        parse_request,
        query,
        report,
        show_cohort,
        tables,
        validate,
        versions,
    )
    from healthsim.errors import HealthSimError, SpecError


def __getattr__(name: str) -> Any:
    if name in _ERRORS:
        from healthsim import errors

        return getattr(errors, name)
    if name in __all__:
        from healthsim import api

        if hasattr(api, name):
            return getattr(api, name)
        raise AttributeError(f"healthsim.{name} is not available in this version ({__version__})")
    raise AttributeError(f"module 'healthsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
