"""The papertrends code location: one Definitions object, wiring only."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.defs.dbt import build_marts_job, dbt_project, warehouse_models
from pipelines.defs.ingest import ingest_job, raw_layer
from pipelines.defs.resources import LandingFolder, WarehouseResource
from pipelines.settings import load_settings

settings = load_settings()

defs = dg.Definitions(
    assets=[raw_layer, warehouse_models],
    jobs=[ingest_job, build_marts_job],
    resources={
        "dbt": DbtCliResource(project_dir=dbt_project),
        "warehouse": WarehouseResource(database=str(settings.warehouse)),
        "landing": LandingFolder(raw_dir=str(settings.raw_dir)),
    },
)
