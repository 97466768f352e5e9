"""NCPDP Telecommunication D.0 export (see d0.py for the encoding, d0_fields.csv for the fields)."""

from __future__ import annotations

from healthsim.formats.ncpdp import exporter as _exporter  # noqa: F401  (registers the format)
