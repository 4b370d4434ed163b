"""CLI runs whose process was killed are marked failed instead of staying STARTED forever."""

from __future__ import annotations

import os
import subprocess
import sys

import dagster as dg

from pipelines.defs.runs import HOST_TAG, PID_TAG, cli_run_tags, fail_orphaned_cli_runs


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _started_run(instance: dg.DagsterInstance, tags: dict[str, str]) -> str:
    run = instance.create_run_for_job(_job(), tags=tags)
    instance.handle_run_event(
        run.run_id,
        dg.DagsterEvent(
            event_type_value=dg.DagsterEventType.RUN_START.value, job_name=run.job_name
        ),
    )
    return run.run_id


def _job() -> dg.JobDefinition:
    @dg.op
    def noop() -> None:
        return None

    @dg.job
    def cli_job() -> None:
        noop()

    return cli_job


def test_a_killed_cli_run_is_marked_failed_a_live_one_is_left_alone():
    with dg.instance_for_test() as instance:
        killed = _started_run(instance, {**cli_run_tags(), PID_TAG: str(_dead_pid())})
        live = _started_run(instance, cli_run_tags())
        elsewhere = _started_run(
            instance, {**cli_run_tags(), PID_TAG: str(_dead_pid()), HOST_TAG: "another-host"}
        )
        assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.STARTED

        assert fail_orphaned_cli_runs(instance) == 1
        assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(live).status == dg.DagsterRunStatus.STARTED
        # a run of another machine's process cannot be judged from here
        assert instance.get_run_by_id(elsewhere).status == dg.DagsterRunStatus.STARTED
        assert fail_orphaned_cli_runs(instance) == 0
        assert cli_run_tags()[PID_TAG] == str(os.getpid())
