"""The raw-layer assets, partitioned by listing month (``pipelines.defs.partitions``).

A run over a range of months ingests the pending files (size or mtime differ from their loaded
version) whose listing month, read from the file's head, lies in the range. Files whose listing
date no month partition holds (before ``PAPERTRENDS_FIRST_MONTH``, or in a future month) are
taken by every run, whatever its range, and recorded as rejected with a one-line reason: they
never wait for a partition that cannot come.

The month partitions come from the settings, so the raw assets are built for them
(``build_raw_layer``) by the definitions.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import dagster as dg

from pipelines.defs.metadata import preview_table, rows_shown
from pipelines.defs.partitions import (
    covering_range,
    holdable_window,
    last_month_range,
    month_key,
    unholdable_reason,
)
from pipelines.defs.resources import LandingFolder, WarehouseResource
from pipelines.errors import WarehouseBusy, WarehouseUnusable
from pipelines.landing import LandedFile, read_listing_date
from pipelines.warehouse.load import IngestReport, ingest_files, pending_files
from pipelines.warehouse.metadata import Preview, RawRunFacts, raw_run_facts

# Runs that write the DuckDB file share this pool; dagster.yaml limits it to one run at a time.
WAREHOUSE_POOL = "duckdb_warehouse"

RAW_DUMPS = dg.AssetKey(["raw", "dumps"])
RAW_SIGHTINGS = dg.AssetKey(["raw", "sightings"])
RAW_REJECTS = dg.AssetKey(["raw", "rejects"])


def build_raw_layer(partitions: dg.MonthlyPartitionsDefinition) -> dg.AssetsDefinition:
    """The raw tables as one multi-asset over the month ``partitions``."""

    @dg.multi_asset(
        name="raw_layer",
        specs=[
            dg.AssetSpec(
                RAW_DUMPS,
                description="raw.dumps: one row per dump file version seen in the landing "
                "folder, with its content hash, listing date and status (loaded, duplicate, "
                "rejected, superseded).",
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
                "over-long paragraphs) and whole files that cannot be dumps, with line and "
                "reason.",
                kinds={"duckdb"},
                group_name="raw",
            ),
        ],
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        can_subset=False,
        pool=WAREHOUSE_POOL,
    )
    def raw_layer(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingFolder
    ):
        """Parse the pending dump files of the run's months (and any file no month holds) with
        polars and load them into raw.* in DuckDB."""
        window = context.partition_time_window
        run_window = (window.start.date(), window.end.date())
        holdable = holdable_window(partitions)
        with warehouse.get_connection() as con:
            placed = place_files(pending_files(con, landing.files()), holdable)
            files = placed.in_window(run_window)
            context.log.info(
                f"{len(files)} new or changed file(s) for {context.partition_key_range.start}.."
                f"{context.partition_key_range.end}, {placed.n_unplaced} with no month "
                f"partition; {len(placed.files) - len(files)} pending for other months"
            )
            report = ingest_files(
                con,
                files,
                batch_size=warehouse.batch_dumps,
                landing_folder=Path(landing.raw_dir),
                holdable=partial(unholdable_reason, window=holdable),
                max_bytes=landing.max_dump_bytes,
            )
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

    return raw_layer


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
            "dumps_in_run": dumps_table(facts.dumps_in_run),
            "dumps_in_run_shown": dg.MetadataValue.text(
                f"{len(facts.dumps_in_run.rows)} of {n_versions} file version(s) of the run"
            ),
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
            "new_listings": preview_table(facts.new_sightings),
            "new_listings_shown": rows_shown(facts.new_sightings, report.new_sightings),
            **common,
        },
    )
    yield dg.MaterializeResult(
        asset_key=RAW_REJECTS,
        metadata={
            "rows_total": dg.MetadataValue.int(facts.rejects_total),
            "new_rows": dg.MetadataValue.int(report.new_rejects),
            "new_rejects": preview_table(facts.new_rejects),
            "new_rejects_shown": rows_shown(facts.new_rejects, report.new_rejects),
            **common,
        },
    )


def dumps_table(preview: Preview) -> dg.TableMetadataValue:
    """The run's file versions as a Dagster table (file, status, listing date, listings, ...)."""
    return preview_table(preview, numbers={"listings", "rejects"})


@dataclass(frozen=True)
class PlacedFiles:
    """Pending files with the month partition of each one's listing date (from its head):
    ``months[name]`` is a partition key, or None when no partition holds the date."""

    files: Sequence[LandedFile]
    months: dict[str, str | None]

    @property
    def n_unplaced(self) -> int:
        return sum(1 for key in self.months.values() if key is None)

    def in_window(self, window: tuple[dt.date, dt.date]) -> list[LandedFile]:
        """The files a run over ``window`` takes: those of its months, and every unplaced one."""
        first, last = month_key(window[0]), month_key(window[1] - dt.timedelta(days=1))
        return [
            f
            for f in self.files
            if (key := self.months[f.file_name]) is None or first <= key <= last
        ]

    def month_range(self) -> tuple[str, str] | None:
        """The smallest month range covering the placed files (None when there are none)."""
        return covering_range(key for key in self.months.values() if key is not None)


def place_files(files: Sequence[LandedFile], holdable: tuple[dt.date, dt.date]) -> PlacedFiles:
    """Read each file's head for its listing month (a file that vanished since the scan is
    left out: the next run looks again)."""
    kept, months = [], {}
    for file in files:
        try:
            listing_date, _ = read_listing_date(file)
        except OSError:
            continue
        unplaced = unholdable_reason(listing_date, holdable) is not None
        months[file.file_name] = None if unplaced else month_key(listing_date)
        kept.append(file)
    return PlacedFiles(kept, months)


ingest_job = dg.define_asset_job(
    name="ingest_dumps",
    # the raw assets only: their checks (dbt source tests) run with the marts build
    selection=dg.AssetSelection.assets(RAW_DUMPS, RAW_SIGHTINGS, RAW_REJECTS).without_checks(),
    description=(
        "Load the new or changed dump files of the run's listing months (and any file no month "
        "partition can hold, rejected with its reason) into the raw layer."
    ),
)


def pending_month_range(
    files: Sequence[LandedFile],
    warehouse: WarehouseResource,
    partitions: dg.MonthlyPartitionsDefinition,
) -> tuple[str, str] | None:
    """The smallest month range covering every new or changed file, or None if none is
    (files no month holds ride with any run: alone, they get the last month).

    A single-run backfill runs a contiguous range; files of months inside it that did not change
    are skipped cheaply by the asset (size and mtime match their loaded version)."""
    try:
        with warehouse.read_only_connection() as con:
            pending = pending_files(con, files)
    except WarehouseUnusable:  # no warehouse yet: everything is new
        pending = list(files)
    except WarehouseBusy:  # a writer is busy: let the asset decide, it waits for the lock
        pending = list(files)
    if not pending:
        return None
    placed = place_files(pending, holdable_window(partitions))
    if not placed.files:
        return None
    return placed.month_range() or last_month_range(partitions)
