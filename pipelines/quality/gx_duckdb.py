"""Workaround for GX 1.x SQL metrics over duckdb-engine (GX issues 10738 / 11579).

Root cause (verified with great-expectations 1.24.1, duckdb 2.0.0, duckdb-engine 0.17.0,
SQLAlchemy 2.0.58 and 2.1.9):

    SqlAlchemyExecutionEngine.execute_query() runs the statement inside
    `with self.get_connection() as connection:` and *returns the un-fetched CursorResult*.
    Every caller then does `.fetchall()` / `.fetchone()` / `.scalar()` *after* the
    connection went back to the pool. psycopg2/sqlite buffer rows client-side, so that
    works there; duckdb's cursor result set is gone once the SQLAlchemy connection is
    closed, so fetchall() returns [] (or raises "No open result set" with NullPool).
    GX then fails with `IndexError: list index out of range` in resolve_metric_bundle
    (-> MetricResolutionError) and every expectation comes back success=False with
    an empty result.

Fix: fetch the rows while the connection is still open and hand GX a buffered
(in-memory) Result, which supports the same fetchall/fetchone/fetchmany/scalar/keys API.
Only the duckdb dialect is affected; every other dialect goes through the original code.
"""

from __future__ import annotations

from great_expectations.execution_engine import sqlalchemy_execution_engine as _sae

_ORIG_EXECUTE_QUERY = _sae.SqlAlchemyExecutionEngine.execute_query
_ORIG_EXECUTE_QUERY_IN_TX = _sae.SqlAlchemyExecutionEngine.execute_query_in_transaction


def _buffered(result):
    # FrozenResult() -> IteratorResult over rows already fetched into memory.
    return result.freeze()() if result.returns_rows else result


def _execute_query(self, query):
    if self.dialect_name != "duckdb":
        return _ORIG_EXECUTE_QUERY(self, query)
    with self.get_connection() as connection:
        return _buffered(self._execute_query_with_recovery(connection, query))


def _execute_query_in_transaction(self, query):
    if self.dialect_name != "duckdb":
        return _ORIG_EXECUTE_QUERY_IN_TX(self, query)
    with self.get_connection() as connection:
        result = _buffered(self._execute_query_with_recovery(connection, query))
        if connection.in_transaction():
            connection.commit()
    return result


def patch_gx_for_duckdb() -> None:
    """Idempotent. Call once after `import great_expectations`, before validating."""
    cls = _sae.SqlAlchemyExecutionEngine
    if getattr(cls, "_duckdb_buffered_patch", False):
        return
    cls.execute_query = _execute_query
    cls.execute_query_in_transaction = _execute_query_in_transaction
    cls._duckdb_buffered_patch = True
