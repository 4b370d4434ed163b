"""Great Expectations' SQL metrics on DuckDB: fetch the rows before the connection goes back.

Upstream: https://github.com/great-expectations/great_expectations/issues/10738 ("Enable Duckdb
sqlalchemy data source": every expectation fails on duckdb-engine) and
https://github.com/great-expectations/great_expectations/issues/11579 ("resolve_metric_bundle
raises IndexError with duckdb-engine (empty results)"). Both are closed without a fix: the canary
(``tests/integration/test_patches.py``) shows the bug in the GX we lock.

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

When upstream fixes it (the canary ``test_gx_on_duckdb_still_loses_its_rows_unpatched`` fails):
delete this module and its call in ``pipelines/quality/validate.py`` (``import_gx``), raise
the great-expectations floor in ``pyproject.toml`` to the fixed release, and delete the canary
and ``test_gx_on_duckdb_patched_fetches_its_rows``.
"""

from __future__ import annotations

from great_expectations.execution_engine import sqlalchemy_execution_engine as _sae

_ORIG_EXECUTE_QUERY = _sae.SqlAlchemyExecutionEngine.execute_query
_ORIG_EXECUTE_QUERY_IN_TX = _sae.SqlAlchemyExecutionEngine.execute_query_in_transaction


def _buffered(result):
    """The rows of ``result`` in memory, readable after its connection is gone."""
    # FrozenResult() -> IteratorResult over rows already fetched into memory.
    return result.freeze()() if result.returns_rows else result


def _execute_query(self, query):
    """GX's ``execute_query``, with the rows fetched before the connection is released."""
    if self.dialect_name != "duckdb":
        return _ORIG_EXECUTE_QUERY(self, query)
    with self.get_connection() as connection:
        return _buffered(self._execute_query_with_recovery(connection, query))


def _execute_query_in_transaction(self, query):
    """GX's ``execute_query_in_transaction``, with the rows fetched before the commit."""
    if self.dialect_name != "duckdb":
        return _ORIG_EXECUTE_QUERY_IN_TX(self, query)
    with self.get_connection() as connection:
        result = _buffered(self._execute_query_with_recovery(connection, query))
        if connection.in_transaction():
            connection.commit()
    return result


def patch_gx_for_duckdb() -> None:
    """Make GX's SQL engine fetch DuckDB rows before releasing the connection. Idempotent; call
    it after ``import great_expectations``, before validating."""
    cls = _sae.SqlAlchemyExecutionEngine
    if getattr(cls, "_duckdb_buffered_patch", False):
        return
    cls.execute_query = _execute_query
    cls.execute_query_in_transaction = _execute_query_in_transaction
    cls._duckdb_buffered_patch = True
