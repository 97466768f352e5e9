"""The language layer: sentences and dialogues -> validated specs.

- `parse_request(text)`: a one-line request -> `RequestSpec` (profile + journeys
  + outputs + the list of assumed values). No network model: word lists,
  regexes and fuzzy search over the shipped ICD-10-CM.
- `ProfileBuilder` / `JourneyBuilder`: the seed's 4-phase conversations as pure
  state machines, (state, message) -> (state, spec, assumptions, questions).
The CLI, chat, MCP server and Python API all call these; nothing here prints.
"""

from healthsim.builders.parser import parse_facts, parse_request
from healthsim.builders.request import (
    Assumption,
    JourneyRequest,
    OutputRequest,
    RequestError,
    RequestSpec,
)

__all__ = ["Assumption", "JourneyRequest", "OutputRequest", "RequestError", "RequestSpec",
           "parse_facts", "parse_request"]
