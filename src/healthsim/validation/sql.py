"""Turning a metric's SQL template and a row's arguments into the SQL that runs.

Placeholders: {pop} is the population's member table; {name} is the argument of that name;
{family:COL} is a predicate that COL holds a code of the condition family (from the condition
library's prefixes, so a new family needs no SQL); {classes:COL} / {base:COL} that COL is one of
the drug classes given as 'a+b+c'. Arguments come only from the shipped benchmark table, and are
still checked to be plain words or numbers before they touch SQL.
"""

from __future__ import annotations

import re

_SAFE = re.compile(r"^[A-Za-z0-9_.+-]+$")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::([^}]*))?\}")


def family_predicate(family: str, column: str) -> str:
    from healthsim.conditions.library import library

    prefixes = library().families[family].codes.prefixes
    return "(" + " OR ".join(f"{column} LIKE '{p}%'" for p in prefixes) + ")"


def classes_predicate(classes: str, column: str) -> str:
    names = [c for c in classes.split("+") if c]
    return f"{column} IN (" + ", ".join(f"'{c}'" for c in names) + ")"


def render(template: str, pop_table: str, params: tuple[str, ...], args: tuple[str, ...]) -> str:
    values = dict(zip(params, args))
    for value in args:
        if not _SAFE.match(value):
            raise ValueError(f"metric argument {value!r} is not a plain word or number")

    def sub(m: re.Match) -> str:
        name, column = m.group(1), m.group(2)
        if name == "pop":
            return pop_table
        value = values[name]
        if column is None:
            return value
        if name == "family":
            return family_predicate(value, column)
        return classes_predicate(value, column)

    return _PLACEHOLDER.sub(sub, template)
