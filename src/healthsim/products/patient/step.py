"""PatientJourneyStep: the engine step that runs a profile's journeys for each block.

For a block it (1) runs every attached journey (episodes/executor) over the
member state (m.state, built by the member-state step), (2) takes the state's
death and any termination as the member's cut-off, so nothing is recorded after
it, (3) turns occurrences into PatientSim rows (records.py), adds the state's
chronic medications as prescriptions (therapy_orders.py) and stops drugs whose
stop rule a recorded result meets, and (4) re-emits the state's tables that
episodes can change: conditions (diagnoses encounters established), deaths (with
the lifecycle journey a member died in) and enrollments (terminations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from healthsim.engine.columns import days
from healthsim.engine.members import MemberBlock
from healthsim.episodes.executor import run_journey
from healthsim.episodes.members import condition_flags, context, coverage_windows
from healthsim.plan.journey import JourneyPlan
from healthsim.plan.population import PopulationPlan
from healthsim.products.patient.clinical_rows import add_order
from healthsim.products.patient.context import BlockRecords
from healthsim.products.patient.dx import establish_diagnoses
from healthsim.products.patient.finish import finish_tables
from healthsim.products.patient.records import materialise_encounters
from healthsim.products.patient.therapy_orders import add_state_orders, apply_observed_stops
from healthsim.spec.journey_events import (
    EncounterEvent,
    EnrollmentChangeEvent,
    LabEvent,
    MedicationEvent,
    MemberEvent,
    ReferralEvent,
)
from healthsim.state.tables import conditions_table, deaths_table, update_enrollments


@dataclass
class PatientJourneyStep:
    population: PopulationPlan
    journeys: tuple[JourneyPlan, ...]

    def static_tables(self) -> dict[str, pa.Table]:
        return {}

    def _plans(self) -> list[JourneyPlan]:
        """Every journey run: a `repeat: yearly` journey once per year of the window."""
        out = []
        for plan in self.journeys:
            years = _years(self.population) if plan.spec.repeat == "yearly" else 1
            out += [plan] + [plan.repeated(k) for k in range(1, years)]
        return out

    def run_block(self, m: MemberBlock, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
        pop = self.population
        state = m.state
        cov = coverage_windows(pop, m, tables["enrollments"])
        prefixes = sorted({p for j in self.journeys for p in j.conditions_used})
        flags = condition_flags(m, prefixes)

        def flags_for(prefix: str) -> np.ndarray:
            if prefix not in flags:
                flags.update(condition_flags(m, [prefix]))
            return flags[prefix]

        ctx = context(pop, m, flags)
        state.measures.ctx.update(flags)
        runs = [run_journey(plan, m, pop.seed, cov, flags_for, ctx, flags) for plan in self._plans()]
        term = np.minimum.reduce([run.term for run in runs] + [state.term_day])
        death = state.death_day
        cutoff = np.minimum(np.minimum(death, term), days(pop.as_of))
        rec = BlockRecords(pop.seed, days(pop.as_of), cutoff, death)
        rec.state = state
        establish_diagnoses(state, runs, cutoff)
        for run in runs:
            _materialise(rec, run)
        add_state_orders(rec, m)
        apply_observed_stops(rec)
        out = finish_tables(rec, m)
        out["deaths"] = deaths_table(state, m, _death_journeys(runs, m))
        out["conditions"] = conditions_table(state, m)
        out["enrollments"] = update_enrollments(tables["enrollments"], m, death, term)
        return out


def _years(pop: PopulationPlan) -> int:
    lo, hi = days(pop.period_start), min(days(pop.period_end), days(pop.as_of))
    return max(1, int(np.ceil((hi - lo + 1) / 365.2425 - 0.01)))


def _death_journeys(runs, m: MemberBlock) -> np.ndarray:
    """The lifecycle journey whose death state a member entered (None elsewhere)."""
    out = np.full(m.n, None, dtype=object)
    for run in runs:
        hit = (run.death_cause != None) & (out == None)
        out[hit] = run.plan.name
    return out


def _materialise(rec: BlockRecords, run) -> None:
    label = rec.vocab["label"].code
    for node in run.plan.nodes:
        occ = run.occ.get(node.key)
        if occ is None:
            continue
        ev = node.event
        keep = occ.day <= rec.cutoff[occ.member]
        if isinstance(ev, EncounterEvent | LabEvent):
            materialise_encounters(rec, run, node, keep)
        elif isinstance(ev, MedicationEvent):
            t = occ.day * 86400 + 10 * 3600
            add_order(rec, run, ev.order, np.full(len(occ), -1, np.int64), occ.member, t, keep,
                      ev.order.id or node.key, node.stream)
        elif isinstance(ev, ReferralEvent):
            rec.ref.add(len(occ), enc_row=np.full(len(occ), -1, np.int64), member=occ.member, day=occ.day,
                        src=label(ev.from_specialty), dst=label(ev.referral.to),
                        reason=np.full(len(occ), rec.vocab["dx"].code(ev.referral.reason if ev.referral.reason
                                                                      and "." in ev.referral.reason else None)),
                        keep=keep)
        elif isinstance(ev, MemberEvent | EnrollmentChangeEvent):
            _member_event(rec, run, node, occ, keep)
    for name, occ in run.states.items():
        keep = occ.day <= rec.cutoff[occ.member]
        rec.states.add(len(occ), member=occ.member, journey=label(run.plan.name), state=label(name),
                       start=occ.day, end=np.minimum(occ.end, rec.cutoff[occ.member]), keep=keep)


def _member_event(rec: BlockRecords, run, node, occ, keep) -> None:
    from healthsim.engine.seeds import Stream, block_rng
    from healthsim.episodes.timing import distribution_labels, label_codes

    ev = node.event
    label = rec.vocab["label"]
    kind = ev.kind if isinstance(ev, MemberEvent) else f"enrollment_{ev.change}"
    outcome = np.full(len(occ), label.code(getattr(ev, "reason", None)), np.int32)
    if isinstance(ev, MemberEvent) and ev.outcome is not None:
        rng = block_rng(rec.seed, run.m.block, Stream.CLINICAL, node.stream)
        names = distribution_labels(ev.outcome)
        outcome = label.codes(names)[label_codes(ev.outcome, names, len(occ), rng, run.sub_ctx(occ.member))]
    rec.mev.add(len(occ), member=occ.member, journey=label.code(run.plan.name), event=label.code(node.key),
                kind=label.code(kind), day=occ.day, outcome=outcome, keep=keep)


