"""Close the DuckDB database dbt-duckdb keeps open after an in-process dbt command.

Upstream: dbt-duckdb 1.11 (``dbt/adapters/duckdb/connections.py``) keeps one ``Environment``
(its DuckDB database) per process in the class attribute ``DuckDBConnectionManager._ENV``, for
the next command of the same process; its ``close_all_connections()``, which dbt calls when a
command ends, only sets it to None when no other reference holds it, and the DuckDB database
(with its lock on the warehouse file) stays open until it is garbage-collected. A dbt command
run with ``dbtRunner`` in a Dagster step (``pipelines/dbt_runner.py``) would then keep the
warehouse locked after ``dbt build`` ends: the next writer (the compaction, another process)
fails with "Could not set lock on file".

The fix: take the environment out of the class attribute and close it (``Environment.close``,
what dbt-duckdb itself does before replacing an environment of other credentials). No upstream
issue asks for it as of 2026-12 (searched duckdb/dbt-duckdb issues for ``_ENV`` and "lock"
after a programmatic invocation); file one before relying on this for long.

The canary in ``tests/integration/test_patches.py`` runs dbt in-process without this and checks
the file is still held afterwards; when it fails (upstream closes the database at the end of a
command), delete this module and its call in ``pipelines/dbt_runner.py``.
"""

from __future__ import annotations


def close_dbt_duckdb() -> None:
    """Close the database dbt-duckdb keeps for this process (a no-op when it has none)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        environment, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if environment is not None:
        environment.close()
