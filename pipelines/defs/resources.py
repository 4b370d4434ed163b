"""Dagster resources: the DuckDB warehouse (one writer, read-only readers) and the landing folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from pipelines.landing import LandedFile, scan_landing
from pipelines.warehouse import connection


class WarehouseResource(DuckDBResource):
    """The papertrends DuckDB file: ``get_connection`` is the single writer (waits for the lock,
    then fails with a one-line "busy"), ``read_only_connection`` never takes the write lock."""

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The writing connection, under papertrends' lock policy."""
        with connection.writer(Path(self.database)) as con:
            yield con

    @contextmanager
    def read_only_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for metadata and queries."""
        with connection.reader(Path(self.database)) as con:
            yield con


class LandingFolder(dg.ConfigurableResource):
    """The folder users save dumps into; papertrends only ever reads it."""

    raw_dir: str

    def files(self, min_age_seconds: float = 0.0) -> list[LandedFile]:
        """Dump files currently in the folder (files still being written are skipped)."""
        return scan_landing(Path(self.raw_dir), min_age_seconds=min_age_seconds)
