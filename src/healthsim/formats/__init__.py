"""Exporters: one module per format, each registered by name.

`EXPORTERS` maps a format name to its exporter; the CLI's `--format`
choices, `api.export_cohort` and the contract tests all come from it. Modules
are imported in a fixed order so the listing is stable. To add a format, add a
module with a `@register` class (see base.py) and its name below.
"""

from __future__ import annotations

import importlib

from healthsim.formats.base import (
    EXPORTERS,
    CohortSource,
    Exporter,
    ExportResult,
    get_exporter,
    register,
)

for _name in ("tabular", "fhir", "hl7v2", "x12", "ncpdp", "ccda", "sdtm"):
    importlib.import_module(f"{__name__}.{_name}")

__all__ = ["EXPORTERS", "CohortSource", "ExportResult", "Exporter", "get_exporter", "register"]
