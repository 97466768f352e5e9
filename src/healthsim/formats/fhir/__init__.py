"""FHIR R4 (4.0.1) export: resource builders by table, NDJSON and Bundle exporters.

Builder modules are imported in a fixed order (resource order in files and
Bundles follows it). To add a resource type, add a module with
`@person_resource` / `@shared_resource` functions and list it here.
"""

from __future__ import annotations

import importlib

for _name in ("network", "patient", "coverage", "conditions", "clinical", "history", "reports", "claims",
              "exporters"):
    importlib.import_module(f"{__name__}.{_name}")
