"""The jobs that build the marts: from the raw layer's checks to the report, with or without
ingesting first. They select assets of several rooms (the raw layer, the dbt models, the report,
the dbt docs), so they live apart from each."""

import dagster as dg

from pipelines.defs.dbt import DBT_DOCS, warehouse_models
from pipelines.defs.ingest import RAW_DUMPS, RAW_REJECTS, RAW_SIGHTINGS
from pipelines.defs.report import TREND_REPORT

# the raw layer's blocking checks (Great Expectations suites), then the models with their dbt
# tests and the marts' suites, then the report drawn from them
BUILD_SELECTION = (
    dg.AssetSelection.assets(warehouse_models)
    | dg.AssetSelection.checks_for_assets(RAW_DUMPS, RAW_SIGHTINGS, RAW_REJECTS)
    | dg.AssetSelection.assets(TREND_REPORT, DBT_DOCS)
)

build_marts_job = dg.define_asset_job(
    name="build_marts",
    selection=BUILD_SELECTION,
    description=(
        "Validate the raw layer (blocking Great Expectations suites), rebuild every dbt model "
        "(staging, intermediate, marts) with its dbt tests, validate the marts, then "
        "render the trend report from the fresh marts and the dbt docs."
    ),
)

# One run from saved dumps to the marts: the raw layer over a month range, its blocking checks
# (which gate only assets of the same run: the models are in it), dbt build with the run's
# window, the mart suites and the report. The landing sensor and `papertrends run` use it.
ingest_and_build_job = dg.define_asset_job(
    name="ingest_and_build",
    selection=dg.AssetSelection.assets(RAW_DUMPS, RAW_SIGHTINGS, RAW_REJECTS) | BUILD_SELECTION,
    description=(
        "Load the new or changed dumps of the run's listing months into the raw layer, validate "
        "it (blocking Great Expectations suites), build the dbt models for the run's month "
        "window with their tests, validate the marts and render the trend report and the dbt "
        "docs: a saved dump reaches the marts in one run."
    ),
)
