"""The canonical relational model: every table the cohort store writes.

Each product declares its tables in one module here (names, Arrow types and a
sentence per column). That one declaration is the store's DDL, the schema the
engine's Arrow tables are cast to, and the source of docs/data-model.md, so
the three cannot drift apart. Modules are imported in a fixed order so table
order (and so export order) is stable.
"""

from __future__ import annotations

import importlib

from healthsim.canonical.table import TABLES, Column, Table, table

for _name in ("population", "network", "clinical", "claims", "trial"):
    importlib.import_module(f"{__name__}.{_name}")

__all__ = ["TABLES", "Column", "Table", "table"]
