"""Run ``papertrends run`` in this process and record how long each of its calls took.

Usage: ``python -m benchmarks.stagerun TIMINGS_JSON -- <papertrends arguments>``.

The command runs through ``pipelines.cli.main`` exactly as the console script does. The functions
it calls are wrapped (module attributes replaced, code untouched) to time them:
``orchestrate.run_all`` (``papertrends run``: one Dagster run of ``ingest_and_build``, raw layer,
dbt build, Great Expectations suites and trend report), ``orchestrate.ingest`` and
``orchestrate.build`` (the commands of those names) and ``orchestrate.check``; ``ingest_files`` is
the parse-and-load work inside the raw layer's step. The peak RSS of this process after each
stage is recorded too (the high-water mark only grows, so the value after ingest is the ingest's).
"""

from __future__ import annotations

import functools
import json
import resource
import sys
import time

_STARTED = time.perf_counter()


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str]) -> int:
    out, _, cli_args = argv[0], argv[1], argv[2:]
    calls: list[dict] = []

    def timed(name: str, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                calls.append(
                    {
                        "name": name,
                        "start": start - _STARTED,
                        "seconds": time.perf_counter() - start,
                        "maxrss_mb": _maxrss_mb(),
                    }
                )

        return wrapper

    from pipelines import cli, orchestrate
    from pipelines.defs import ingest as ingest_defs

    imported = time.perf_counter() - _STARTED
    for name in ("run_all", "ingest", "build", "check", "report"):
        if hasattr(orchestrate, name):
            setattr(orchestrate, name, timed(name, getattr(orchestrate, name)))
    ingest_defs.ingest_files = timed("ingest_files", ingest_defs.ingest_files)
    wall_started = time.time()
    status = cli.main(cli_args)
    record = {
        "runs": _dagster_runs(wall_started),
        "status": status,
        "imports_seconds": imported,
        "total_seconds": time.perf_counter() - _STARTED,
        "maxrss_mb": _maxrss_mb(),
        "calls": calls,
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    return status


def _dagster_runs(since: float) -> list[dict]:
    """The Dagster runs this process made, with each step's duration from the instance's step
    events (the DAGSTER_HOME the CLI resolved)."""
    import dagster as dg

    from pipelines.settings import Settings

    instance = dg.DagsterInstance.from_config(str(Settings.resolve().dagster_home))
    runs = []
    for record in instance.get_run_records(
        filters=dg.RunsFilter(created_after=_utc(since - 1)), ascending=True
    ):
        run = record.dagster_run
        stats = instance.get_run_stats(run.run_id)
        steps = [
            {"step": s.step_key, "seconds": (s.end_time or 0) - (s.start_time or 0)}
            for s in instance.get_run_step_stats(run.run_id)
            if s.start_time is not None
        ]
        runs.append(
            {
                "run_id": run.run_id,
                "job": run.job_name,
                "status": run.status.value,
                "created": record.create_timestamp.timestamp() - since,
                "start": (stats.start_time or 0) - since,
                "end": (stats.end_time or 0) - since,
                "steps": steps,
            }
        )
    return runs


def _utc(timestamp: float):
    import datetime as dt

    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
