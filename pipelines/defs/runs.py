"""Runs the CLI executes in its own process, and what happens when that process is killed.

``papertrends run`` executes its jobs in-process: a ``kill -9`` leaves the run STARTED in
Dagster for good, which would make the UI show it as running forever and keep the follow-up
marts sensor waiting for it. So CLI runs carry their process id and host, and a run whose
process is gone is marked failed by the next CLI command or sensor tick that looks.
"""

from __future__ import annotations

import os
import socket

import dagster as dg

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
