"""Journey checks that need the reference code sets or the lifecycle graph.

Each check appends FieldProblems (dotted field path, message, value, allowed)
rather than raising, so a person sees every problem of a journey at once.
"""

from __future__ import annotations

import difflib

from healthsim.errors import FieldProblem
from healthsim.spec.journey import JourneySpec, Lifecycle
from healthsim.spec.journey_events import (
    SPECIALTIES,
    DeathEvent,
    DecisionEvent,
    EncounterEvent,
    LabEvent,
    MedicationEvent,
    ReferralEvent,
)
from healthsim.spec.journey_timing import When

DISCHARGE_STATUS = ("01", "02", "03", "04", "05", "06", "07", "20", "21", "43", "50", "51", "62", "63", "65")
"""UB-04 patient discharge status codes HealthSim may write (NUBC FL17)."""


def _near(value: str, options) -> str | None:
    near = difflib.get_close_matches(value, list(options), n=1)
    return near[0] if near else None


class _Codes:
    def __init__(self, problems: list[FieldProblem]):
        from healthsim.reference import clinical

        self.problems = problems
        self.procedures = clinical.procedure_codes()
        self.pcs = clinical.pcs_codes()
        self.panels = clinical.lab_panels()
        self.observables = clinical.observables()
        self.drugs = clinical.drugs()
        self.conditions: set[str] = set()
        self.event_refs: list[tuple[str, str]] = []  # (path, event id) from `without_event`

    def icd10(self, code: str | None, path: str, billable: bool = True) -> None:
        from healthsim.reference import icd10

        if code is None:
            return
        info = icd10.lookup(code)
        if info is None:
            self.problems.append(FieldProblem(path, "unknown ICD-10-CM code", code, None,
                                              (icd10.suggest(code, 1) or [None])[0]))
        elif billable and not info.billable:
            self.problems.append(FieldProblem(path, f"ICD-10-CM {info.code} is a category, not a billable code; "
                                              "use a more specific code", code))

    def prefix(self, prefix: str | None, path: str) -> None:
        from healthsim.reference import icd10

        if prefix is None:
            return
        if icd10.lookup(prefix) is None:
            self.problems.append(FieldProblem(path, "unknown ICD-10-CM code or category", prefix))
        self.conditions.add(prefix.upper())

    def when(self, w: When | None, path: str) -> None:
        if w is None:
            return
        for i, c in enumerate(w.condition or []):
            self.prefix(c, f"{path}.condition.{i}")
        for i, c in enumerate(w.without_condition or []):
            self.prefix(c, f"{path}.without_condition.{i}")
        self.event_refs += [(f"{path}.without_event.{i}", e) for i, e in enumerate(w.without_event or [])]
        if w.result is not None and w.result.measure not in self.observables:
            self.problems.append(FieldProblem(f"{path}.result.measure", "unknown measure", w.result.measure,
                                              None, _near(w.result.measure, self.observables)))

    def procedure(self, code: str, path: str) -> None:
        if code not in self.procedures and code not in self.pcs:
            self.problems.append(FieldProblem(path, "unknown CPT/HCPCS/ICD-10-PCS code (not in the shipped subset)",
                                              code, None, _near(code, list(self.procedures) + list(self.pcs))))

    def em(self, em, path: str) -> None:
        if em is None or em in ("none", "preventive"):
            return
        labels = [em] if isinstance(em, str) else list(getattr(em, "weights", {}) or {})
        if not isinstance(em, str) and not labels:
            self.problems.append(FieldProblem(path, "em must be a code or a categorical over codes"))
        for code in labels:
            info = self.procedures.get(code)
            if info is None or info.category not in ("em", "preventive"):
                self.problems.append(FieldProblem(path, "not an E/M or preventive visit code", code, None,
                                                  _near(code, [c for c, i in self.procedures.items()
                                                               if i.category in ("em", "preventive")])))

    def panel(self, panel: str, path: str) -> None:
        if panel not in self.panels:
            self.problems.append(FieldProblem(path, "unknown lab panel", panel, ", ".join(self.panels),
                                              _near(panel, self.panels)))

    def drug(self, rxcui: str, path: str) -> None:
        if rxcui not in self.drugs:
            self.problems.append(FieldProblem(path, "unknown RxNorm code (not in the shipped subset)", rxcui,
                                              None, _near(rxcui, self.drugs)))


def check_codes(spec: JourneySpec, nodes, med_ids: dict, problems: list[FieldProblem]) -> set[str]:
    """Every code, panel, measure and reference of the journey exists; returns condition prefixes used."""
    c = _Codes(problems)
    if spec.start.anchor == "condition_onset":
        c.prefix(spec.start.condition, "start.condition")
    c.when(spec.eligibility, "eligibility")
    for n in nodes:
        _check_event(c, n.event, n.path)
    keys = {n.key for n in nodes} | set(med_ids)
    for path, ref in c.event_refs:
        if ref not in keys:
            problems.append(FieldProblem(path, "unknown event", ref, None, _near(ref, keys)))
    for name, m in spec.measures.items():
        obs = c.observables.get(name)
        if obs is None:
            problems.append(FieldProblem(f"measures.{name}", "unknown measure", name, None,
                                         _near(name, c.observables)))
            continue
        if m.text is not None and obs.value_type != "text":
            problems.append(FieldProblem(f"measures.{name}.text", f"{name} is a numeric measure"))
        if obs.derive and (m.baseline is not None or m.effects):
            problems.append(FieldProblem(f"measures.{name}", f"{name} is computed ({obs.derive}); "
                                         "set the measures it is computed from instead"))
        for i, eff in enumerate(m.effects):
            if eff.event not in keys:
                problems.append(FieldProblem(f"measures.{name}.effects.{i}.event", "unknown event", eff.event,
                                             None, _near(eff.event, keys)))
    return c.conditions


def _check_event(c: _Codes, ev, path: str) -> None:
    c.when(ev.when, f"{path}.when")
    if isinstance(ev, EncounterEvent | LabEvent):
        for i, d in enumerate(ev.diagnoses):
            c.icd10(d.code, f"{path}.diagnoses.{i}.code")
            c.prefix(d.condition, f"{path}.diagnoses.{i}.condition")
            c.when(d.when, f"{path}.diagnoses.{i}.when")
        for i, lab in enumerate(ev.labs + getattr(ev, "daily_labs", [])):
            c.panel(lab.panel, f"{path}.labs.{i}.panel")
    if isinstance(ev, EncounterEvent):
        c.em(ev.em, f"{path}.em")
        if ev.reason and "." in ev.reason:
            c.icd10(ev.reason, f"{path}.reason")
        elif ev.reason:
            c.prefix(ev.reason, f"{path}.reason")
        for i, p in enumerate(ev.procedures):
            c.procedure(p.code, f"{path}.procedures.{i}.code")
        for i, key in enumerate(ev.vitals or []):
            if key not in c.observables:
                c.problems.append(FieldProblem(f"{path}.vitals.{i}", "unknown observation", key, None,
                                               _near(key, c.observables)))
        for field in ("medications", "discharge_medications"):
            for i, med in enumerate(getattr(ev, field)):
                c.drug(med.drug, f"{path}.{field}.{i}.drug")
        for i, ref in enumerate(ev.referrals):
            _referral(c, ref, f"{path}.referrals.{i}")
        if ev.disposition is not None:
            bad = sorted(set(ev.disposition.weights) - set(DISCHARGE_STATUS))
            if bad:
                c.problems.append(FieldProblem(f"{path}.disposition.weights", "unknown discharge status",
                                               ", ".join(bad), ", ".join(DISCHARGE_STATUS)))
            total = sum(ev.disposition.weights.values())
            if abs(total - 1) > 1e-6:
                c.problems.append(FieldProblem(f"{path}.disposition.weights",
                                               f"probabilities must sum to 1 (they sum to {total:.4f})"))
    elif isinstance(ev, MedicationEvent):
        c.drug(ev.order.drug, f"{path}.order.drug")
    elif isinstance(ev, ReferralEvent):
        _referral(c, ev.referral, f"{path}.referral")
    elif isinstance(ev, DeathEvent):
        c.icd10(ev.cause, f"{path}.cause")
    elif isinstance(ev, DecisionEvent):
        for i, rule in enumerate(ev.rules):
            c.when(rule.when, f"{path}.rules.{i}.when")


def _referral(c: _Codes, ref, path: str) -> None:
    if ref.to not in SPECIALTIES:
        c.problems.append(FieldProblem(f"{path}.to", "unknown specialty", ref.to, ", ".join(SPECIALTIES),
                                       _near(ref.to, SPECIALTIES)))
    if ref.reason and "." in ref.reason:
        c.icd10(ref.reason, f"{path}.reason")
    elif ref.reason:
        c.prefix(ref.reason, f"{path}.reason")


def check_lifecycle(lc: Lifecycle) -> list[FieldProblem]:
    """Every state must be able to end: a loop of states with no path to a terminal state is an error."""
    problems = []
    graph = {s: {t for t, p in st.transitions.items() if p > 0 and t != s} for s, st in lc.states.items()}

    def reach(s: str) -> set[str]:
        seen, todo = set(), [s]
        while todo:
            for t in graph[todo.pop()]:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        return seen

    reported: set[str] = set()
    for s, st in lc.states.items():
        if st.terminal or s in reported:
            continue
        r = reach(s)
        cycle = sorted(t for t in r if s in reach(t))
        if cycle and not any(lc.states[t].terminal for t in r):
            loop = sorted({s, *cycle})
            reported.update(loop)
            problems.append(FieldProblem(f"lifecycle.states.{s}.transitions",
                                         "cycle with no exit: states " + " <-> ".join(loop) + " move between "
                                         "each other and none leads to a terminal state (add a transition "
                                         "to e.g. death, or mark a state terminal)"))
    for s, st in lc.states.items():
        if st.death and st.cause:
            from healthsim.reference import icd10

            if icd10.lookup(st.cause) is None:
                problems.append(FieldProblem(f"lifecycle.states.{s}.cause", "unknown ICD-10-CM code", st.cause))
    return problems


def lifecycle_initial(spec: JourneySpec):
    return spec.lifecycle.initial if spec.lifecycle else None


__all__ = ["DISCHARGE_STATUS", "check_codes", "check_lifecycle"]
