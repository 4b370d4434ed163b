"""A process-wide writer lock beside the DuckDB file, so writers queue instead of failing.

DuckDB refuses a second writer at once ("Could not set lock on file"), and dbt-duckdb does not
retry. Every papertrends writer (ingestion, dbt build) first takes an advisory ``flock`` on
``<warehouse>.lock``: waits are bounded, and the kernel releases the lock when its holder exits,
even on ``kill -9``, so a crashed writer never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines.errors import WarehouseBusy, WarehouseUnusable


@contextmanager
def writer_lock(warehouse: Path, wait_seconds: float) -> Iterator[None]:
    """Hold the warehouse's writer lock; ``WarehouseBusy`` after ``wait_seconds`` of waiting."""
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise WarehouseUnusable(
            f"{warehouse}: cannot create its lock file: {err.strerror}"
        ) from err
    try:
        deadline = time.monotonic() + wait_seconds
        delay = 0.05
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"{warehouse}: warehouse busy (another papertrends run is writing it), "
                        "try again in a moment"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
