"""X12 5010 exporters: 834 enrollment, 837P/837I claims, 835 remittance."""

from __future__ import annotations

import importlib

for _name in ("x834", "x837p", "x837i", "x835"):
    importlib.import_module(f"{__name__}.{_name}")
