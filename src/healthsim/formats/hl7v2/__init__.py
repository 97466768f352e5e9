"""HL7 v2.5.1 export: ER7 messages by event type, one file per type and block.

Files are `<type>-<first>-<last>.hl7` (e.g. adt_a04-00000001-00010000.hl7),
messages back to back, each segment ended by a carriage return (the ER7
convention interface engines read)."""

from __future__ import annotations

import importlib

for _name in ("adt", "visits", "exporter"):
    importlib.import_module(f"{__name__}.{_name}")
