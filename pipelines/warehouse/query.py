"""Read-only SQL for people: ``papertrends sql``."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import PapertrendsError
from pipelines.warehouse.connection import READER_WAIT_SECONDS, reader


def run_query(warehouse: Path, query: str) -> pl.DataFrame:
    """Run ``query`` on a read-only connection and return the result as a polars frame; a writer
    at work makes it wait ``READER_WAIT_SECONDS``, then say "warehouse busy"."""
    with reader(warehouse, wait_seconds=READER_WAIT_SECONDS) as con:
        try:
            relation = con.sql(query)
            if relation is None:  # a statement without a result (SET, PRAGMA ...)
                return pl.DataFrame()
            return relation.pl()
        except duckdb.Error as err:
            first = str(err).strip().splitlines()[0]
            raise PapertrendsError(f"query failed: {first}") from err
