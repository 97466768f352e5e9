"""Integrity invariants of one clinical truth per member (issue 9), as SQL over every row.

Each check is a SELECT of the violating rows (person_id plus what is wrong); validate counts them
and shows a few. A cohort passes when every check finds none. The checks read the condition
library for what a code, a drug class and a contraindication mean, so a new condition file is
checked without new SQL here.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthsim.store.analysis import AnalysisSession

EGFR_LOINCS = ("98979-8", "33914-3", "62238-1", "48642-3", "48643-1", "50044-7", "88293-6", "88294-4")
MEASURE_LOINCS = {"egfr": EGFR_LOINCS, "a1c": ("4548-4",), "inr": ("6301-6", "34714-6")}
PILEUP_MIN_MEAN = 5.0  # daily mean below which a 3x day is ordinary Poisson noise, not a pile-up
PILEUP_FACTOR = 3.0


@dataclass(frozen=True)
class Invariant:
    id: str
    label: str
    sql: str
    needs: tuple[str, ...] = ()  # tables that must exist


@dataclass(frozen=True)
class InvariantResult:
    id: str
    label: str
    violations: int
    examples: tuple[str, ...]
    skipped: str = ""

    @property
    def passed(self) -> bool:
        return self.violations == 0

    def as_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "violations": self.violations,
                "examples": list(self.examples), "skipped": self.skipped or None}


def invariants() -> list[Invariant]:
    from healthsim.conditions.library import library

    fams = list(library().families.values())
    family_of = _family_case(fams)
    out = [
        Invariant("diagnosis_without_condition",
                  "diagnosis of a condition family the member does not have (yet) on that date",
                  f"""SELECT d.person_id, d.code || ' on ' || d.diagnosis_date AS what FROM diagnoses d
                      WHERE {family_of.format(col='d.code')} IS NOT NULL
                        AND NOT EXISTS (SELECT 1 FROM conditions c WHERE c.person_id = d.person_id
                            AND {family_of.format(col='c.code')} = {family_of.format(col='d.code')}
                            AND coalesce(c.onset_date, d.diagnosis_date) <= d.diagnosis_date)""",
                  ("diagnoses", "conditions")),
        Invariant("e11_before_onset", "E11 coded before the member's diabetes onset",
                  """SELECT d.person_id, d.code || ' on ' || d.diagnosis_date || ', onset ' || o.onset AS what
                     FROM diagnoses d JOIN (SELECT person_id, min(onset_date) AS onset FROM conditions
                                            WHERE code LIKE 'E11%' GROUP BY person_id) o USING (person_id)
                     WHERE d.code LIKE 'E11%' AND d.diagnosis_date < o.onset""", ("diagnoses", "conditions")),
        Invariant("dated_after_death", "a visit, order, fill, result or claim dated after the member's death",
                  _AFTER_DEATH_SQL, ("deaths",)),
        Invariant("expired_without_death", "a status-20 (expired) discharge without a death on that day",
                  """SELECT e.person_id, 'encounter ' || e.encounter_id AS what FROM encounters e
                     LEFT JOIN deaths d USING (person_id)
                     WHERE e.discharge_disposition = '20'
                       AND (d.death_date IS NULL OR d.death_date <> coalesce(e.discharge_date, CAST(e.end_time AS DATE)))""",
                  ("encounters", "deaths")),
        Invariant("enrolled_after_death", "enrollment that runs past the month of death",
                  """SELECT e.person_id, e.coverage_type || ' to ' || e.end_date || ', died ' || d.death_date AS what
                     FROM enrollments e JOIN deaths d USING (person_id)
                     WHERE e.end_date > last_day(d.death_date)""", ("enrollments", "deaths")),
        Invariant("overlapping_stays", "two inpatient stays of one member at the same time",
                  """SELECT person_id, 'admitted ' || admit_date || ' before discharge ' || prev AS what FROM (
                       SELECT person_id, admit_date,
                              max(discharge_date) OVER (PARTITION BY person_id ORDER BY admit_date, encounter_id
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev
                       FROM encounters WHERE type = 'inpatient') WHERE admit_date < prev""", ("encounters",)),
        Invariant("drug_before_condition", "a medication started before (or without) a condition it treats",
                  _drug_sql(fams), ("medication_orders", "conditions")),
        Invariant("contraindicated_drug", "a drug filled while a contraindication holds (e.g. metformin, eGFR < 30)",
                  _contraindication_sql(fams), ("pharmacy_claims", "observations")),
        Invariant("pregnancy_contraindicated", "a drug contraindicated in pregnancy filled during a pregnancy",
                  _pregnancy_drug_sql(fams), ("pharmacy_claims", "conditions")),
        Invariant("pregnancy_code_misplaced", "a pregnancy code on a man, a girl under 12 or a woman over 55",
                  """SELECT d.person_id, d.code AS what FROM diagnoses d JOIN persons p USING (person_id)
                     WHERE (d.code LIKE 'O%' OR d.code LIKE 'Z3A%' OR d.code LIKE 'Z34%')
                       AND (p.sex <> 'F' OR date_diff('year', p.birth_date, d.diagnosis_date) NOT BETWEEN 12 AND 55)""",
                  ("diagnoses",)),
        Invariant("day_pileup", f"a day holding more than {PILEUP_FACTOR:g}x the mean daily count of an encounter type",
                  _PILEUP_SQL, ("encounters",)),
    ]
    return out


def check_all(session: AnalysisSession) -> list[InvariantResult]:
    results = []
    for inv in invariants():
        missing = [t for t in inv.needs if not session.has_table(t)]
        if missing:
            results.append(InvariantResult(inv.id, inv.label, 0, (), f"no {', '.join(missing)} table"))
            continue
        n = int(session.one(f"SELECT count(*) FROM ({inv.sql}) AS v")[0])
        examples = tuple(w if p is None else f"person {p}: {w}" for p, w in session.rows(
            f"SELECT person_id, what FROM ({inv.sql}) AS v ORDER BY person_id LIMIT 3")) if n else ()
        results.append(InvariantResult(inv.id, inv.label, n, examples))
    return results


def _family_case(fams) -> str:
    """CASE expression: the family id of a code in {col} (longest prefix first), else NULL."""
    pairs = sorted(((p, f.id) for f in fams for p in f.codes.prefixes), key=lambda t: -len(t[0]))
    whens = " ".join(f"WHEN {{col}} LIKE '{p}%' THEN '{fid}'" for p, fid in pairs)
    return f"(CASE {whens} END)"


def _drug_sql(fams) -> str:
    treats: dict[str, set[str]] = {}
    for f in fams:
        for t in f.therapy:
            treats.setdefault(t.drug_class, set()).add(f.id)
    if not treats:
        return "SELECT NULL::BIGINT AS person_id, NULL AS what WHERE false"
    family_of = _family_case(fams).format(col="c.code")
    cases = " ".join(
        f"WHEN '{cls}' THEN {family_of} IN ({', '.join(repr(x) for x in sorted(ids))})" for cls, ids in treats.items())
    return f"""SELECT o.person_id, o.drug_class || ' from ' || o.start_date AS what FROM medication_orders o
               WHERE o.drug_class IN ({', '.join(repr(c) for c in treats)})
                 AND NOT EXISTS (SELECT 1 FROM conditions c WHERE c.person_id = o.person_id
                     AND coalesce(c.onset_date, o.start_date) <= o.start_date
                     AND (CASE o.drug_class {cases} ELSE false END))"""


def _contraindication_sql(fams) -> str:
    parts = []
    for f in fams:
        for t in f.therapy:
            for test in t.contraindicated:
                loincs = MEASURE_LOINCS.get(test.measure)
                if not loincs:
                    continue
                cond = " AND ".join(x for x in (
                    f"g.value < {test.below}" if test.below is not None else "",
                    f"g.value > {test.above}" if test.above is not None else "") if x)
                parts.append(f"""SELECT f.person_id, '{t.drug_class} filled ' || f.fill_date || ' after {test.measure} '
                                        || round(g.value, 1) AS what
                                 FROM (SELECT f.*, CAST(f.fill_date AS TIMESTAMP) AS ts FROM pharmacy_claims f
                                       JOIN medication_orders o USING (order_id)
                                       WHERE f.status = 'paid' AND o.drug_class = '{t.drug_class}') f
                                 ASOF JOIN (SELECT person_id, time, value FROM observations
                                            WHERE loinc IN ({', '.join(repr(x) for x in loincs)}) AND value IS NOT NULL) g
                                   ON f.person_id = g.person_id AND f.ts >= g.time
                                 WHERE {cond}""")
    return "\nUNION ALL\n".join(dict.fromkeys(parts)) or "SELECT NULL::BIGINT AS person_id, NULL AS what WHERE false"


def _pregnancy_drug_sql(fams) -> str:
    classes = sorted({t.drug_class for f in fams for t in f.therapy if t.pregnancy_contraindicated}
                     | {"statin", "ace_inhibitor", "angiotensin_receptor_blocker"})  # FDA labeling
    preg = next((f for f in fams if f.id == "pregnancy"), None)
    if preg is None:
        return "SELECT NULL::BIGINT AS person_id, NULL AS what WHERE false"
    length = max(preg.onset.duration_days or (280, 280))
    prefixes = " OR ".join(f"c.code LIKE '{p}%'" for p in preg.codes.prefixes)
    return f"""SELECT f.person_id, o.drug_class || ' filled ' || f.fill_date || ' in pregnancy from ' || c.onset_date AS what
               FROM pharmacy_claims f JOIN medication_orders o USING (order_id)
               JOIN conditions c ON c.person_id = f.person_id AND ({prefixes})
               WHERE f.status = 'paid' AND o.drug_class IN ({', '.join(repr(x) for x in classes)})
                 AND f.fill_date BETWEEN c.onset_date AND c.onset_date + {int(length)} - 56"""


_AFTER_DEATH_SQL = """
WITH d AS (SELECT person_id, min(death_date) AS death_date FROM deaths GROUP BY person_id)
SELECT e.person_id, 'encounter ' || e.type || ' on ' || CAST(e.start_time AS DATE) AS what
  FROM encounters e JOIN d USING (person_id) WHERE CAST(e.start_time AS DATE) > d.death_date
UNION ALL
SELECT o.person_id, 'order ' || o.drug_class || ' from ' || o.start_date
  FROM medication_orders o JOIN d USING (person_id) WHERE o.start_date > d.death_date
UNION ALL
SELECT f.person_id, 'fill on ' || f.fill_date FROM pharmacy_claims f JOIN d USING (person_id) WHERE f.fill_date > d.death_date
UNION ALL
SELECT c.person_id, 'claim for ' || c.service_from FROM claims c JOIN d USING (person_id) WHERE c.service_from > d.death_date
UNION ALL
SELECT b.person_id, 'result ' || b.loinc || ' on ' || CAST(b.time AS DATE)
  FROM observations b JOIN d USING (person_id) WHERE CAST(b.time AS DATE) > d.death_date
"""

_PILEUP_SQL = f"""
WITH days AS (SELECT type, CAST(start_time AS DATE) AS day, count(*) AS n FROM encounters GROUP BY ALL),
span AS (SELECT min(day) AS d0, max(day) AS d1 FROM days),
stats AS (SELECT type, sum(n) / (any_value(s.d1 - s.d0) + 1) AS mean FROM days, span s GROUP BY type)
SELECT NULL::BIGINT AS person_id, d.type || ': ' || d.n || ' on ' || d.day || ' (mean ' || round(s.mean, 1) || ')' AS what
FROM days d JOIN stats s USING (type)
WHERE s.mean >= {PILEUP_MIN_MEAN} AND d.n > {PILEUP_FACTOR} * s.mean
"""
