"""HL7 C-CDA R2.1: a Continuity of Care Document per patient (document.py, exporter.py),
with a structural checker of the required sections and template ids (check.py)."""

from __future__ import annotations

import importlib

importlib.import_module(f"{__name__}.exporter")
