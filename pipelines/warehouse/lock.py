"""A process-wide writer lock beside the DuckDB file, so writers queue instead of failing.

DuckDB refuses a second writer at once ("Could not set lock on file"), and dbt-duckdb does not
retry. Every papertrends writer (ingestion, dbt build, a validation) first takes
``<warehouse>.lock``, a ``filelock.FileLock``: on Linux and macOS an advisory ``flock``, so the
kernel releases it when its holder exits, even on ``kill -9``, and a crashed writer never blocks
the next one. Waits are bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from pipelines.errors import WarehouseBusy, WarehouseUnusable

# How often a waiting writer tries the lock again.
POLL_SECONDS = 0.1


@contextmanager
def writer_lock(warehouse: Path, wait_seconds: float) -> Iterator[None]:
    """Hold the warehouse's writer lock; ``WarehouseBusy`` after ``wait_seconds`` of waiting."""
    with file_lock(
        warehouse.with_name(warehouse.name + ".lock"),
        wait_seconds,
        busy=f"{warehouse}: warehouse busy (another papertrends run is writing it), "
        "try again in a moment",
        owner=warehouse,
    ):
        yield


@contextmanager
def file_lock(lock_path: Path, wait_seconds: float, busy: str, owner: Path) -> Iterator[None]:
    """Hold the advisory lock ``lock_path``: ``WarehouseBusy(busy)`` after ``wait_seconds`` of
    waiting, ``WarehouseUnusable`` naming ``owner`` when the lock file cannot be created."""
    # fallback_to_soft=False: where flock is missing (some network file systems) filelock would
    # otherwise fall back to a lock file that a killed holder leaves behind.
    lock = FileLock(
        lock_path, timeout=wait_seconds, poll_interval=POLL_SECONDS, fallback_to_soft=False
    )
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise WarehouseBusy(busy) from None
    except OSError as err:
        raise WarehouseUnusable(
            f"{owner}: cannot create its lock file: {err.strerror or err}"
        ) from err
    try:
        yield
    finally:
        lock.release()
