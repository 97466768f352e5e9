"""NCPDP exports: Telecommunication D.0 billing (exporter.py; d0.py for the encoding,
d0_fields.csv for the fields) and SCRIPT NewRx prescriptions (script.py)."""

from __future__ import annotations

from healthsim.formats.ncpdp import exporter as _exporter  # noqa: F401  (registers the format)
from healthsim.formats.ncpdp import script as _script  # noqa: F401  (registers the format)
