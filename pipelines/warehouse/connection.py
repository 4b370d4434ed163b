"""Connection policy for the DuckDB file: one writer at a time, readers read-only.

DuckDB lets one process hold a file for writing; any other open (even read-only) fails with
"Could not set lock on file". Writers wait a bounded time for the lock, readers do not wait:
both turn failure into one-line ``WarehouseBusy`` / ``WarehouseUnusable`` errors.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.errors import WarehouseBusy, WarehouseUnusable
from pipelines.warehouse.lock import writer_lock

# A writer waits this long for another writer (a dbt build of a large archive takes minutes).
WRITER_WAIT_SECONDS = 600.0
READER_WAIT_SECONDS = 2.0


@contextmanager
def writer(
    path: Path, wait_seconds: float = WRITER_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writing connection, waiting up to ``wait_seconds`` for another writer to finish."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise WarehouseUnusable(f"{path}: cannot create its folder: {err.strerror}") from err
    with writer_lock(path, wait_seconds):
        # readers hold DuckDB's file lock briefly too: retry the open for a few seconds
        con = _open(path, read_only=False, wait_seconds=READER_WAIT_SECONDS * 5)
        try:
            yield con
        finally:
            con.close()


@contextmanager
def reader(
    path: Path, wait_seconds: float = READER_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection; ``WarehouseBusy`` at once (after a short wait) if a writer holds it."""
    if not path.is_file():
        raise WarehouseUnusable(f"{path}: no warehouse there yet (run `papertrends run` first)")
    con = _open(path, read_only=True, wait_seconds=wait_seconds)
    try:
        yield con
    finally:
        con.close()


def _open(path: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as err:
            message = str(err)
            if "lock" not in message.lower():
                raise WarehouseUnusable(f"{path}: {_first_line(message)}") from err
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{path}: warehouse busy (another papertrends process is writing it), "
                    "try again in a moment"
                ) from err
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "cannot open"
    return line.removeprefix("IO Error: ")
