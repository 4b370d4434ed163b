"""The Dagster code location loads and validates; the raw asset runs through Dagster itself."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys

import dagster as dg
import pytest

from pipelines.defs.automation import MARTS_PAPERS, landing_sensor, marts_after_ingest_sensor
from pipelines.defs.dbt import (
    WarehouseDbtCliResource,
    build_marts_job,
    dbt_project,
    dbt_target_path,
    warehouse_models,
)
from pipelines.defs.ingest import RAW_DUMPS, dump_files, ingest_job, raw_layer
from pipelines.defs.metadata import preview_markdown
from pipelines.defs.resources import LandingFolder, WarehouseResource
from pipelines.warehouse.metadata import Preview
from tests.dumpkit import compose_dump, paper, write_dump

MTIME = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC).timestamp()


def test_definitions_validate():
    from pipelines import definitions

    dg.Definitions.validate_loadable(definitions.defs)
    job = definitions.defs.resolve_job_def("ingest_dumps")
    assert job.partitions_def == dump_files


def _materialize_raw_layer(raw, warehouse):
    """Register a partition per landed dump and backfill them all in one run of raw_layer;
    returns the result, the partition keys, the resources and the instance."""
    resources = {
        "warehouse": WarehouseResource(database=str(warehouse)),
        "landing": LandingFolder(raw_dir=str(raw)),
    }
    instance = dg.DagsterInstance.ephemeral()
    keys = [f.partition_key for f in resources["landing"].files()]
    instance.add_dynamic_partitions(dump_files.name, keys)
    result = dg.materialize(
        [raw_layer],
        instance=instance,
        resources=resources,
        tags={
            "dagster/asset_partition_range_start": keys[0],
            "dagster/asset_partition_range_end": keys[-1],
        },
    )
    return result, keys, resources, instance


def test_raw_layer_backfills_many_partitions_in_one_run(tmp_path):
    raw = tmp_path / "raw"
    for i in range(3):
        write_dump(raw, f"dump {i}.txt", compose_dump([paper(f"P{i}A"), paper(f"P{i}B")]), MTIME)
    result, keys, resources, instance = _materialize_raw_layer(raw, tmp_path / "w.duckdb")
    assert result.success
    materialized = result.asset_materializations_for_node("raw_layer")
    assert {m.partition for m in materialized} == set(keys)
    with resources["warehouse"].read_only_connection() as con:
        assert con.execute("select count(*) from raw.sightings").fetchone()[0] == 6
    assert len(instance.get_runs()) == 1


def test_every_asset_check_job_sensor_and_schedule_is_described():
    from pipelines import definitions

    repo = definitions.defs.get_repository_def()
    graph = definitions.defs.resolve_asset_graph()
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


def test_landing_sensor_requests_each_file_version_once(tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", compose_dump([paper("SenA")]), MTIME)
    write_dump(raw, "b.txt", compose_dump([paper("SenB")]), MTIME)
    landing = LandingFolder(raw_dir=str(raw))
    instance = dg.DagsterInstance.ephemeral()

    def tick(cursor):
        context = dg.build_sensor_context(
            instance=instance, cursor=cursor, resources={"landing": landing}
        )
        return landing_sensor(context)

    first = tick(None)
    ingests = [r for r in first.run_requests if r.job_name == ingest_job.name]
    builds = [r for r in first.run_requests if r.job_name == build_marts_job.name]
    assert sorted(r.partition_key for r in ingests) == ["a.txt", "b.txt"]
    assert len(builds) == 1  # one marts build queued behind the tick's ingestions
    (added,) = first.dynamic_partitions_requests
    assert sorted(added.partition_keys) == ["a.txt", "b.txt"]
    instance.add_dynamic_partitions(dump_files.name, list(added.partition_keys))

    # nothing changed: the cursor (size, mtime) says so without reading a file
    again = tick(first.cursor)
    assert isinstance(again, dg.SkipReason)

    # the same bytes under a new name: a run for the new partition, same content hash
    write_dump(raw, "a copy.txt", (raw / "a.txt").read_bytes(), MTIME)
    copy = tick(first.cursor)
    (copy_ingest,) = [r for r in copy.run_requests if r.job_name == ingest_job.name]
    by_file = {r.tags["papertrends/file"]: r.run_key for r in ingests}
    assert copy_ingest.run_key.split("@")[1] == by_file["a.txt"].split("@")[1]
    assert copy_ingest.partition_key != "a.txt"

    # a file overwritten with new bytes is a new version: a new run key
    write_dump(raw, "b.txt", compose_dump([paper("SenB"), paper("SenC")]), MTIME + 60)
    changed = tick(copy.cursor)
    (b_again,) = [r for r in changed.run_requests if r.job_name == ingest_job.name]
    assert b_again.partition_key == "b.txt" and b_again.run_key != by_file["b.txt"]


def test_marts_sensor_follows_ingestions_the_marts_have_not_seen():
    instance = dg.DagsterInstance.ephemeral()

    def tick():
        return marts_after_ingest_sensor(dg.build_sensor_context(instance=instance))

    assert isinstance(tick(), dg.SkipReason)  # nothing ingested yet
    instance.report_runless_asset_event(dg.AssetMaterialization(RAW_DUMPS))
    request = tick()
    assert isinstance(request, dg.RunRequest) and request.run_key.startswith("marts-after-")
    instance.report_runless_asset_event(dg.AssetMaterialization(MARTS_PAPERS))
    assert isinstance(tick(), dg.SkipReason)  # the marts are newer
    instance.report_runless_asset_event(dg.AssetMaterialization(RAW_DUMPS))
    later = tick()
    assert isinstance(later, dg.RunRequest) and later.run_key != request.run_key


def test_raw_layer_metadata_shows_counts_dumps_and_previews(tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "daily.txt", compose_dump([paper("Meta|One"), paper("Meta_Two")]), MTIME)
    write_dump(raw, "daily_copy.txt", (raw / "daily.txt").read_bytes(), MTIME)
    lost = compose_dump([paper("MetaThree")]).replace(paper("MetaThree")[1] + "\n", "")
    write_dump(raw, "lost.txt", lost + "\n" + "\n\n".join(paper("MetaFour")) + "\n", MTIME)
    result, _, _, _ = _materialize_raw_layer(raw, tmp_path / "w.duckdb")
    assert result.success
    metadata = {
        m.asset_key.to_user_string(): {k: v.value for k, v in m.metadata.items()}
        for m in result.asset_materializations_for_node("raw_layer")
    }
    dumps = metadata["raw/dumps"]
    assert dumps["rows_total"] == 3 and dumps["new_rows"] == 3
    table = dumps["dumps_in_run"]
    assert "| daily.txt | loaded | 2026-08-25 | inferred | 2 | 0 |" in table
    assert "| daily\\_copy.txt | duplicate |" in table and "same bytes as daily.txt" in table
    assert "| lost.txt | loaded | 2026-08-25 | inferred | 1 | 1 |" in table
    sightings = metadata["raw/sightings"]
    assert sightings["rows_total"] == 3 and sightings["new_rows"] == 3
    # titles are shown as written: Markdown syntax escaped, one line, cut with an ellipsis
    assert "Meta\\|One: Sparse Mixture of Experts" in sightings["new_listings"]
    assert "Meta\\_Two" in sightings["new_listings"]
    assert "…" in sightings["new_listings"]
    rejects = metadata["raw/rejects"]
    assert rejects["rows_total"] == 1 and rejects["new_rows"] == 1
    assert "| lost.txt |" in rejects["new_rejects"] and "orphan title" in rejects["new_rejects"]


def test_preview_markdown_says_how_many_rows_are_not_shown():
    preview = Preview(columns=["title"], rows=[["a"], ["b"]])
    assert preview_markdown(preview, total=10).splitlines() == [
        "| title |",
        "|---|",
        "| a |",
        "| b |",
        "",
        "_2 of 10 rows shown_",
    ]
    assert preview_markdown(Preview(columns=["title"], rows=[])) == "_no rows_"


@pytest.mark.slow
def test_dbt_build_tries_again_when_a_reader_holds_the_file(tmp_path, monkeypatch):
    """dbt-duckdb fails at once if another process holds the file (even read-only); the asset
    starts dbt again, and the built models carry row counts and previews read afterwards."""
    raw = tmp_path / "raw"
    database = tmp_path / "w.duckdb"
    write_dump(raw, "daily.txt", compose_dump([paper("HeldA"), paper("HeldB")]), MTIME)
    monkeypatch.setenv("PAPERTRENDS_WAREHOUSE", str(database))  # the dbt profile reads it
    warehouse = WarehouseResource(database=str(database))
    landing = LandingFolder(raw_dir=str(raw))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(dump_files.name, ["daily.txt"])
    ingested = dg.materialize(
        [raw_layer],
        instance=instance,
        resources={"warehouse": warehouse, "landing": landing},
        partition_key="daily.txt",
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
                "dbt": WarehouseDbtCliResource(project_dir=dbt_project),
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
    papers = {
        m.asset_key: m.metadata for m in built.asset_materializations_for_node("warehouse_models")
    }[MARTS_PAPERS]
    assert papers["dagster/row_count"].value == 2
    assert "HeldA" in papers["preview"].value


def test_reports_and_quality_results_live_beside_their_warehouse(monkeypatch, tmp_path):
    from pipelines.settings import QUALITY_DIR_ENV, REPORTS_DIR_ENV, load_settings

    monkeypatch.delenv(REPORTS_DIR_ENV, raising=False)
    monkeypatch.delenv(QUALITY_DIR_ENV, raising=False)
    a = load_settings(warehouse=tmp_path / "a.duckdb")
    b = load_settings(warehouse=tmp_path / "b.duckdb")
    assert a.reports_dir == tmp_path / "a-report" and a.quality_dir == tmp_path / "a-quality"
    assert {a.reports_dir, a.quality_dir}.isdisjoint({b.reports_dir, b.quality_dir})
    monkeypatch.setenv(REPORTS_DIR_ENV, str(tmp_path / "mine"))
    assert load_settings(warehouse=tmp_path / "a.duckdb").reports_dir == tmp_path / "mine"


def test_table_facts_count_tables_but_never_run_a_view_whole():
    import duckdb

    from pipelines.defs.metadata import table_metadata
    from pipelines.warehouse.metadata import table_facts

    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.t as select range as n, [range, range] as ids from range(7)"
    )
    con.execute("create view intermediate.v as select n, unnest(ids) as id from intermediate.t")
    table, view = table_facts(con, "intermediate.t"), table_facts(con, "intermediate.v")
    assert table.row_count == 7 and view.row_count is None
    assert len(view.preview.rows) > 0
    assert table_metadata(table)["dagster/row_count"].value == 7
    assert "dagster/row_count" not in table_metadata(view) and "preview" in table_metadata(view)
