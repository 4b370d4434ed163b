"""The papertrends code location: the Definitions of one ``Settings`` value, wiring only.

``build_defs(settings)`` is what the CLI runs (with the settings it resolved from its flags and
environment). ``defs`` is what Dagster loads through ``workspace.yaml`` (``papertrends ui``'s
webserver, daemon and run processes): a factory that resolves the settings from the
environment that process was started with, when Dagster loads it. Importing this module reads
the prepared dbt manifest and ``dbt_project.yml`` (``pipelines.defs.dbt_project``) and nothing
else: no settings, no other file, no ``dbt parse``.
"""

from __future__ import annotations

import functools

import dagster as dg

from pipelines.defs.automation import (
    build_landing_sensor,
    daily_marts_schedule,
    marts_after_ingest_sensor,
)
from pipelines.defs.dbt import dbt_docs, warehouse_models
from pipelines.defs.dbt_project import dbt_resource
from pipelines.defs.ingest import build_raw_layer, ingest_job
from pipelines.defs.jobs import build_marts_job, ingest_and_build_job
from pipelines.defs.partitions import month_partitions
from pipelines.defs.quality import QualityFolder, build_suite_checks_and_jobs
from pipelines.defs.report import ReportFolder, report_job, trend_report
from pipelines.defs.resources import LandingFolder, RunHistory, WarehouseResource
from pipelines.settings import Settings


def resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """The resources of the code location, each configured with values of ``settings``."""
    return {
        "dbt": dbt_resource(settings),
        "warehouse": WarehouseResource.from_settings(settings),
        "landing": LandingFolder.from_settings(settings),
        "report_folder": ReportFolder(path=str(settings.reports_dir)),
        "quality": QualityFolder.from_settings(settings),
        "history": RunHistory(keep_runs=settings.keep_runs),
    }


@functools.cache
def build_defs(settings: Settings) -> dg.Definitions:
    """Every asset, check, job, sensor and schedule, for ``settings`` (its month partitions,
    folders and knobs)."""
    partitions = month_partitions(settings.month_start())
    suites = build_suite_checks_and_jobs()
    return dg.Definitions(
        assets=[build_raw_layer(partitions), warehouse_models, trend_report, dbt_docs],
        asset_checks=[suites.raw_expectations, suites.mart_expectations],
        jobs=[
            ingest_and_build_job,
            ingest_job,
            build_marts_job,
            report_job,
            suites.check_suites_job,
            suites.check_dbt_tests_job,
        ],
        sensors=[build_landing_sensor(partitions), marts_after_ingest_sensor],
        schedules=[daily_marts_schedule],
        # one process per run, not one per step: each step's fresh interpreter imports it all again
        executor=dg.in_process_executor,
        resources=resources(settings),
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The code location Dagster loads (``workspace.yaml``): the settings of this process's
    environment, resolved when Dagster loads it (never written back)."""
    return build_defs(Settings.resolve())
