"""The dbt project as Dagster assets: every model and seed an asset, every dbt test a check."""

import datetime as dt
import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import tenacity
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtProject,
    dbt_assets,
)

from pipelines.dbt_runner import PARTIAL_PARSE, InProcessDbtInvocation, InProcessDbtResource
from pipelines.defs.dbt_project import dbt_project
from pipelines.defs.ingest import WAREHOUSE_POOL
from pipelines.defs.metadata import table_metadata
from pipelines.defs.partitions import run_month_window
from pipelines.defs.resources import WarehouseResource
from pipelines.errors import PapertrendsError
from pipelines.settings import dbt_docs_dir, dbt_target_dir
from pipelines.warehouse.compact import compact_if_it_pays
from pipelines.warehouse.dbt_docs import write_dbt_docs
from pipelines.warehouse.lock import writer_lock
from pipelines.warehouse.metadata import logged_facts

# The lines dbt/macros/log_relation_facts.sql logs (its switch: dbt_project.UI_FACTS_VAR).
FACTS_PREFIX = "papertrends-facts "

# A run whose month window is this short builds with this many dbt threads (see dbt_build_args).
PARALLEL_WINDOW_MONTHS = 3
PARALLEL_THREADS = 2

# dbt's unit tests check the models' rules on hand-made rows, not the data: they would cost
# seconds on every build and prove nothing new there (dbt's docs advise leaving them out of
# production builds). tests/integration/test_dbt_unit.py runs them.
EXCLUDE_UNIT_TESTS = ("--exclude", "test_type:unit")

# dbt tries to open the warehouse this many times (a reader may hold it at the moment dbt starts).
DBT_OPEN_ATTEMPTS = 4
# How long a stopped step waits for dbt's thread before it lets go of the writer lock.
DBT_STOP_WAIT_SECONDS = 5.0


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset keys follow warehouse names: source raw.dumps is ["raw", "dumps"] (the key the
    ingestion asset materializes), model marts.papers is ["marts", "papers"]."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["schema"]

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetCheckSpec | None:
        """dagster-dbt's check, described by the test's ``description:`` in the dbt YAML
        (dagster-dbt reads only ``meta.description``)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=manifest["nodes"][unique_id].get("description") or None)


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
    context: dg.AssetExecutionContext, dbt: InProcessDbtResource, warehouse: WarehouseResource
):
    """Build the staging, intermediate and mart models and run their dbt data tests (dbt
    build, unit tests left out); each built table gets its row count and a preview of its
    first rows.

    The models are one unpartitioned asset set, built by one dbt command per run (each command
    sets up dbt's adapter, graph and connection again). In a run over month partitions (the raw
    layer's) dbt gets that window as vars ``window_start``/``window_end`` (end exclusive), and
    the period models rebuild only it; without partitions no vars are passed and the models
    make a full incremental pass. Each model's materialization and each test's check result is
    recorded as dbt finishes it."""
    path = Path(warehouse.database)
    args = dbt_build_args(context.run.tags)
    if len(args) > 1:
        context.log.info(f"dbt build for the run's month window: {args[-1]}")
    args = [*args, *EXCLUDE_UNIT_TESTS]
    # dbt-duckdb holds the file for the whole build and does not retry a lock: queue behind
    # any other writer first.
    with writer_lock(path, warehouse.wait_seconds):
        yield from _dbt_build(context, dbt, dbt_target_path(path), args)
        _compact(context, path, warehouse.compact_ratio)


def _compact(context: dg.AssetExecutionContext, path: Path, ratio: float) -> None:
    """Give back the space the build freed when it pays (pipelines/warehouse/compact.py); a
    failed compaction leaves the file as it was and only warns."""
    try:
        done = compact_if_it_pays(path, ratio)
    except (duckdb.Error, OSError, RuntimeError, PapertrendsError) as err:
        context.log.warning(f"{path}: not compacted: {str(err).strip().splitlines()[0]}")
        return
    if done is not None:
        context.log.info(
            f"{path}: compacted from {done.before_bytes / 1e6:.1f} MB to "
            f"{done.after_bytes / 1e6:.1f} MB (free space given back)"
        )


def dbt_build_args(tags: Mapping[str, str]) -> list[str]:
    """``dbt build``, with ``--vars`` holding the run's month window when it has one. The JSON
    is written the same way every time (sorted keys, no spaces): dbt re-parses the project when
    its vars change, and keeps its partial parse when they are the same as the last build's."""
    window = run_month_window(tags)
    if window is None:
        return ["build"]
    variables = {"window_start": window[0].isoformat(), "window_end": window[1].isoformat()}
    threads = []
    if _months(window) <= PARALLEL_WINDOW_MONTHS:
        # A few months' worth of papers: the models merge small batches, and two at a time
        # overlap dbt's own per-node work with DuckDB's. A wider window (a first build) keeps
        # the profile's one thread for the memory cap.
        threads = ["--threads", str(PARALLEL_THREADS)]
    return [
        "build",
        *threads,
        "--vars",
        json.dumps(variables, sort_keys=True, separators=(",", ":")),
    ]


def _months(window: tuple[dt.date, dt.date]) -> int:
    start, end = window
    return (end.year - start.year) * 12 + end.month - start.month


def dbt_target_path(warehouse: Path) -> Path:
    """dbt's target folder (with its dbt.log) for builds of ``warehouse``: one per warehouse file,
    beside it (``<dir>/<stem>-dbt``), kept between runs, so dbt parses only what changed (its
    partial-parse state depends on the profile, which depends on the warehouse path). Builds of
    one warehouse never overlap: they hold its lock."""
    return dbt_target_dir(warehouse.absolute())


def _start_from_prepared_parse(target_path: Path) -> None:
    """A new target folder starts from the prepared project's partial parse (what dagster-dbt
    does with the one of the project's own target folder)."""
    prepared = Path(dbt_project.target_path) / PARTIAL_PARSE
    if prepared.is_file() and not (target_path / PARTIAL_PARSE).exists():
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(prepared, target_path / PARTIAL_PARSE)


class _ReaderHeldTheFile(Exception):
    """dbt could not open the warehouse because another process held it, before any node ran."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _dbt_build(
    context: dg.AssetExecutionContext,
    dbt: InProcessDbtResource,
    target_path: Path,
    args: list[str],
) -> Iterator[Any]:
    """Run ``dbt build`` and yield its events as they come; start again (after 1 s, then 2 s,
    ...) when dbt could not open the file because a reader (``papertrends sql``) held it at that
    instant (dbt-duckdb does not retry), which it says before any node ran."""
    _start_from_prepared_parse(target_path)

    def warn(state: tenacity.RetryCallState) -> None:
        context.log.warning(
            f"dbt could not open the warehouse (a reader held it), trying again "
            f"({state.attempt_number}/{DBT_OPEN_ATTEMPTS - 1})"
        )

    def give_up(state: tenacity.RetryCallState) -> None:
        raise state.outcome.exception().error

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(_ReaderHeldTheFile),
        wait=tenacity.wait_incrementing(start=1, increment=1),
        stop=tenacity.stop_after_attempt(DBT_OPEN_ATTEMPTS),
        before_sleep=warn,
        retry_error_callback=give_up,
    )
    for attempt in retrying:
        with attempt:
            invocation = dbt.cli(args, context=context, target_path=target_path)
            emitted = False
            try:
                for event in _asset_events(context, invocation):
                    emitted = True
                    yield event
            finally:
                # Stopped between two events (the run cancelled, an error while Dagster stored
                # one): dbt must not go on writing after the caller lets go of the writer lock.
                _stop(context, invocation)
            error = invocation.get_error()
            if error is not None:
                if emitted or "Could not set lock" not in str(error):
                    raise error
                raise _ReaderHeldTheFile(error)


def _stop(context: dg.AssetExecutionContext, invocation: InProcessDbtInvocation) -> None:
    """Wait for dbt's thread to end. It ends on its own unless the run is being stopped, and
    then it ends with the process (DuckDB's own lock keeps any other writer out meanwhile)."""
    if not invocation.stop(DBT_STOP_WAIT_SECONDS):
        context.log.warning("dbt is still running: it ends with this process")


def _asset_events(
    context: dg.AssetExecutionContext, invocation: InProcessDbtInvocation
) -> Iterator[Any]:
    """dagster-dbt's events of ``invocation`` (an Output per built model or seed, a check result
    per test), each Output with the row count and preview dbt logged after building it
    (``dbt/macros/log_relation_facts.sql``: the file is dbt's until it ends)."""
    logged: dict[str, dict] = {}
    for raw in invocation.stream_raw_events():
        info = raw.raw_event["info"]
        message = info.get("msg") or ""
        if info["name"] == "JinjaLogInfo" and message.startswith(FACTS_PREFIX):
            unique_id = raw.raw_event["data"]["node_info"]["unique_id"]
            logged[unique_id] = json.loads(message.removeprefix(FACTS_PREFIX))
            continue
        for event in raw.to_default_asset_events(
            manifest=invocation.manifest,
            dagster_dbt_translator=invocation.dagster_dbt_translator,
            context=context,
            target_path=invocation.target_path,
            project=invocation.project,
        ):
            if isinstance(event, dg.Output):
                unique_id = event.metadata.get("unique_id")
                facts = logged.get(getattr(unique_id, "value", unique_id))
                if facts is not None:
                    key = context.asset_key_for_output(event.output_name)
                    relation = logged_facts(".".join(key.path), facts)
                    event = event.with_metadata({**event.metadata, **table_metadata(relation)})
            yield event


DBT_DOCS = dg.AssetKey(["docs", "dbt_docs"])


@dg.asset(
    key=DBT_DOCS,
    group_name="docs",
    deps=[warehouse_models],
    kinds={"dbt", "html"},
    pool=WAREHOUSE_POOL,
    description=(
        "dbt's documentation site of the warehouse (every model, column and test with its "
        "description, lineage, column types) as one page that needs no server and no network: "
        "dbt's static page with the manifest and the warehouse's catalog inlined, written to "
        "<warehouse>-dbt-docs/index.html. Written again only when the dbt project or the "
        "warehouse's columns changed. `papertrends docs` "
        "serves it with the Data Docs and the trend report."
    ),
)
def dbt_docs(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Write (or keep) the dbt docs page of the warehouse; a page that cannot be written is a
    warning, not a failed run: the data and the marts are built by then."""
    path = Path(warehouse.database)
    try:
        docs = write_dbt_docs(path, dbt_docs_dir(path), warehouse.wait_seconds)
    except (PapertrendsError, OSError) as err:
        context.log.warning(f"dbt docs not written: {err}")
        return dg.MaterializeResult(metadata={"error": dg.MetadataValue.text(str(err))})
    context.log.info(
        f"dbt docs {'written to' if docs.generated else 'unchanged (same project and columns):'} "
        f"{docs.page}"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(docs.page)),
            "generated": dg.MetadataValue.bool(docs.generated),
        }
    )
