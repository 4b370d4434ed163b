"""Read-only SQL for people: ``papertrends sql``."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import PapertrendsError
from pipelines.warehouse.connection import READER_WAIT_SECONDS, reader

# DuckDB types whose values hold other values (lists, arrays, structs, maps, unions).
NESTED_TYPES = {"list", "array", "struct", "map", "union"}


def run_query(warehouse: Path, query: str, nested_as_json: bool = False) -> pl.DataFrame:
    """Run ``query`` on a read-only connection with no file access and return the result as a
    polars frame; a writer at work makes it wait ``READER_WAIT_SECONDS``, then say "warehouse
    busy". With ``nested_as_json`` every nested column comes back as its JSON text (DuckDB's
    ``to_json``)."""
    with reader(warehouse, wait_seconds=READER_WAIT_SECONDS) as con:
        # Read-only is not enough: a read-only connection can still COPY ... TO, EXPORT or
        # ATTACH other files. Shut the file system off, then lock the settings so the query
        # cannot turn it back on.
        con.execute("set enable_external_access = false")
        con.execute("set lock_configuration = true")
        try:
            relation = con.sql(query)
            if relation is None:  # a statement without a result (SET, PRAGMA ...)
                return pl.DataFrame()
            if nested_as_json:
                relation = _nested_as_json(relation)
            return relation.pl()
        except duckdb.Error as err:
            first = str(err).strip().splitlines()[0]
            raise PapertrendsError(f"query failed: {first}") from err


def _nested_as_json(relation: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """``relation`` with each nested column replaced by its JSON text, in place and by name."""
    types = [str(t.id) for t in relation.dtypes]
    if not NESTED_TYPES.intersection(types):
        return relation
    names = relation.columns
    if len(set(names)) != len(names):  # duplicate names cannot be projected one by one
        raise PapertrendsError(
            "query failed: nested columns need distinct names to be shown (use AS)"
        )
    quoted = ['"' + name.replace('"', '""') + '"' for name in names]
    return relation.project(
        ", ".join(
            f"to_json({column})::varchar as {column}" if kind in NESTED_TYPES else column
            for column, kind in zip(quoted, types, strict=True)
        )
    )
