"""The member state: one clinical truth per member, built once per block.

    conditions (library)  ->  tracks (onset, stage, complications)  ->  deaths
        ->  measured-value trajectories  ->  medication intervals

Episodes (journeys), products and formats read it; they change it only through
the writers in build.py (`establish`, `terminate`) and the calendar (`book`).
See model.py for the reading API and ARCHITECTURE.md for the flow.
"""

from healthsim.state.build import build_state, establish, terminate
from healthsim.state.model import NEVER, MemberState, Track
from healthsim.state.step import MemberStateStep

__all__ = ["NEVER", "MemberState", "MemberStateStep", "Track", "build_state", "establish", "terminate"]
