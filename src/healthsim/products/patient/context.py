"""The per-block state the PatientSim materialisers share: buffers, vocabularies, cut-offs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from healthsim.episodes.timing import NEVER
from healthsim.products.patient.rows import Buffer, Vocab


@dataclass
class EncounterRows:
    """The encounter rows just added: global row index, patient, times, and whether they survive."""

    row: np.ndarray
    member: np.ndarray
    start_ts: np.ndarray
    end_ts: np.ndarray
    keep: np.ndarray


@dataclass
class BlockRecords:
    seed: int
    as_of: int
    cutoff: np.ndarray  # last day any record may fall on, per member (death, term, as_of)
    cutoff_death: np.ndarray  # death day per member (NEVER if alive)
    never: int = NEVER
    vocab: dict[str, Vocab] = field(default_factory=lambda: {k: Vocab() for k in ("dx", "proc", "label", "text")})
    enc: Buffer = field(default_factory=Buffer)
    dx: Buffer = field(default_factory=Buffer)
    proc: Buffer = field(default_factory=Buffer)
    lab: Buffer = field(default_factory=Buffer)
    obs: Buffer = field(default_factory=Buffer)
    med: Buffer = field(default_factory=Buffer)
    ref: Buffer = field(default_factory=Buffer)
    mev: Buffer = field(default_factory=Buffer)
    states: Buffer = field(default_factory=Buffer)
    recorded: Buffer = field(default_factory=Buffer)
    state: object = None  # the block's MemberState
    node_rows: dict[tuple[int, str], np.ndarray] = field(default_factory=dict)
    nodes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.dx_null = self.vocab["dx"].code(None)
        self.vocab["proc"].code(None)
        self.vocab["label"].code(None)
        self.vocab["text"].code(None)

    def node_code(self, run, node) -> int:
        self.node_rows[(run.plan.index, run.plan.repetition, node.key)] = self.enc.rows + np.arange(len(run.occ[node.key]))
        self.nodes.append(node.key)
        return len(self.nodes) - 1

    def encounter_rows_of(self, run, key: str) -> np.ndarray:
        return self.node_rows[(run.plan.index, run.plan.repetition, key)]

    def add_procedure(self, rows: EncounterRows, idx: np.ndarray, code, day, units, modifier) -> None:
        n = len(idx)
        self.proc.add(n, enc_row=rows.row[idx], member=rows.member[idx], code=code, day=day,
                      units=np.full(n, units, np.int32), modifier=self.vocab["label"].code(modifier),
                      keep=rows.keep[idx])
