"""PatientJourneyStep: the engine step that runs a profile's journeys for each block.

For a block it (1) runs every attached journey (episodes/executor) into
occurrences, (2) takes the earliest death or enrollment termination of any
journey as the member's cut-off, so no journey records anything after it,
(3) turns occurrences into PatientSim rows (records.py), and (4) returns the
new tables plus the population tables it changes: conditions (journey-recorded
diagnoses; onsets re-dated by `start.if_outside: redate`) and enrollments
(coverage ends at the end of the month of death, or at a termination).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from healthsim.engine.columns import days
from healthsim.engine.members import MemberBlock
from healthsim.episodes.executor import run_journey
from healthsim.episodes.members import condition_flags, context, coverage_windows
from healthsim.episodes.timing import NEVER
from healthsim.plan.journey import JourneyPlan
from healthsim.plan.population import PopulationPlan
from healthsim.products.patient.clinical_rows import add_order
from healthsim.products.patient.context import BlockRecords
from healthsim.products.patient.finish import finish_tables
from healthsim.products.patient.population_updates import update_conditions, update_enrollments
from healthsim.products.patient.records import materialise_encounters
from healthsim.spec.journey_events import (
    EncounterEvent,
    EnrollmentChangeEvent,
    LabEvent,
    MedicationEvent,
    MemberEvent,
    ReferralEvent,
)


@dataclass
class PatientJourneyStep:
    population: PopulationPlan
    journeys: tuple[JourneyPlan, ...]

    def static_tables(self) -> dict[str, pa.Table]:
        return {}

    def run_block(self, m: MemberBlock, tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
        pop = self.population
        cov = coverage_windows(pop, m, tables["enrollments"])
        prefixes = sorted({p for j in self.journeys for p in j.conditions_used})
        flags = condition_flags(m, prefixes)

        def flags_for(prefix: str) -> np.ndarray:
            if prefix not in flags:
                flags.update(condition_flags(m, [prefix]))
            return flags[prefix]

        ctx = context(pop, m, flags)
        runs = [run_journey(plan, m, pop.seed, cov, flags_for, ctx, flags) for plan in self.journeys]
        death = np.full(m.n, NEVER, np.int64)
        for run in runs:
            death = np.minimum(death, run.death)
        term = np.full(m.n, NEVER, np.int64)
        for run in runs:
            term = np.minimum(term, run.term)
        cutoff = np.minimum(np.minimum(death, term), days(pop.as_of))
        rec = BlockRecords(pop.seed, days(pop.as_of), cutoff, death)
        for run in runs:
            _materialise(rec, run)
        out = finish_tables(rec, m)
        out["deaths"] = _deaths(runs, m, death)
        out["conditions"] = update_conditions(tables["conditions"], runs, rec, m)
        out["enrollments"] = update_enrollments(tables["enrollments"], m, death, term)
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


def _deaths(runs, m: MemberBlock, death: np.ndarray) -> pa.Table:
    rows = np.flatnonzero(death < NEVER)
    cause = np.full(len(rows), None, dtype=object)
    journey = np.full(len(rows), None, dtype=object)
    for run in runs:
        mine = run.death[rows] == death[rows]
        fill = mine & (journey == None)
        cause[fill] = run.death_cause[rows][fill]
        journey[fill] = run.plan.name
    return pa.table({
        "person_id": m.person_id[rows],
        "death_date": pa.array(death[rows].astype(np.int32), pa.int32()).cast(pa.date32()),
        "cause_code": pa.array(cause.tolist(), pa.string()),
        "journey": pa.array(journey.tolist(), pa.string()),
    })
