"""The papertrends code location: one Definitions object, wiring only."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.automation import (
    daily_marts_schedule,
    landing_sensor,
    marts_after_ingest_sensor,
)
from pipelines.defs.dbt import (
    build_marts_job,
    dbt_docs,
    ingest_and_build_job,
    warehouse_models,
)
from pipelines.defs.dbt_project import WarehouseDbtCliResource, dbt_project
from pipelines.defs.ingest import ingest_job, raw_layer
from pipelines.defs.quality import (
    QualityFolder,
    check_dbt_tests_job,
    check_suites_job,
    mart_expectations,
    raw_expectations,
)
from pipelines.defs.report import ReportFolder, report_job, trend_report
from pipelines.defs.resources import LandingFolder, WarehouseResource
from pipelines.settings import DBT_EXECUTABLE, load_settings

settings = load_settings()

defs = dg.Definitions(
    assets=[raw_layer, warehouse_models, trend_report, dbt_docs],
    asset_checks=[raw_expectations, mart_expectations],
    jobs=[
        ingest_and_build_job,
        ingest_job,
        build_marts_job,
        report_job,
        check_suites_job,
        check_dbt_tests_job,
    ],
    sensors=[landing_sensor, marts_after_ingest_sensor],
    schedules=[daily_marts_schedule],
    # one process per run, not one per step: a step's fresh interpreter costs ~10 s of imports
    executor=dg.in_process_executor,
    resources={
        # the venv's dbt, by its path (not looked up on PATH)
        "dbt": WarehouseDbtCliResource(project_dir=dbt_project, dbt_executable=str(DBT_EXECUTABLE)),
        "warehouse": WarehouseResource(database=str(settings.warehouse)),
        "landing": LandingFolder(raw_dir=str(settings.raw_dir)),
        "report_folder": ReportFolder(path=str(settings.reports_dir)),
        "quality": QualityFolder(path=str(settings.quality_dir)),
    },
)
