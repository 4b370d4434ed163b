"""Run the code location's jobs in-process for the CLI: the same Definitions the UI runs, built
from the settings the CLI resolved (``pipelines.definitions.build_defs``)."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import dagster as dg

from pipelines.definitions import build_defs
from pipelines.defs.ingest import ingest_job, pending_month_range
from pipelines.defs.jobs import build_marts_job, ingest_and_build_job
from pipelines.defs.partitions import last_month_range, month_partitions, range_tags
from pipelines.defs.quality import CHECK_DBT_TESTS_JOB, CHECK_SUITES_JOB
from pipelines.defs.report import report_job
from pipelines.defs.resources import LandingFolder, WarehouseResource
from pipelines.defs.runs import cli_run_tags, fail_orphaned_cli_runs, prune_run_history
from pipelines.errors import WarehouseUnusable
from pipelines.outcome import QualitySummary, quality_summary, raise_failed_steps, step_error
from pipelines.settings import Settings, prepare_dagster_home
from pipelines.warehouse.lock import writer_lock
from pipelines.warehouse.schema import check_landing_folder
from pipelines.warehouse.summary import WarehouseSummary, summarise

INSTANCE_WAIT_SECONDS = 120.0


def ingest(settings: Settings, debug: bool = False) -> WarehouseSummary:
    """Load the new or changed dumps into the raw layer: one run of ``ingest_dumps`` over the
    month range of the pending files (nothing runs when none is pending)."""
    summary, _ = _ingest_run(settings, ingest_job.name, debug)
    return summary


def run_all(settings: Settings, debug: bool = False) -> tuple[WarehouseSummary, QualitySummary]:
    """Ingest and build everything downstream (raw suites, dbt models for the run's month window
    and their tests, mart suites, trend report) in one run of ``ingest_and_build`` over the
    month range of the pending files; with none pending, a build without a window."""
    summary, result = _ingest_run(settings, ingest_and_build_job.name, debug)
    if result is None:
        return summary, build(settings, debug=debug)
    return summary, quality_summary(result)


def _ingest_run(
    settings: Settings, job_name: str, debug: bool
) -> tuple[WarehouseSummary, dg.ExecuteInProcessResult | None]:
    _quiet(debug)
    defs = build_defs(settings)
    instance = _instance(settings)
    warehouse = WarehouseResource.from_settings(settings)
    if settings.warehouse.is_file():  # another folder's warehouse: say so before any run
        with warehouse.read_only_connection() as con:
            check_landing_folder(con, settings.raw_dir)
    files = LandingFolder.from_settings(settings).files()
    partitions = month_partitions(settings.month_start())
    span = pending_month_range(files, warehouse, partitions)
    if span is None and not settings.warehouse.is_file():
        # An empty landing folder on a new machine: one run over the last month still creates
        # the warehouse, so the marts exist (empty) and the checks and report have something.
        span = last_month_range(partitions)
    result = None
    if span is not None:
        result = _execute(
            defs.resolve_job_def(job_name),
            instance,
            debug,
            tags={**range_tags(*span), **cli_run_tags()},
            raise_on_error=job_name != ingest_job.name,
        )
    with warehouse.read_only_connection() as con:
        stats = {f.file_name: (f.n_bytes, f.mtime_ns) for f in files}
        return summarise(con, list(stats), stats), result


def build(settings: Settings, debug: bool = False) -> QualitySummary:
    """Check the raw layer, build the marts (dbt build: models, seeds and their tests), validate
    them and render the trend report. A failed raw suite stops the marts (blocking check)."""
    return quality_summary(_run_job(settings, build_marts_job.name, debug, raise_on_error=False))


def check(settings: Settings, debug: bool = False) -> QualitySummary:
    """Run every Great Expectations suite and every dbt test on the warehouse as it is."""
    if not settings.warehouse.is_file():
        raise WarehouseUnusable(
            f"{settings.warehouse}: no warehouse there yet (run `papertrends run` first)"
        )
    suites = quality_summary(_run_job(settings, CHECK_SUITES_JOB, debug, raise_on_error=False))
    tests = quality_summary(_run_job(settings, CHECK_DBT_TESTS_JOB, debug, raise_on_error=False))
    return suites + tests


def report(settings: Settings, debug: bool = False) -> Path:
    """Render the trend report from the marts as they are; returns the page's path."""
    _run_job(settings, report_job.name, debug)
    return settings.reports_dir / "index.html"


def _run_job(
    settings: Settings, job_name: str, debug: bool, raise_on_error: bool = True
) -> dg.ExecuteInProcessResult:
    """Execute one job of the code location in this process, tagged as a CLI run."""
    _quiet(debug)
    defs = build_defs(settings)
    instance = _instance(settings)
    return _execute(
        defs.resolve_job_def(job_name),
        instance,
        debug,
        tags=cli_run_tags(),
        raise_on_error=raise_on_error,
    )


def _instance(settings: Settings) -> dg.DagsterInstance:
    home = prepare_dagster_home(settings)
    # Two commands started at once on a fresh DAGSTER_HOME would both create Dagster's SQLite
    # storages and race in their schema migrations ("alembic_version has more than one head"):
    # one process at a time opens the instance and touches each storage.
    with writer_lock(home / "instance", INSTANCE_WAIT_SECONDS):
        # the instance of the settings' DAGSTER_HOME (not of this process's environment)
        instance = dg.DagsterInstance.from_config(str(home))
        instance.event_log_storage.get_maximum_record_id()
        instance.all_instigator_state()
        fail_orphaned_cli_runs(instance)  # a killed CLI run would stay STARTED forever
        # the oldest finished runs beyond PAPERTRENDS_KEEP_RUNS
        prune_run_history(instance, settings.keep_runs)
    return instance


def _execute(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    debug: bool,
    tags: dict,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    """Execute ``job`` in this process. With ``raise_on_error=False`` a failed asset check is
    reported in the result; any other failed step still raises as one PapertrendsError."""
    level = "INFO" if debug else "CRITICAL"
    run_config = {"loggers": {"console": {"config": {"log_level": level}}}}
    # dagster-dbt echoes dbt's log lines on stdout: keep them for --debug, keep stdout clean else.
    sink = contextlib.nullcontext() if debug else contextlib.redirect_stdout(io.StringIO())
    try:
        with sink:
            result = job.execute_in_process(
                instance=instance, tags=tags, run_config=run_config, raise_on_error=raise_on_error
            )
    except dg.DagsterExecutionStepExecutionError as err:
        raise step_error(job.name, err.step_key, err.user_exception) from err
    raise_failed_steps(job.name, result)
    return result


def _quiet(debug: bool) -> None:
    if not debug:
        warnings.filterwarnings("ignore")
