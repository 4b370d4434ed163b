"""Run the code location's jobs in-process for the CLI: the same Definitions the UI runs."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import dagster as dg

from pipelines.defs.dbt import build_marts_job
from pipelines.defs.ingest import ingest_job, pending_partition_range, register_dump_partitions
from pipelines.defs.report import report_job
from pipelines.errors import PapertrendsError
from pipelines.settings import Settings, prepare_dagster_home
from pipelines.warehouse.summary import WarehouseSummary, summarise


def ingest(settings: Settings, debug: bool = False) -> WarehouseSummary:
    """Register a partition per landed dump and load the new or changed ones in one run."""
    from pipelines.definitions import defs

    _quiet(debug)
    instance = _instance(settings)
    landing = defs.resources["landing"]
    warehouse = defs.resources["warehouse"]
    files = landing.files()
    register_dump_partitions(instance, files)
    span = pending_partition_range(instance, files, warehouse)
    if span is not None:
        _execute(
            defs.resolve_job_def(ingest_job.name),
            instance,
            debug,
            tags={
                "dagster/asset_partition_range_start": span[0],
                "dagster/asset_partition_range_end": span[1],
                "papertrends/trigger": "cli",
            },
        )
    with warehouse.read_only_connection() as con:
        return summarise(con, [f.file_name for f in files])


def run_all(settings: Settings, debug: bool = False) -> WarehouseSummary:
    """Ingest, then build everything downstream of the raw layer (dbt models and tests)."""
    summary = ingest(settings, debug=debug)
    build(settings, debug=debug)
    return summary


def build(settings: Settings, debug: bool = False) -> None:
    """Build the marts (dbt build: models, seeds and their tests) from the raw layer as it is,
    then render the trend report from them."""
    from pipelines.definitions import defs

    _quiet(debug)
    instance = _instance(settings)
    _execute(
        defs.resolve_job_def(build_marts_job.name),
        instance,
        debug,
        tags={"papertrends/trigger": "cli"},
    )


def report(settings: Settings, debug: bool = False) -> Path:
    """Render the trend report from the marts as they are; returns the page's path."""
    from pipelines.definitions import defs

    _quiet(debug)
    instance = _instance(settings)
    _execute(
        defs.resolve_job_def(report_job.name),
        instance,
        debug,
        tags={"papertrends/trigger": "cli"},
    )
    return settings.reports_dir / "index.html"


def _instance(settings: Settings) -> dg.DagsterInstance:
    prepare_dagster_home(settings)
    return dg.DagsterInstance.get()


def _execute(job: dg.JobDefinition, instance: dg.DagsterInstance, debug: bool, tags: dict) -> None:
    level = "INFO" if debug else "CRITICAL"
    run_config = {"loggers": {"console": {"config": {"log_level": level}}}}
    # dagster-dbt echoes dbt's log lines on stdout: keep them for --debug, keep stdout clean else.
    sink = contextlib.nullcontext() if debug else contextlib.redirect_stdout(io.StringIO())
    try:
        with sink:
            job.execute_in_process(instance=instance, tags=tags, run_config=run_config)
    except dg.DagsterExecutionStepExecutionError as err:
        cause = err.user_exception
        if isinstance(cause, PapertrendsError):
            raise cause from err
        raise PapertrendsError(
            f"{job.name} failed in step {err.step_key}: {type(cause).__name__}: {cause}"
        ) from err


def _quiet(debug: bool) -> None:
    if not debug:
        warnings.filterwarnings("ignore")
