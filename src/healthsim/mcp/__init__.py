"""HealthSim's MCP server: LLM clients drive the same builders and service layer as the CLI.

`healthsim mcp` serves `server.create_server(config)` over stdio; `safety`
holds the guard rails (workspace confinement, count cap) and `sessions` the
builder dialogues in progress.
"""
