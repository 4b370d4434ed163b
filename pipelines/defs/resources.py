"""Dagster resources: the DuckDB warehouse (one writer, read-only readers), the landing folder
and the run history. Each is configured with values of the settings (``pipelines.settings``),
never by reading the environment itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from pipelines.landing import LandedFile, scan_landing
from pipelines.settings import (
    DEFAULT_BATCH_DUMPS,
    DEFAULT_COMPACT_RATIO,
    DEFAULT_KEEP_RUNS,
    DEFAULT_MAX_DUMP_MB,
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_WRITER_WAIT_SECONDS,
    Settings,
)
from pipelines.warehouse import connection


class WarehouseResource(DuckDBResource):
    """The papertrends DuckDB file: ``get_connection`` is the single writer (waits for the lock,
    then fails with a one-line "busy"), ``read_only_connection`` never takes the write lock."""

    # how long a run's writes and reads wait for another writer (PAPERTRENDS_WRITER_WAIT)
    wait_seconds: float = DEFAULT_WRITER_WAIT_SECONDS
    # DuckDB's memory cap while loading dumps (PAPERTRENDS_LOAD_MEMORY_LIMIT)
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    # dumps per loading transaction (PAPERTRENDS_BATCH_DUMPS)
    batch_dumps: int = DEFAULT_BATCH_DUMPS
    # rewrite the file after a dbt build past this ratio of blocks (PAPERTRENDS_COMPACT_RATIO)
    compact_ratio: float = DEFAULT_COMPACT_RATIO

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseResource:
        return cls(
            database=str(settings.warehouse),
            wait_seconds=settings.writer_wait_seconds,
            memory_limit=settings.load_memory_limit,
            batch_dumps=settings.batch_dumps,
            compact_ratio=settings.compact_ratio,
        )

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The writing connection, under papertrends' lock policy."""
        with connection.writer(Path(self.database), self.wait_seconds, self.memory_limit) as con:
            yield con

    @contextmanager
    def read_only_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for metadata and queries."""
        with connection.reader(Path(self.database), self.wait_seconds) as con:
            yield con


class LandingFolder(dg.ConfigurableResource):
    """The folder users save dumps into; papertrends only ever reads it."""

    raw_dir: str
    # a file larger than this is refused unread (PAPERTRENDS_MAX_DUMP_MB)
    max_dump_mb: float = DEFAULT_MAX_DUMP_MB

    @classmethod
    def from_settings(cls, settings: Settings) -> LandingFolder:
        return cls(raw_dir=str(settings.raw_dir), max_dump_mb=settings.max_dump_mb)

    @property
    def max_dump_bytes(self) -> int:
        return int(self.max_dump_mb * 1_000_000)

    def files(self, min_age_seconds: float = 0.0) -> list[LandedFile]:
        """Dump files currently in the folder (files still being written are skipped)."""
        return scan_landing(Path(self.raw_dir), min_age_seconds=min_age_seconds)


class RunHistory(dg.ConfigurableResource):
    """How much of Dagster's run history is kept (``pipelines.defs.runs.prune_run_history``)."""

    # finished runs kept; 0 keeps every run (PAPERTRENDS_KEEP_RUNS)
    keep_runs: int = DEFAULT_KEEP_RUNS
