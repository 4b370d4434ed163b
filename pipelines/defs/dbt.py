"""The dbt project as Dagster assets: every model and seed an asset, every dbt test a check."""

import os
from collections.abc import Mapping, Sequence
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from packaging import version

from pipelines.defs.ingest import RAW_DUMPS, RAW_REJECTS, RAW_SIGHTINGS, WAREHOUSE_POOL
from pipelines.defs.report import TREND_REPORT
from pipelines.defs.resources import WarehouseResource
from pipelines.settings import DBT_BIN_DIR, DBT_PROJECT_DIR
from pipelines.warehouse.connection import WRITER_WAIT_SECONDS
from pipelines.warehouse.lock import writer_lock

# dagster-dbt runs `dbt` from PATH (also when preparing the manifest): make it the dbt installed
# beside this Python, so `.venv/bin/papertrends` works without an activated venv.
if DBT_BIN_DIR not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = DBT_BIN_DIR + os.pathsep + os.environ.get("PATH", "")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _manifest_is_stale(project: DbtProject) -> bool:
    """True when the manifest is missing or older than any file of the dbt project."""
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [project.project_dir / "dbt_project.yml"] + [
        path
        for folder in ("models", "macros", "seeds", "tests")
        for path in (project.project_dir / folder).rglob("*")
        if path.is_file()
    ]
    return any(path.stat().st_mtime > built for path in sources)


# The manifest is prepared once (at install, `make install` runs `dbt parse`) and parsed again
# only when the dbt project changed since, not on every load of the code location.
if _manifest_is_stale(dbt_project):
    dbt_project.preparer.prepare(dbt_project)


class WarehouseDbtCliResource(DbtCliResource):
    """DbtCliResource without two start-up costs it pays on every `dbt.cli` call (~15 s here).

    dagster-dbt runs `dbt --version` in a subprocess and builds a dbt adapter in-process (importing
    dbt-core) before every invocation; the adapter only serves row-count and column metadata,
    which papertrends does not fetch through dbt. The version comes from the installed package.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset keys follow warehouse names: source raw.dumps is ["raw", "dumps"] (the key the
    ingestion asset materializes), model marts.papers is ["marts", "papers"]."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["schema"]


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    # dbt's tests on the sources (raw.*) still run inside `dbt build`, but are not Dagster checks
    # of the raw assets: Dagster exempts an asset that itself checks an upstream asset from
    # that asset's blocking checks, and the raw layer's blocking checks are the Great
    # Expectations suites (defs/quality.py), which must gate these models.
    dagster_dbt_translator=WarehouseTranslator(
        settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=False)
    ),
    name="warehouse_models",
    pool=WAREHOUSE_POOL,
)
def warehouse_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """Build the staging, intermediate and mart models and run their dbt tests (dbt build)."""
    # dbt-duckdb holds the file for the whole build and does not retry a lock: queue behind
    # any other writer first.
    with writer_lock(Path(warehouse.database), WRITER_WAIT_SECONDS):
        yield from dbt.cli(["build"], context=context).stream()


build_marts_job = dg.define_asset_job(
    name="build_marts",
    # the raw layer's blocking checks (Great Expectations suites), then the models with their
    # dbt tests and the marts' suites, then the report drawn from them
    selection=dg.AssetSelection.assets(warehouse_models)
    | dg.AssetSelection.checks_for_assets(RAW_DUMPS, RAW_SIGHTINGS, RAW_REJECTS)
    | dg.AssetSelection.assets(TREND_REPORT),
    description=(
        "Validate the raw layer (blocking Great Expectations suites), rebuild every dbt model "
        "(staging, intermediate, marts) with its dbt tests, validate the marts, then "
        "render the trend report from the fresh marts."
    ),
)
