"""Runs the CLI executes in its own process, and what happens when that process is killed.

``papertrends run`` executes its jobs in-process: a ``kill -9`` leaves the run STARTED in
Dagster for good, which would make the UI show it as running forever and keep the follow-up
marts sensor waiting for it. So CLI runs carry their process id and host, and a run whose
process is gone is marked failed by the next CLI command or sensor tick that looks.
"""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

import dagster as dg

from pipelines.settings import DEFAULT_KEEP_RUNS

TRIGGER_TAG = "papertrends/trigger"
PID_TAG = "papertrends/pid"
HOST_TAG = "papertrends/host"
UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def cli_run_tags() -> dict[str, str]:
    """Tags for a run this process executes itself."""
    return {TRIGGER_TAG: "cli", PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def fail_orphaned_cli_runs(instance: dg.DagsterInstance) -> int:
    """Mark failed every unfinished CLI run of this host whose process no longer exists."""
    records = instance.get_run_records(
        dg.RunsFilter(statuses=UNFINISHED, tags={TRIGGER_TAG: "cli"}), limit=100
    )
    host = socket.gethostname()
    failed = 0
    for record in records:
        run = record.dagster_run
        pid = run.tags.get(PID_TAG, "")
        if run.tags.get(HOST_TAG) != host or not pid.isdigit() or _alive(int(pid)):
            continue
        instance.report_run_failed(
            run, message=f"the papertrends process that ran it (pid {pid}) is gone (killed)"
        )
        failed += 1
    return failed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def prune_run_history(
    instance: dg.DagsterInstance, keep: int = DEFAULT_KEEP_RUNS, protect: set[str] = frozenset()
) -> int:
    """Delete the oldest finished runs (their records, events and captured logs) beyond the
    newest ``keep`` (``Settings.keep_runs``: PAPERTRENDS_KEEP_RUNS; 0 keeps every run), not those
    in ``protect`` (the runs holding the materializations the sensors read). Without it every
    landing adds a run and its event log for good (about 0.3 MB each with SQLite). Pruned in
    bites of a tenth, so a tick does nothing most times."""
    if keep <= 0:
        return 0
    finished = dg.RunsFilter(statuses=FINISHED)
    excess = instance.get_runs_count(finished) - keep
    if excess <= max(keep // 10, 1):
        return 0
    oldest = instance.get_run_records(finished, limit=excess, ascending=True)
    deleted = 0
    for record in oldest:
        run_id = record.dagster_run.run_id
        if run_id in protect:
            continue
        instance.delete_run(run_id)
        with contextlib.suppress(Exception):  # captured stdout/stderr of the run's steps
            instance.compute_log_manager.delete_logs(prefix=[run_id])
        # the SQLite event log keeps an emptied database file per run: remove it too
        run_db = Path(instance.root_directory) / "history" / "runs" / f"{run_id}.db"
        with contextlib.suppress(OSError):
            run_db.unlink(missing_ok=True)
        deleted += 1
    return deleted
