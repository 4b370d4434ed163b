"""Automation: a sensor on the landing folder, a follow-up sensor and a daily schedule for marts.

Every run that writes the warehouse is in one pool limited to one run (dagster.yaml), so the
queue runs them one after the other in the order they were requested.
"""

import hashlib
import json

import dagster as dg

from pipelines.defs.dbt import build_marts_job
from pipelines.defs.ingest import RAW_DUMPS, dump_files, ingest_job
from pipelines.defs.resources import LandingFolder
from pipelines.defs.runs import fail_orphaned_cli_runs
from pipelines.dumps.identity import content_hash

# A file is taken once its modification time is this old (a file still being written is not).
STABLE_AFTER_SECONDS = 1.0
# At most this many runs per tick; the rest wait for the next tick (the cursor says which).
MAX_RUNS_PER_TICK = 25
# The marts are fresh when this model was materialized after the last ingestion.
MARTS_PAPERS = dg.AssetKey(["marts", "papers"])
ACTIVE_STATUSES = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dg.sensor(
    jobs=[ingest_job, build_marts_job],
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Watches the landing folder: every new or changed dump file becomes a partition of "
        "dump_files and an ingestion run. The run key is the file's partition and content hash, "
        "so a file version is ingested exactly once; the cursor remembers each file's size and "
        "modification time, so a tick over 10,000 unchanged files reads none of them. A tick "
        "that starts ingestion runs also queues one build_marts run behind them (runs writing "
        "the warehouse go one at a time, in order), so new dumps reach the marts without "
        "waiting for another sensor."
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
                job_name=ingest_job.name,
                run_key=f"{file.partition_key}@{digest}",
                partition_key=file.partition_key,
                tags={"papertrends/file": file.file_name, "papertrends/trigger": "sensor"},
            )
        )
        seen[file.file_name] = f"{file.n_bytes}:{file.mtime_ns}"
    if requests:
        batch_key = hashlib.sha256("\n".join(r.run_key for r in requests).encode()).hexdigest()
        requests.append(
            dg.RunRequest(
                job_name=build_marts_job.name,
                run_key=f"marts-after-{batch_key[:16]}",
                tags={"papertrends/trigger": "sensor"},
            )
        )
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[dump_files.build_add_request(new_keys)] if new_keys else [],
        cursor=json.dumps(seen, separators=(",", ":")),
    )


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
def marts_after_ingest_sensor(context: dg.SensorEvaluationContext):
    """raw.dumps newer than marts.papers, no build under way -> one build_marts run."""
    instance = context.instance
    (raw, *_) = instance.fetch_materializations(RAW_DUMPS, limit=1).records or [None]
    if raw is None:
        return dg.SkipReason("nothing ingested yet")
    (marts, *_) = instance.fetch_materializations(MARTS_PAPERS, limit=1).records or [None]
    if marts is not None and marts.storage_id > raw.storage_id:
        return dg.SkipReason("the marts were built after the last ingestion")
    fail_orphaned_cli_runs(instance)  # a killed `papertrends build` is not "running"
    busy = instance.get_run_records(
        dg.RunsFilter(job_name=build_marts_job.name, statuses=ACTIVE_STATUSES), limit=1
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
