"""Connection policy for the DuckDB file: one writer at a time, readers read-only.

DuckDB lets one process hold a file for writing; any other open (even read-only) fails with
"Could not set lock on file". Writers wait a bounded time for the lock; readers that are part of a
run wait as long, ``papertrends sql`` only briefly. Failures become one-line ``WarehouseBusy`` /
``WarehouseUnusable`` errors naming the file and the reason, also when a write fails half-way
(disk full, read-only file system): the transaction is then rolled back by DuckDB.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import tenacity

from pipelines.errors import WarehouseBusy, WarehouseUnusable
from pipelines.settings import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_WRITER_WAIT_SECONDS,
    LOAD_MEMORY_LIMIT_ENV,
)
from pipelines.warehouse.lock import writer_lock

# DuckDB's memory cap for the loading connection (DuckDB's own default is 80% of the RAM, and
# its buffer cache grows to it while a large archive loads);
# Settings.load_memory_limit (PAPERTRENDS_LOAD_MEMORY_LIMIT) sets it.
MEMORY_LIMIT_ENV = LOAD_MEMORY_LIMIT_ENV
# A writer waits this long for another writer by default (a dbt build of a large archive takes
# minutes); a run passes Settings.writer_wait_seconds (PAPERTRENDS_WRITER_WAIT).
WRITER_WAIT_SECONDS = DEFAULT_WRITER_WAIT_SECONDS
# ``papertrends sql`` answers or says "busy" after this long.
READER_WAIT_SECONDS = 2.0

# Messages of OS-level write failures, turned into a one-line reason.
_WRITE_FAILURES = (
    "No space left on device",
    "Read-only file system",
    "File too large",
    "Disk quota exceeded",
    "Permission denied",
    "Input/output error",
)


@contextmanager
def writer(
    path: Path,
    wait_seconds: float = WRITER_WAIT_SECONDS,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writing connection, waiting up to ``wait_seconds`` for another writer to finish;
    DuckDB's memory cap on it is ``memory_limit``."""
    if path.is_dir():
        raise WarehouseUnusable(f"{path}: is a folder, not a DuckDB file")
    blocker = next((p for p in (path.parent, *path.parent.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise WarehouseUnusable(f"{path}: cannot create it: {blocker} is a file, not a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise WarehouseUnusable(f"{path}: cannot create its folder: {err.strerror}") from err
    with writer_lock(path, wait_seconds):
        # readers hold DuckDB's file lock briefly too: retry the open for a few seconds
        con = _open(path, read_only=False, wait_seconds=READER_WAIT_SECONDS * 5)
        try:
            apply_memory_limit(con, memory_limit, MEMORY_LIMIT_ENV)
            yield con
        except duckdb.Error as err:
            reason = _write_failure(str(err))
            if reason is None:
                raise
            raise WarehouseUnusable(
                f"{path}: cannot write: {reason}; the unfinished load was rolled back, "
                "run again once fixed"
            ) from err
        finally:
            with contextlib.suppress(duckdb.Error):  # closing checkpoints: fails on a full disk
                con.close()


def apply_memory_limit(con: duckdb.DuckDBPyConnection, limit: str, variable: str) -> str:
    """Set DuckDB's memory cap on ``con`` to ``limit`` and return it; a value DuckDB rejects is
    a one-line error naming the ``variable`` it was set by."""
    try:
        con.execute("set memory_limit = ?", [limit])
    except duckdb.Error as err:
        raise WarehouseUnusable(
            f"{variable}={limit!r} is not a memory size DuckDB accepts (e.g. 1GB, 512MB)"
        ) from err
    return limit


@contextmanager
def reader(
    path: Path, wait_seconds: float = WRITER_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, waiting up to ``wait_seconds`` for a writer to let go of the file
    (a run's own reads wait like its writes; ``papertrends sql`` passes ``READER_WAIT_SECONDS``)."""
    if not path.is_file():
        raise WarehouseUnusable(f"{path}: no warehouse there yet (run `papertrends run` first)")
    con = _open(path, read_only=True, wait_seconds=wait_seconds)
    try:
        yield con
    finally:
        con.close()


def _open(path: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """Open ``path``, trying again while another process holds DuckDB's file lock (waits of
    0.05 s doubling to 1 s) for up to ``wait_seconds``; any other failure is a one-line error."""
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(_held_by_another_process),
        wait=tenacity.wait_exponential(multiplier=0.05, min=0.05, max=1.0),
        stop=tenacity.stop_after_delay(wait_seconds),
        reraise=True,
    )
    try:
        return retrying(duckdb.connect, str(path), read_only=read_only)
    except duckdb.Error as err:
        message = str(err)
        if _held_by_another_process(err):
            raise WarehouseBusy(
                f"{path}: warehouse busy (another papertrends process is writing it), "
                "try again in a moment"
            ) from err
        reason = _write_failure(message)
        if reason is not None:
            raise WarehouseUnusable(f"{path}: cannot open: {reason}") from err
        raise WarehouseUnusable(f"{path}: {_first_line(message)}") from err


def _held_by_another_process(err: BaseException) -> bool:
    """Did DuckDB refuse the open because another process holds the file?"""
    message = str(err).lower()
    return isinstance(err, duckdb.Error) and (
        "could not set lock" in message or "conflicting lock" in message
    )


def _write_failure(message: str) -> str | None:
    """The OS reason when ``message`` reports a failed file write, else None."""
    for reason in _WRITE_FAILURES:
        if reason.lower() in message.lower():
            return (
                "disk full (No space left on device)" if reason.startswith("No space") else reason
            )
    return None


def _first_line(message: str) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "cannot open"
    for prefix in ("IO Error: ", "Serialization Error: ", "Catalog Error: "):
        line = line.removeprefix(prefix)
    return line
