"""Measurements named in a request: 'BMI over 40', 'an A1C above 9', 'A1c < 7'.

They say who the members are, never their ages (so 'BMI over 40' is not 'over 40'):
- BMI: 40 and over -> E66.01 (morbid obesity), 30-39 -> E66.9 (obesity), 25-29 -> E66.3
  (overweight) (the WHO/CDC adult BMI classes);
- HbA1c: a floor of 9 or more -> diabetes_control 'poor' for everyone (HEDIS "poor control" is
  above 9%); a floor of 7 to 9 -> 'suboptimal' and 'poor' half each (assumed); a ceiling of 7 or
  8 -> 'controlled'. A floor of 6.5 or more is diabetes (ADA diagnostic threshold), so type 2
  diabetes (E11.9) is added when no diabetes is named.
"""

from __future__ import annotations

import re

from healthsim.builders.facts import ConditionFact
from healthsim.builders.text import RequestText

_ABOVE = r"(?:over|above|greater\s+than|more\s+than|at\s+least|>=?|of|=|:)?"
_BELOW = r"(?:under|below|less\s+than|<=?)"
_VALUE = r"(\d{1,2}(?:\.\d)?)\s*%?"
BMI = re.compile(rf"\b(?:a\s+)?(?:bmis?|body\s+mass\s+index(?:es)?)\s*{_ABOVE}\s*{_VALUE}"
                 r"(?:\s*(?:\+|or\s+(?:more|higher|above|over)|and\s+(?:up|above|over)))?", re.IGNORECASE)
A1C = re.compile(rf"\b(?:an?\s+)?(?:hb\s*a1c|hba1c|a1c|hemoglobin\s+a1c|glycated\s+hemoglobin)s?\s*(?:levels?\s+)?"
                 rf"(?:(?P<below>{_BELOW})|{_ABOVE})\s*{_VALUE}", re.IGNORECASE)


def take_measures(rt: RequestText) -> tuple[list[tuple[int, int, ConditionFact]], dict[str, float] | None]:
    """(conditions the measurements imply, at their positions; diabetes_control shares or None)."""
    from healthsim.builders.conditions import fact_for

    found: list[tuple[int, int, ConditionFact]] = []
    control = None
    for m in list(rt.matches(BMI, allow_protected=True)):
        value = float(m.group(1))
        if not 15 <= value <= 80:
            continue
        code = "E66.01" if value >= 40 else "E66.9" if value >= 30 else "E66.3" if value >= 25 else None
        rt.take(m.start(), m.end(), "measure")
        if code:
            found.append((m.start(), m.end(), fact_for(code, m.group(0).strip(), "measure")))
    for m in list(rt.matches(A1C, allow_protected=True)):
        value = float(m.group(2))
        if not 4 <= value <= 15:
            continue
        rt.take(m.start(), m.end(), "measure")
        if m.group("below"):
            control = {"controlled": 1.0} if value <= 8 else control
            continue
        control = {"poor": 1.0} if value >= 9 else {"suboptimal": 0.5, "poor": 0.5} if value >= 7 else control
        if value >= 6.5:
            found.append((m.start(), m.end(), fact_for("E11.9", m.group(0).strip(), "measure")))
    return found, control
