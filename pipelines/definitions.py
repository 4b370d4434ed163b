"""The papertrends code location: one Definitions object, wiring only."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.ingest import ingest_job, raw_layer
from pipelines.defs.resources import LandingFolder, WarehouseResource
from pipelines.settings import load_settings

settings = load_settings()

defs = dg.Definitions(
    assets=[raw_layer],
    jobs=[ingest_job],
    resources={
        "warehouse": WarehouseResource(database=str(settings.warehouse)),
        "landing": LandingFolder(raw_dir=str(settings.raw_dir)),
    },
)
