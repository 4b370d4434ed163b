"""Automation: a sensor on the landing folder, a follow-up sensor and a daily schedule for marts.

The landing sensor requests ``ingest_and_build`` runs (raw months + marts in one run). The
follow-up sensor only serves ingestions that no build followed: ``papertrends ingest`` (raw only),
a raw backfill launched from the UI, or a run whose build failed.

Every run that writes the warehouse is in one pool limited to one run (dagster.yaml), so the
queue runs them one after the other in the order they were requested.
"""

import hashlib
import json

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from pipelines.defs.dbt import warehouse_models
from pipelines.defs.ingest import RAW_DUMPS
from pipelines.defs.jobs import build_marts_job, ingest_and_build_job
from pipelines.defs.partitions import (
    covering_range,
    holdable_window,
    last_month_range,
    month_key,
    range_tags,
    unholdable_reason,
)
from pipelines.defs.resources import LandingFolder, RunHistory
from pipelines.defs.runs import fail_orphaned_cli_runs, prune_run_history
from pipelines.dumps.identity import content_hash
from pipelines.landing import read_listing_date

# A file is taken once its modification time is this old (a file still being written is not).
STABLE_AFTER_SECONDS = 1.0
# At most this many changed files per tick (each is read and hashed); the rest wait for the
# next tick (the cursor says which). The run of a tick takes every pending file of its months.
MAX_FILES_PER_TICK = 2000
# The marts are fresh when this model was materialized after the last ingestion (its key as
# the dbt assets' translator makes it: a renamed model fails here, at load).
MARTS_PAPERS = get_asset_key_for_model([warehouse_models], "papers")
ACTIVE_STATUSES = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]
# What the cursor keeps per file: [size, mtime_ns, month key or "" (none holds it), 16 hex
# digits of its content hash] (the cursor of the previous release had a fifth field, ignored).
# A file version in a run key is its name, hash and mtime_ns: a file reverted to bytes it once
# had is a new version to land again, and so is every version after a reset of the cursor.
NO_MONTH = ""


def _entry(value) -> list | None:
    """A cursor entry; an entry of the former cursor ("size:mtime", dump partitions) keeps its
    stat so an unchanged file stays unread, without month or hash."""
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.count(":") == 1:
        size, mtime = value.split(":")
        return [int(size), int(mtime), None, None]
    return None


def build_landing_sensor(partitions: dg.MonthlyPartitionsDefinition) -> dg.SensorDefinition:
    """The landing sensor for the month ``partitions`` of the raw assets."""

    @dg.sensor(
        jobs=[ingest_and_build_job],
        minimum_interval_seconds=5,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Watches the landing folder: reads each new or changed dump file's head and "
            "modification time (no full parse) for its listing month, and requests one "
            "ingest_and_build run over the months touched (an overwritten file also touches its "
            "old version's month): raw layer, blocking raw checks, dbt build for that window, mart "
            "checks, report. The run key hashes the changed file versions, so each set of versions "
            "lands exactly once; the cursor remembers each file's size, modification time, month "
            "and hash, so a tick over 10,000 unchanged files reads none of them."
        ),
    )
    def landing_sensor(context: dg.SensorEvaluationContext, landing: LandingFolder):
        """New or changed dump files -> one run over the months they touch."""
        seen: dict[str, list | None] = {
            name: _entry(value)
            for name, value in (json.loads(context.cursor) if context.cursor else {}).items()
        }
        files = landing.files(min_age_seconds=STABLE_AFTER_SECONDS)
        changed = [f for f in files if _stat_of(seen.get(f.file_name)) != (f.n_bytes, f.mtime_ns)]
        if not changed:
            return dg.SkipReason(f"no new or changed dump among {len(files)} files")
        holdable = holdable_window(partitions)
        months: set[str] = set()
        versions: list[str] = []
        any_unplaced = False
        for file in changed[:MAX_FILES_PER_TICK]:
            try:
                digest = content_hash(file.path.read_bytes())[:16]
                listing_date, _ = read_listing_date(file)
            except OSError:  # vanished between scan and read: look again next tick
                continue
            month = (
                NO_MONTH
                if unholdable_reason(listing_date, holdable) is not None
                else month_key(listing_date)
            )
            before = seen.get(file.file_name)
            seen[file.file_name] = [file.n_bytes, file.mtime_ns, month, digest]
            if before is not None and before[3] == digest:
                continue  # touched, same bytes: nothing to land
            versions.append(f"{file.file_name}@{digest}@{file.mtime_ns}")
            if before is not None and before[2]:  # the old version's listings leave its month
                months.add(before[2])
            if month:
                months.add(month)
            else:
                any_unplaced = True
        cursor = json.dumps(seen, separators=(",", ":"))
        if not versions:  # touched files, same bytes: nothing to land
            return dg.SensorResult(run_requests=[], cursor=cursor)
        span = covering_range(months) or last_month_range(partitions)
        run_key = hashlib.sha256("\n".join(sorted(versions)).encode()).hexdigest()[:32]
        request = dg.RunRequest(
            job_name=ingest_and_build_job.name,
            run_key=f"dumps-{run_key}",
            tags={
                **range_tags(*span),
                "papertrends/trigger": "sensor",
                "papertrends/versions": str(len(versions)),
                "papertrends/unplaced": "yes" if any_unplaced else "no",
                # the file's name when the run lands one file version (searchable in the UI)
                **(
                    {"papertrends/file": versions[0].rsplit("@", 2)[0]}
                    if len(versions) == 1
                    else {}
                ),
            },
        )
        return dg.SensorResult(run_requests=[request], cursor=cursor)

    return landing_sensor


def _stat_of(entry: list | None) -> tuple[int, int] | None:
    return None if entry is None else (entry[0], entry[1])


@dg.sensor(
    job=build_marts_job,
    # the daemon's sensor loop runs every 5 s at best
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Refreshes the marts after any ingestion that no marts build followed (a CLI or "
        "UI-launched ingestion, or a build that failed): when raw.dumps was materialized after "
        "marts.papers and no marts build is queued or running, requests one build_marts run "
        "(once per ingestion: the run key is that materialization)."
    ),
)
def marts_after_ingest_sensor(context: dg.SensorEvaluationContext, history: RunHistory):
    """raw.dumps newer than marts.papers, no build under way -> one build_marts run."""
    instance = context.instance
    (raw, *_) = instance.fetch_materializations(RAW_DUMPS, limit=1).records or [None]
    if raw is None:
        return dg.SkipReason("nothing ingested yet")
    (marts, *_) = instance.fetch_materializations(MARTS_PAPERS, limit=1).records or [None]
    # the run history is capped here (PAPERTRENDS_KEEP_RUNS), never the two runs read above
    prune_run_history(
        instance, history.keep_runs, protect={r.run_id for r in (raw, marts) if r is not None}
    )
    if marts is not None and marts.storage_id > raw.storage_id:
        return dg.SkipReason("the marts were built after the last ingestion")
    fail_orphaned_cli_runs(instance)  # a killed `papertrends build` is not "running"
    # an ingest_and_build run builds the marts after its raw step: it counts as a build
    busy = any(
        instance.get_run_records(dg.RunsFilter(job_name=name, statuses=ACTIVE_STATUSES), limit=1)
        for name in (build_marts_job.name, ingest_and_build_job.name)
    )
    if busy:
        return dg.SkipReason("a marts build is already queued or running")
    return dg.RunRequest(
        run_key=f"marts-after-{raw.storage_id}", tags={"papertrends/trigger": "sensor"}
    )


daily_marts_schedule = dg.ScheduleDefinition(
    name="daily_marts_refresh",
    job=build_marts_job,
    cron_schedule="0 6 * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Every day at 06:00: validate the raw layer, rebuild the marts with their dbt tests, "
        "validate the marts and render the trend report (the build_marts job)."
    ),
)
