"""Automation: a sensor on the landing folder, a follow-up sensor and a daily schedule for marts."""

import json

import dagster as dg

from pipelines.defs.dbt import build_marts_job
from pipelines.defs.ingest import RAW_DUMPS, dump_files, ingest_job
from pipelines.defs.resources import LandingFolder
from pipelines.dumps.identity import content_hash

# A file is taken once its modification time is this old (a file still being written is not).
STABLE_AFTER_SECONDS = 2.0
# At most this many runs per tick; the rest wait for the next tick (the cursor says which).
MAX_RUNS_PER_TICK = 25


@dg.sensor(
    job=ingest_job,
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Watches the landing folder: every new or changed dump file becomes a partition of "
        "dump_files and an ingestion run. The run key is the file's partition and content hash, "
        "so a file version is ingested exactly once; the cursor remembers each file's size and "
        "modification time, so a tick over 10,000 unchanged files reads none of them."
    ),
)
def landing_sensor(context: dg.SensorEvaluationContext, landing: LandingFolder):
    """New or changed dump files -> dynamic partitions + one ingestion run each."""
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    files = landing.files(min_age_seconds=STABLE_AFTER_SECONDS)
    changed = [f for f in files if seen.get(f.file_name) != f"{f.n_bytes}:{f.mtime_ns}"]
    if not changed:
        return dg.SkipReason(f"no new or changed dump among {len(files)} files")
    batch = changed[:MAX_RUNS_PER_TICK]
    known = set(context.instance.get_dynamic_partitions(dump_files.name))
    new_keys = list(dict.fromkeys(f.partition_key for f in batch if f.partition_key not in known))
    requests = []
    for file in batch:
        try:
            digest = content_hash(file.path.read_bytes())
        except OSError:  # vanished between scan and read: look again next tick
            continue
        requests.append(
            dg.RunRequest(
                run_key=f"{file.partition_key}@{digest}",
                partition_key=file.partition_key,
                tags={"papertrends/file": file.file_name, "papertrends/trigger": "sensor"},
            )
        )
        seen[file.file_name] = f"{file.n_bytes}:{file.mtime_ns}"
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[dump_files.build_add_request(new_keys)] if new_keys else [],
        cursor=json.dumps(seen, separators=(",", ":")),
    )


@dg.sensor(
    job=build_marts_job,
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Refreshes the marts after new dumps land: when raw.dumps was materialized since the "
        "last marts build and no marts build is queued or running, requests one build_marts run "
        "(several ingestion runs are coalesced into one dbt build)."
    ),
)
def marts_after_ingest_sensor(context: dg.SensorEvaluationContext):
    """raw.dumps materialized since the cursor -> one build_marts run."""
    last_seen = int(context.cursor) if context.cursor else 0
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=RAW_DUMPS, after_storage_id=last_seen), limit=1000
    ).records
    if not records:
        return dg.SkipReason("no new ingestion since the last marts build")
    busy = context.instance.get_run_records(
        dg.RunsFilter(
            job_name=build_marts_job.name,
            statuses=[
                dg.DagsterRunStatus.QUEUED,
                dg.DagsterRunStatus.NOT_STARTED,
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED,
            ],
        ),
        limit=1,
    )
    if busy:
        return dg.SkipReason("a marts build is already queued or running")
    latest = max(record.storage_id for record in records)
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(run_key=f"marts-after-{latest}", tags={"papertrends/trigger": "sensor"})
        ],
        cursor=str(latest),
    )


daily_marts_schedule = dg.ScheduleDefinition(
    name="daily_marts_refresh",
    job=build_marts_job,
    cron_schedule="0 6 * * *",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every day at 06:00: rebuild the marts and run the dbt tests.",
)
