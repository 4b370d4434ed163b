"""The DuckDB warehouse: connection policy (one writer, read-only readers), DDL, atomic loads."""
