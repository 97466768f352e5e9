"""X12 5010 exporters: 834 enrollment, 837P/837I claims, 835 remittance, 270/271 eligibility,
276/277 claim status, 278 prior authorization."""

from __future__ import annotations

import importlib

for _name in ("x834", "x837p", "x837i", "x835", "x270", "x276", "x278"):
    importlib.import_module(f"{__name__}.{_name}")
