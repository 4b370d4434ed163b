"""Dump partitions and the raw-layer assets: one dynamic partition per dump file."""

from collections.abc import Iterator, Sequence
from pathlib import Path

import dagster as dg

from pipelines.defs.metadata import preview_markdown
from pipelines.defs.resources import LandingFolder, WarehouseResource
from pipelines.errors import WarehouseBusy, WarehouseUnusable
from pipelines.landing import LandedFile
from pipelines.warehouse.load import IngestReport, ingest_files, pending_files
from pipelines.warehouse.metadata import RawRunFacts, raw_run_facts

dump_files = dg.DynamicPartitionsDefinition(name="dump_files")
# Runs that write the DuckDB file share this pool; dagster.yaml limits it to one run at a time.
WAREHOUSE_POOL = "duckdb_warehouse"

RAW_DUMPS = dg.AssetKey(["raw", "dumps"])
RAW_SIGHTINGS = dg.AssetKey(["raw", "sightings"])
RAW_REJECTS = dg.AssetKey(["raw", "rejects"])


@dg.multi_asset(
    name="raw_layer",
    specs=[
        dg.AssetSpec(
            RAW_DUMPS,
            description="raw.dumps: one row per dump file version seen in the landing folder, "
            "with its content hash, listing date and status (loaded, duplicate, rejected, "
            "superseded).",
            kinds={"duckdb"},
            group_name="raw",
        ),
        dg.AssetSpec(
            RAW_SIGHTINGS,
            description="raw.sightings: one row per listing (a title with its own abstract) "
            "on a loaded dump, in page order, with the paper_id of its normalised title.",
            kinds={"duckdb"},
            group_name="raw",
        ),
        dg.AssetSpec(
            RAW_REJECTS,
            description="raw.rejects: quarantined records (orphan titles or abstracts, "
            "over-long paragraphs) and whole files that cannot be dumps, with line and reason.",
            kinds={"duckdb"},
            group_name="raw",
        ),
    ],
    partitions_def=dump_files,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=False,
    pool=WAREHOUSE_POOL,
)
def raw_layer(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingFolder
):
    """Parse the partitions' dump files with polars and load them into raw.* in DuckDB."""
    files, missing = landing.files_for(context.partition_keys)
    for key in missing:
        context.log.warning(f"partition {key}: its file is no longer in the landing folder")
    with warehouse.get_connection() as con:
        report = ingest_files(con, files, landing_folder=Path(landing.raw_dir))
        # read back under the same lock: totals, and what this run's file versions brought
        facts = raw_run_facts(con, [o.dump_id for o in report.outcomes if o.dump_id])
    for outcome in report.outcomes:
        if outcome.status in ("rejected", "unreadable"):
            context.log.warning(f"{outcome.file_name}: rejected: {outcome.reason}")
        elif outcome.n_rejects:
            context.log.warning(
                f"{outcome.file_name}: {outcome.n_rejects} record(s) quarantined in raw.rejects"
            )
    yield from raw_layer_results(len(files), report, facts)


def raw_layer_results(
    n_files: int, report: IngestReport, facts: RawRunFacts
) -> Iterator[dg.MaterializeResult]:
    """One MaterializeResult per raw table: totals, what this run added, and previews."""
    listing_dates = sorted(str(o.listing_date) for o in report.outcomes if o.listing_date)
    common = {
        "files_in_run": dg.MetadataValue.int(n_files),
        "files_loaded": dg.MetadataValue.int(report.count("loaded")),
        "files_duplicate": dg.MetadataValue.int(report.count("duplicate")),
        "files_rejected": dg.MetadataValue.int(report.count("rejected")),
        "files_unchanged": dg.MetadataValue.int(len(report.unchanged)),
        "versions_superseded": dg.MetadataValue.int(len(report.superseded)),
    }
    n_versions = sum(1 for o in report.outcomes if o.dump_id)
    yield dg.MaterializeResult(
        asset_key=RAW_DUMPS,
        metadata={
            "rows_total": dg.MetadataValue.int(facts.dumps_total),
            "new_rows": dg.MetadataValue.int(n_versions),
            "dumps_in_run": dg.MetadataValue.md(preview_markdown(facts.dumps_in_run, n_versions)),
            "listing_dates": dg.MetadataValue.text(
                ", ".join(listing_dates[:5]) + (" ..." if len(listing_dates) > 5 else "")
            ),
            **common,
        },
    )
    yield dg.MaterializeResult(
        asset_key=RAW_SIGHTINGS,
        metadata={
            "rows_total": dg.MetadataValue.int(facts.sightings_total),
            "new_rows": dg.MetadataValue.int(report.new_sightings),
            "papers_total": dg.MetadataValue.int(facts.papers_total),
            "new_listings": dg.MetadataValue.md(
                preview_markdown(facts.new_sightings, report.new_sightings)
            ),
            **common,
        },
    )
    yield dg.MaterializeResult(
        asset_key=RAW_REJECTS,
        metadata={
            "rows_total": dg.MetadataValue.int(facts.rejects_total),
            "new_rows": dg.MetadataValue.int(report.new_rejects),
            "new_rejects": dg.MetadataValue.md(
                preview_markdown(facts.new_rejects, report.new_rejects)
            ),
            **common,
        },
    )


ingest_job = dg.define_asset_job(
    name="ingest_dumps",
    # the raw assets only: their checks (dbt source tests) run with the marts build
    selection=dg.AssetSelection.assets(raw_layer).without_checks(),
    description="Load new or changed dump files (one partition each) into the raw layer.",
)


def register_dump_partitions(instance: dg.DagsterInstance, files: Sequence[LandedFile]) -> None:
    """Add a ``dump_files`` partition for every landed file that has none yet."""
    existing = set(instance.get_dynamic_partitions(dump_files.name))
    new_keys = list(
        dict.fromkeys(f.partition_key for f in files if f.partition_key not in existing)
    )
    if new_keys:
        instance.add_dynamic_partitions(dump_files.name, new_keys)


def pending_partition_range(
    instance: dg.DagsterInstance, files: Sequence[LandedFile], warehouse: WarehouseResource
) -> tuple[str, str] | None:
    """The smallest partition range covering every new or changed file, or None if none is.

    A single-run backfill runs a contiguous range; files inside it that did not change are
    skipped cheaply by the asset (size and mtime match their loaded version).
    """
    try:
        with warehouse.read_only_connection() as con:
            pending = pending_files(con, files)
    except WarehouseUnusable:  # no warehouse yet: everything is new
        pending = list(files)
    except WarehouseBusy:  # a writer is busy: let the asset decide, it waits for the lock
        pending = list(files)
    if not pending:
        return None
    order = {key: i for i, key in enumerate(instance.get_dynamic_partitions(dump_files.name))}
    positions = sorted(order[f.partition_key] for f in pending)
    keys = instance.get_dynamic_partitions(dump_files.name)
    return keys[positions[0]], keys[positions[-1]]
