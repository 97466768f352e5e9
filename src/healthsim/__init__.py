"""HealthSim: specification-driven, reproducible synthetic healthcare data.

The flow is one way: spec -> plan -> engine (block by block, seeded) -> Arrow
tables -> cohort store -> exporters. `healthsim.api` is the service layer that
the CLI, the chat and the MCP server all call.
"""

__version__ = "0.1.0"
