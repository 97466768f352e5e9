"""The engine: spec -> Arrow tables, block by block, deterministic for a seed."""
