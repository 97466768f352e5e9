"""Lifecycle journeys: a Markov chain over states, stepped for all members at once.

Each cycle every member draws one uniform; the next state is where it falls in
the cumulative transition row of their current state (staying is the
diagonal). A move happens on a day drawn inside the cycle, so entries are
spread over the calendar but stay in order. The result is, per state, the
occurrences of entering it (member, day, and the last day before leaving),
which anchor the state's events.

Death belongs to the member state (SSA life table x condition hazards): the
chain's own transitions into a `death` state are folded into staying, and a
member whose state death falls inside the lifecycle enters its death state on
that day, from wherever they are. The state's condition hazard ratios carry
the mortality the transition probabilities described (heart failure's HR for
chf-lifecycle), so deaths are neither doubled nor contradicted.
"""

from __future__ import annotations

import numpy as np

from healthsim.episodes.timing import Occurrences, label_codes


def transition_matrix(plan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cumulative transition rows, terminal flags, death flags) in state order."""
    names = list(plan.state_names)
    states = plan.spec.lifecycle.states
    p = np.zeros((len(names), len(names)))
    for i, name in enumerate(names):
        for target, prob in states[name].transitions.items():
            if not states[target].death:  # death comes from the member state (see the docstring)
                p[i, names.index(target)] += prob
        p[i, i] += 1.0 - p[i].sum()
    cumulative = np.cumsum(p, axis=1)
    cumulative[:, -1] = 1.0
    terminal = np.array([states[x].terminal for x in names])
    death = np.array([states[x].death for x in names])
    return cumulative, terminal, death


def run_lifecycle(plan, run, rng: np.random.Generator) -> dict[str, Occurrences]:
    names = list(plan.state_names)
    cycle = plan.spec.lifecycle.cycle
    cumulative, terminal, death = transition_matrix(plan)
    member = np.flatnonzero(run.active)
    state = label_codes(plan.initial_states, names, len(member), rng, run.sub_ctx(member))
    start, end = run.start[member], run.end[member]
    entries = [(member, state, start)]
    steps = int(np.ceil(plan.spec.duration / cycle))
    for step in range(1, steps + 1):
        u = rng.random(len(member))
        when = start + (step - 1) * cycle + rng.integers(1, cycle + 1, len(member))
        nxt = (cumulative[state] < u[:, None]).sum(axis=1)
        moved = (nxt != state) & ~terminal[state] & (when <= end)
        entries.append((member[moved], nxt[moved], when[moved]))
        state = np.where(moved, nxt, state)
    death_states = np.flatnonzero(death)
    if len(death_states):
        dies = (run.death[member] >= start) & (run.death[member] <= end)
        entries.append((member[dies], np.full(int(dies.sum()), death_states[0]), run.death[member][dies]))
    who = np.concatenate([e[0] for e in entries])
    what = np.concatenate([e[1] for e in entries]).astype(np.int64)
    day = np.concatenate([e[2] for e in entries]).astype(np.int64)
    after_death = day > run.death[who]
    who, what, day = who[~after_death], what[~after_death], day[~after_death]
    order = np.lexsort((day, who))
    who, what, day = who[order], what[order], day[order]
    same_next = np.append(who[1:] == who[:-1], False)
    leave = np.where(same_next, np.append(day[1:], 0) - 1, run.end[who])
    dead = death[what]
    if dead.any():
        _deaths(run, plan, who[dead], day[dead], what[dead])
    out = {}
    for i, name in enumerate(names):
        rows = np.flatnonzero(what == i)
        out[name] = Occurrences(who[rows], day[rows], rows.astype(np.int64), np.maximum(leave[rows], day[rows]),
                                {"state": what[rows]})
    return out


def _deaths(run, plan, who: np.ndarray, day: np.ndarray, state: np.ndarray) -> None:
    """Label deaths that happened in this lifecycle with its death state's cause (the day is the state's)."""
    states = plan.spec.lifecycle.states
    causes = np.array([states[x].cause for x in plan.state_names], dtype=object)
    first = np.unique(who, return_index=True)[1]
    who, state = who[first], state[first]
    run.death_cause[who] = causes[state]
