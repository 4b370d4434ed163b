"""The Dagster code location loads and validates; the raw asset runs through Dagster itself."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
from unittest import mock

import dagster as dg
import pytest

from pipelines.defs.automation import (
    MARTS_PAPERS,
    build_landing_sensor,
    marts_after_ingest_sensor,
)
from pipelines.defs.dbt import dbt_build_args, dbt_target_path, warehouse_models
from pipelines.defs.dbt_project import dbt_resource
from pipelines.defs.ingest import RAW_DUMPS, build_raw_layer
from pipelines.defs.jobs import ingest_and_build_job
from pipelines.defs.metadata import preview_table, rows_shown
from pipelines.defs.partitions import month_partitions, range_tags
from pipelines.defs.resources import LandingFolder, RunHistory, WarehouseResource
from pipelines.settings import Settings
from pipelines.warehouse.metadata import Preview
from tests.dumpkit import compose_dump, paper, write_dump

MTIME = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC).timestamp()
# the settings of an environment that sets nothing: the month partitions from 2023-05
DEFAULTS = Settings.resolve({}, {})
listing_months = month_partitions(DEFAULTS.month_start())
raw_layer = build_raw_layer(listing_months)
landing_sensor = build_landing_sensor(listing_months)


def _defs(settings: Settings = DEFAULTS) -> dg.Definitions:
    from pipelines import definitions

    return definitions.build_defs(settings)


def test_definitions_validate():
    from pipelines import definitions

    loaded = definitions.defs()  # what Dagster loads through workspace.yaml
    dg.Definitions.validate_loadable(loaded)
    months = month_partitions(Settings.resolve().month_start())  # this environment's
    for name in ("ingest_dumps", "ingest_and_build"):
        assert loaded.resolve_job_def(name).partitions_def == months
    assert loaded.resolve_job_def("build_marts").partitions_def is None


def test_the_definitions_take_their_settings_as_values(tmp_path):
    """build_defs(settings): the partitions start at the settings' first month, and every
    resource is configured with the settings' paths and knobs (nothing read from the
    environment, nothing written to it)."""
    import os

    environ = dict(os.environ)
    settings = Settings.resolve(
        {"raw_dir": tmp_path / "raw", "warehouse": tmp_path / "w.duckdb"},
        {
            "PAPERTRENDS_FIRST_MONTH": "2024-02",
            "PAPERTRENDS_KEEP_RUNS": "7",
            "PAPERTRENDS_WRITER_WAIT": "3",
            "PAPERTRENDS_DBT_MEMORY_LIMIT": "300MB",
        },
    )
    defs = _defs(settings)
    assert dict(os.environ) == environ
    job = defs.resolve_job_def("ingest_and_build")
    assert job.partitions_def.get_first_partition_key() == "2024-02"
    resources = defs.resources
    assert resources["warehouse"].database == str(tmp_path / "w.duckdb")
    assert resources["warehouse"].wait_seconds == 3.0
    assert resources["landing"].raw_dir == str(tmp_path / "raw")
    assert resources["report_folder"].path == str(tmp_path / "w-report")
    assert resources["quality"].path == str(tmp_path / "w-quality")
    assert resources["history"].keep_runs == 7
    dbt_vars = resources["dbt"].dbt_vars
    assert dbt_vars["papertrends_warehouse"] == str(tmp_path / "w.duckdb")
    assert dbt_vars["papertrends_dbt_memory_limit"] == "300MB"
    assert dbt_target_path(settings.warehouse) == tmp_path / "w-dbt"


def _materialize_raw_layer(raw, warehouse, first="2026-08", last="2026-08", instance=None):
    """One run of raw_layer over the months ``first`` to ``last``; returns the result, the
    resources and the instance."""
    resources = {
        "warehouse": WarehouseResource(database=str(warehouse)),
        "landing": LandingFolder(raw_dir=str(raw)),
    }
    instance = instance or dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [raw_layer], instance=instance, resources=resources, tags=range_tags(first, last)
    )
    return result, resources, instance


def _at(year, month, day):
    return dt.datetime(year, month, day, 12, tzinfo=dt.UTC).timestamp()


def test_raw_layer_backfills_many_months_in_one_run(tmp_path):
    raw = tmp_path / "raw"
    for i, (month, day) in enumerate([(6, 3), (7, 9), (8, 25), (8, 26)]):
        date = dt.date(2026, month, day)
        text = compose_dump([paper(f"P{i}A"), paper(f"P{i}B")], date=f"{date:%b} {day}")
        write_dump(raw, f"dump {i}.txt", text, MTIME)
    result, resources, instance = _materialize_raw_layer(
        raw, tmp_path / "w.duckdb", "2026-06", "2026-08"
    )
    assert result.success
    materialized = result.asset_materializations_for_node("raw_layer")
    # one materialization per month and raw table, in one run
    assert sorted({m.partition for m in materialized}) == ["2026-06", "2026-07", "2026-08"]
    assert len(materialized) == 9
    with resources["warehouse"].read_only_connection() as con:
        assert con.execute("select count(*) from raw.sightings").fetchone()[0] == 8
        keys = con.execute("select partition_key from raw.dumps order by file_name").fetchall()
    assert keys == [("2026-06",), ("2026-07",), ("2026-08",), ("2026-08",)]
    assert len(instance.get_runs()) == 1


def test_a_run_takes_only_its_months_and_every_file_no_month_holds(tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "june.txt", compose_dump([paper("June")], date="Jun 3"), MTIME)
    write_dump(raw, "august.txt", compose_dump([paper("August")], date="Aug 25"), MTIME)
    # before the first month partition (2023-05), and in a future month
    write_dump(raw, "old.txt", compose_dump([paper("Old")], date="Mar 2, 2019"), MTIME)
    write_dump(raw, "future.txt", compose_dump([paper("Future")], date="Jan 5, 2099"), MTIME)
    database = tmp_path / "w.duckdb"
    result, resources, instance = _materialize_raw_layer(raw, database, "2026-08", "2026-08")
    assert result.success
    with resources["warehouse"].read_only_connection() as con:
        dumps = con.execute(
            "select file_name, status, n_sightings, partition_key, reason from raw.dumps "
            "order by file_name"
        ).fetchall()
        rejects = con.execute(
            "select file_name, line_no, reason from raw.rejects order by file_name"
        ).fetchall()
    assert [d[:4] for d in dumps] == [
        ("august.txt", "loaded", 1, "2026-08"),
        ("future.txt", "rejected", 0, ""),
        ("old.txt", "rejected", 0, ""),
    ]  # june.txt waits for a run over June
    reasons = {d[0]: d[4] for d in dumps}
    assert (
        "listing date 2019-03-02 is before the first month partition 2023-05" in reasons["old.txt"]
    )
    assert "listing date 2099-01-05 is after the last month partition" in reasons["future.txt"]
    assert rejects == [
        ("future.txt", None, reasons["future.txt"]),
        ("old.txt", None, reasons["old.txt"]),
    ]
    # a run over June takes june.txt; the rejected ones are not pending any more
    again, _, _ = _materialize_raw_layer(raw, database, "2026-06", "2026-06", instance)
    assert again.success
    with resources["warehouse"].read_only_connection() as con:
        assert con.execute(
            "select file_name, status from raw.dumps where status = 'loaded' order by 1"
        ).fetchall() == [("august.txt", "loaded"), ("june.txt", "loaded")]
        assert con.execute("select count(*) from raw.dumps").fetchone()[0] == 4


def test_dbt_gets_the_run_window_as_vars_and_none_without_partitions():
    assert dbt_build_args({}) == ["build"]
    assert dbt_build_args({"papertrends/trigger": "cli"}) == ["build"]
    assert dbt_build_args(range_tags("2025-11", "2026-01")) == [
        "build",
        "--threads",
        "2",
        "--vars",
        '{"window_end":"2026-02-01","window_start":"2025-11-01"}',
    ]
    assert dbt_build_args({"dagster/partition": "2026-08"})[-1] == (
        '{"window_end":"2026-09-01","window_start":"2026-08-01"}'
    )
    # a wide window (a first build of a long archive) keeps the profile's single thread
    assert dbt_build_args(range_tags("2025-01", "2026-01")) == [
        "build",
        "--vars",
        '{"window_end":"2026-02-01","window_start":"2025-01-01"}',
    ]


def test_one_job_ingests_and_builds_with_blocking_raw_checks_in_the_same_run():
    defs = _defs()
    job = defs.resolve_job_def(ingest_and_build_job.name)
    nodes = [n.name for n in job.nodes_in_topological_order]
    assert nodes.index("raw_layer") < nodes.index("raw_expectations")
    assert nodes.index("raw_expectations") < nodes.index("warehouse_models")
    assert nodes[-1] == "reports__trend_report"
    graph = defs.resolve_asset_graph()
    raw_checks = [k for k in graph.asset_check_keys if k.asset_key == RAW_DUMPS]
    assert raw_checks and all(graph.get_check_spec(k).blocking for k in raw_checks)


def test_every_asset_check_job_sensor_and_schedule_is_described():
    defs = _defs()
    repo = defs.get_repository_def()
    graph = defs.resolve_asset_graph()
    missing = [
        f"asset {key.to_user_string()}"
        for key in graph.get_all_asset_keys()
        if not (graph.get(key).description or "").strip()
    ]
    missing += [
        f"check {key.asset_key.to_user_string()}:{key.name}"
        for key in graph.asset_check_keys
        if not (graph.get_check_spec(key).description or "").strip()
    ]
    missing += [
        f"job {job.name}"
        for job in repo.get_all_jobs()
        if not job.name.startswith("__") and not (job.description or "").strip()
    ]
    missing += [f"sensor {s.name}" for s in repo.sensor_defs if not (s.description or "").strip()]
    missing += [
        f"schedule {s.name}" for s in repo.schedule_defs if not (s.description or "").strip()
    ]
    assert not missing
    assert {s.name for s in repo.sensor_defs} == {"landing_sensor", "marts_after_ingest_sensor"}
    assert all(s.default_status == dg.DefaultSensorStatus.RUNNING for s in repo.sensor_defs)
    assert [s.default_status for s in repo.schedule_defs] == [dg.DefaultScheduleStatus.RUNNING]


def _sensor_ticks(raw, instance=None):
    landing = LandingFolder(raw_dir=str(raw))
    instance = instance or dg.DagsterInstance.ephemeral()

    def tick(cursor):
        context = dg.build_sensor_context(
            instance=instance, cursor=cursor, resources={"landing": landing}
        )
        return landing_sensor(context)

    return tick


def _one_request(result) -> dg.RunRequest:
    (request,) = result.run_requests
    assert request.job_name == ingest_and_build_job.name
    return request


def _span(request: dg.RunRequest) -> tuple[str, str]:
    return (
        request.tags["dagster/asset_partition_range_start"],
        request.tags["dagster/asset_partition_range_end"],
    )


def test_landing_sensor_requests_one_run_per_set_of_file_versions(tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", compose_dump([paper("SenA")], date="Aug 25"), MTIME)
    write_dump(raw, "b.txt", compose_dump([paper("SenB")], date="Jun 3"), MTIME)
    tick = _sensor_ticks(raw)

    first = tick(None)
    request = _one_request(first)  # one run for both files, ingest and build together
    assert _span(request) == ("2026-06", "2026-08")  # covering range of June and August
    assert not first.dynamic_partitions_requests

    # the same tick again (the cursor was not stored): the same run key, so Dagster launches
    # it once
    assert _one_request(tick(None)).run_key == request.run_key

    # nothing changed: the cursor (size, mtime) says so without reading a file
    assert isinstance(tick(first.cursor), dg.SkipReason)

    # touched, same bytes: no run, the cursor takes the new mtime
    write_dump(raw, "a.txt", (raw / "a.txt").read_bytes(), MTIME + 30)
    touched = tick(first.cursor)
    assert touched.run_requests == [] and touched.cursor != first.cursor
    assert isinstance(tick(touched.cursor), dg.SkipReason)

    # the same bytes under a new name: a new version to land (recorded as duplicate)
    write_dump(raw, "a copy.txt", (raw / "a.txt").read_bytes(), MTIME)
    copy = tick(touched.cursor)
    assert _span(_one_request(copy)) == ("2026-08", "2026-08")
    assert _one_request(copy).run_key not in {request.run_key}


def test_an_overwritten_file_touches_its_old_and_new_month(tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", compose_dump([paper("OldMonth")], date="Mar 4"), MTIME)
    tick = _sensor_ticks(raw)
    first = tick(None)
    assert _span(_one_request(first)) == ("2026-03", "2026-03")
    write_dump(raw, "a.txt", compose_dump([paper("NewMonth")], date="Aug 25"), MTIME + 60)
    second = tick(first.cursor)
    changed = _one_request(second)
    # the old version's listings leave March, the new ones arrive in August
    assert _span(changed) == ("2026-03", "2026-08")
    assert changed.run_key != _one_request(first).run_key

    # back to the first bytes: a version seen before, but a new change, so a new run key
    write_dump(raw, "a.txt", compose_dump([paper("OldMonth")], date="Mar 4"), MTIME + 120)
    reverted = _one_request(tick(second.cursor))
    assert _span(reverted) == ("2026-03", "2026-08")
    assert reverted.run_key not in {_one_request(first).run_key, changed.run_key}


def test_a_file_version_after_a_cursor_reset_still_lands(tmp_path):
    """A reset cursor (the UI's "reset cursor", a lost sensor state) forgets every file: the
    versions seen afterwards must not reuse the run key of a version landed before the reset,
    or Dagster would skip their run."""
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", compose_dump([paper("ResetX")], date="Mar 4"), MTIME)
    tick = _sensor_ticks(raw)
    first = tick(None)
    x = _one_request(first)
    write_dump(raw, "a.txt", compose_dump([paper("ResetY")], date="Mar 4"), MTIME + 60)
    y = _one_request(tick(first.cursor))
    write_dump(raw, "a.txt", compose_dump([paper("ResetX")], date="Mar 4"), MTIME + 120)
    back = tick(None)  # the cursor was reset: a.txt is new to the sensor again
    assert _one_request(back).run_key != x.run_key
    # after the reset the file is overwritten with bytes it had before the reset
    write_dump(raw, "a.txt", compose_dump([paper("ResetY")], date="Mar 4"), MTIME + 180)
    again = _one_request(tick(back.cursor))
    assert again.run_key not in {x.run_key, y.run_key, _one_request(back).run_key}
    assert again.tags["papertrends/file"] == "a.txt"


def test_files_no_month_holds_get_a_run_of_the_last_month(tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "old.txt", compose_dump([paper("Old")], date="Mar 2, 2019"), MTIME)
    request = _one_request(_sensor_ticks(raw)(None))
    last = listing_months.get_last_partition_key()
    assert _span(request) == (last, last)  # any run takes such a file: the cheapest one
    assert request.tags["papertrends/unplaced"] == "yes"


def test_a_cursor_of_the_dump_partition_sensor_still_works(tmp_path):
    """An instance of the previous release has a cursor of "size:mtime" strings: unchanged
    files stay unread, changed ones land."""
    import json

    raw = tmp_path / "raw"
    a = write_dump(raw, "a.txt", compose_dump([paper("CurA")]), MTIME)
    write_dump(raw, "b.txt", compose_dump([paper("CurB")], date="Jul 1"), MTIME)
    stat = a.stat()
    old_cursor = json.dumps({"a.txt": f"{stat.st_size}:{stat.st_mtime_ns}"})
    request = _one_request(_sensor_ticks(raw)(old_cursor))
    assert _span(request) == ("2026-07", "2026-07")  # only b.txt is new


def test_marts_sensor_follows_ingestions_the_marts_have_not_seen():
    instance = dg.DagsterInstance.ephemeral()

    def tick():
        context = dg.build_sensor_context(instance=instance, resources={"history": RunHistory()})
        return marts_after_ingest_sensor(context)

    assert isinstance(tick(), dg.SkipReason)  # nothing ingested yet
    instance.report_runless_asset_event(dg.AssetMaterialization(RAW_DUMPS))
    request = tick()
    assert isinstance(request, dg.RunRequest) and request.run_key.startswith("marts-after-")
    instance.report_runless_asset_event(dg.AssetMaterialization(MARTS_PAPERS))
    assert isinstance(tick(), dg.SkipReason)  # the marts are newer
    instance.report_runless_asset_event(dg.AssetMaterialization(RAW_DUMPS))
    later = tick()
    assert isinstance(later, dg.RunRequest) and later.run_key != request.run_key


def test_the_marts_freshness_key_is_the_dbt_model_of_marts_papers():
    # dagster-dbt's key for the model: the follow-up sensor watches a key the build materializes
    assert MARTS_PAPERS in warehouse_models.keys
    assert dg.AssetKey(["marts", "papers"]) == MARTS_PAPERS  # schema and name, as in DuckDB


def test_raw_layer_metadata_shows_counts_dumps_and_previews(tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "daily.txt", compose_dump([paper("Meta|One"), paper("Meta_Two")]), MTIME)
    write_dump(raw, "daily_copy.txt", (raw / "daily.txt").read_bytes(), MTIME)
    lost = compose_dump([paper("MetaThree")]).replace(paper("MetaThree")[1] + "\n", "")
    write_dump(raw, "lost.txt", lost + "\n" + "\n\n".join(paper("MetaFour")) + "\n", MTIME)
    result, _, _ = _materialize_raw_layer(raw, tmp_path / "w.duckdb")
    assert result.success
    metadata = {
        m.asset_key.to_user_string(): {k: v.value for k, v in m.metadata.items()}
        for m in result.asset_materializations_for_node("raw_layer")
    }
    dumps = metadata["raw/dumps"]
    assert dumps["rows_total"] == 3 and dumps["new_rows"] == 3
    table = dumps["dumps_in_run"]
    assert [c.name for c in table.schema.columns] == [
        "file",
        "status",
        "listing_date",
        "date_from",
        "month",
        "listings",
        "rejects",
        "note",
    ]
    rows = {r.data["file"]: r.data for r in table.records}
    assert rows["daily.txt"] == {
        "file": "daily.txt",
        "status": "loaded",
        "listing_date": "2026-08-25",
        "date_from": "inferred",
        "month": "2026-08",
        "listings": 2,
        "rejects": 0,
        "note": None,
    }
    assert rows["daily_copy.txt"]["status"] == "duplicate"
    assert rows["daily_copy.txt"]["note"] == "same bytes as daily.txt"
    assert (rows["lost.txt"]["listings"], rows["lost.txt"]["rejects"]) == (1, 1)
    assert dumps["dumps_in_run_shown"] == "3 of 3 file version(s) of the run"
    sightings = metadata["raw/sightings"]
    assert sightings["rows_total"] == 3 and sightings["new_rows"] == 3
    # titles are shown as written (a table's cells are text, not Markdown), one line, cut
    # with an ellipsis
    titles = [r.data["title"] for r in sightings["new_listings"].records]
    assert any(t.startswith("Meta|One: Sparse Mixture of Experts") for t in titles), titles
    assert any(t.startswith("Meta_Two") for t in titles) and any(t.endswith("…") for t in titles)
    assert sightings["new_listings_shown"] == "3 of 3 rows shown"
    rejects = metadata["raw/rejects"]
    assert rejects["rows_total"] == 1 and rejects["new_rows"] == 1
    (reject,) = [r.data for r in rejects["new_rejects"].records]
    assert "lost.txt" in reject.values() and "orphan title" in str(reject), reject


def test_preview_table_types_its_columns_and_says_how_many_rows_are_shown():
    preview = Preview(columns=["title", "listings"], rows=[["a|*b*", "2"], ["", "0"]])
    table = preview_table(preview, numbers={"listings"})
    assert [(c.name, c.type) for c in table.schema.columns] == [
        ("title", "string"),
        ("listings", "int"),
    ]
    assert [r.data for r in table.records] == [
        {"title": "a|*b*", "listings": 2},
        {"title": None, "listings": 0},
    ]
    assert rows_shown(preview, 10).value == "2 of 10 rows shown"
    assert preview_table(Preview(columns=["title"], rows=[])).records == []


class _FakeInvocation:
    """A finished dbt invocation that emitted nothing and ended with ``error``."""

    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def stop(self, timeout: float) -> bool:
        return True

    def stream_raw_events(self):
        return iter(())

    def get_error(self) -> Exception | None:
        return self.error


@pytest.mark.parametrize(
    ("errors", "calls", "raised"),
    [
        # a reader held the file twice, then dbt built: two warnings, waits of 1 s and 2 s
        (["IO Error: Could not set lock on file", "Could not set lock", None], 3, None),
        # held every time: the fourth start's own error, after waits of 1, 2 and 3 s
        (["Could not set lock"] * 4, 4, "Could not set lock"),
        # any other failure is not tried again
        (["Compilation Error in model papers"], 1, "Compilation Error"),
    ],
)
def test_dbt_build_starts_again_only_while_a_reader_held_the_file(
    tmp_path, monkeypatch, errors, calls, raised
):
    from pipelines.defs import dbt as dbt_defs

    invocations = [_FakeInvocation(RuntimeError(e) if e else None) for e in errors]
    dbt = mock.Mock(cli=mock.Mock(side_effect=invocations))
    context = mock.Mock()
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)  # tenacity sleeps with time.sleep
    build = dbt_defs._dbt_build(context, dbt, tmp_path / "target", ["build"])
    if raised is None:
        assert list(build) == []
    else:
        with pytest.raises(RuntimeError, match=raised):
            list(build)
    assert dbt.cli.call_count == calls
    assert slept == [1, 2, 3][: calls - 1]
    warnings = [c.args[0] for c in context.log.warning.call_args_list]
    assert warnings == [
        f"dbt could not open the warehouse (a reader held it), trying again ({n}/3)"
        for n in range(1, len(slept) + 1)
    ]


@pytest.mark.slow
def test_dbt_build_tries_again_when_a_reader_holds_the_file(tmp_path, monkeypatch):
    """dbt-duckdb fails at once if another process holds the file (even read-only); the asset
    starts dbt again, and the built models carry the row counts and previews dbt logged: in
    the order of the model's preview_order, and no row count for a view (counting would run
    it whole)."""
    raw = tmp_path / "raw"
    database = tmp_path / "w.duckdb"
    write_dump(raw, "daily.txt", compose_dump([paper("HeldA"), paper("HeldB")]), MTIME)
    settings = Settings.resolve({"warehouse": database}, {})  # dbt's profile is given it
    warehouse = WarehouseResource(database=str(database))
    landing = LandingFolder(raw_dir=str(raw))
    instance = dg.DagsterInstance.ephemeral()
    ingested = dg.materialize(
        [raw_layer],
        instance=instance,
        resources={"warehouse": warehouse, "landing": landing},
        partition_key="2026-08",
    )
    assert ingested.success

    # another process reads the file until dbt has failed once to open it
    dbt_log = dbt_target_path(database) / "dbt.log"
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time, pathlib\n"
            "con = duckdb.connect(sys.argv[1], read_only=True)\n"
            "print('open', flush=True)\n"
            "log = pathlib.Path(sys.argv[2])\n"
            "deadline = time.monotonic() + 240\n"
            "while time.monotonic() < deadline and not (\n"
            "    log.exists() and 'Could not set lock' in log.read_text(errors='replace')):\n"
            "    time.sleep(0.1)\n",
            str(database),
            str(dbt_log),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "open"
        built = dg.materialize(
            [warehouse_models],
            instance=instance,
            resources={
                "dbt": dbt_resource(settings),
                "warehouse": warehouse,
            },
            raise_on_error=False,
        )
    finally:
        reader.kill()
        reader.wait()
    assert built.success
    messages = [
        event.message or ""
        for event in instance.all_logs(built.run_id)
        if event.level >= logging.WARNING
    ]
    assert any("dbt could not open the warehouse" in m for m in messages)
    metadata = {
        m.asset_key: m.metadata for m in built.asset_materializations_for_node("warehouse_models")
    }
    papers = metadata[MARTS_PAPERS]
    assert papers["dagster/row_count"].value == 2
    # preview_order of marts.papers: n_listings desc, last_seen desc, title
    preview = papers["preview"].value
    assert [c.name for c in preview.schema.columns][:2] == ["paper_id", "title"]
    assert [r.data["title"].split(":")[0] for r in preview.records] == ["HeldA", "HeldB"]
    assert papers["preview_shown"].value == "2 of 2 rows shown"
    sightings = metadata[dg.AssetKey(["staging", "stg_raw__sightings"])]
    assert "dagster/row_count" not in sightings
    assert any("HeldB" in str(r.data) for r in sightings["preview"].value.records)
    assert "dagster/column_schema" in sightings


def test_reports_and_quality_results_live_beside_their_warehouse(monkeypatch, tmp_path):
    from pipelines.settings import QUALITY_DIR_ENV, REPORTS_DIR_ENV

    monkeypatch.delenv(REPORTS_DIR_ENV, raising=False)
    monkeypatch.delenv(QUALITY_DIR_ENV, raising=False)
    a = Settings.resolve({"warehouse": tmp_path / "a.duckdb"})
    b = Settings.resolve({"warehouse": tmp_path / "b.duckdb"})
    assert a.reports_dir == tmp_path / "a-report" and a.quality_dir == tmp_path / "a-quality"
    assert a.dbt_target_dir == tmp_path / "a-dbt"
    assert {a.reports_dir, a.quality_dir, a.dbt_target_dir}.isdisjoint(
        {b.reports_dir, b.quality_dir, b.dbt_target_dir}
    )
    monkeypatch.setenv(REPORTS_DIR_ENV, str(tmp_path / "mine"))
    assert Settings.resolve({"warehouse": tmp_path / "a.duckdb"}).reports_dir == tmp_path / "mine"
    # a flag comes before the environment
    assert Settings.resolve({"reports_dir": tmp_path / "flag"}).reports_dir == tmp_path / "flag"


def test_logged_facts_become_a_row_count_and_a_preview_of_short_cells():
    from pipelines.defs.metadata import table_metadata
    from pipelines.warehouse.metadata import logged_facts

    rows = [
        {"n": i, "score": 1 / 3, "ids": [i, i], "title": "x" * 80, "_preview_rank": i}
        for i in (1, 2)
    ]
    table = logged_facts("intermediate.t", {"row_count": 7, "preview": rows})
    assert table.preview.columns == ["n", "score", "ids", "title"]
    assert table.preview.rows[0][:3] == ["1", "0.3333", "1, 1"]
    assert len(table.preview.rows[0][3]) == 60 and table.preview.rows[0][3].endswith("…")
    assert table_metadata(table)["dagster/row_count"].value == 7
    view = logged_facts("staging.v", {"row_count": None, "preview": rows})
    assert "dagster/row_count" not in table_metadata(view) and "preview" in table_metadata(view)
    empty = logged_facts("marts.t", {"row_count": 0, "preview": []})
    assert table_metadata(empty)["preview"].value.records == []
    assert table_metadata(empty)["preview_shown"].value == "0 of 0 rows shown"
