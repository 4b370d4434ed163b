"""The Dagster code location loads and validates; the raw asset runs through Dagster itself."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from pipelines.defs.ingest import dump_files, raw_layer
from pipelines.defs.resources import LandingFolder, WarehouseResource
from tests.dumpkit import compose_dump, paper, write_dump

MTIME = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC).timestamp()


def test_definitions_validate():
    from pipelines import definitions

    dg.Definitions.validate_loadable(definitions.defs)
    job = definitions.defs.resolve_job_def("ingest_dumps")
    assert job.partitions_def == dump_files


def test_raw_layer_backfills_many_partitions_in_one_run(tmp_path):
    raw = tmp_path / "raw"
    for i in range(3):
        write_dump(raw, f"dump {i}.txt", compose_dump([paper(f"P{i}A"), paper(f"P{i}B")]), MTIME)
    resources = {
        "warehouse": WarehouseResource(database=str(tmp_path / "w.duckdb")),
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
    assert result.success
    materialized = result.asset_materializations_for_node("raw_layer")
    assert {m.partition for m in materialized} == set(keys)
    with resources["warehouse"].read_only_connection() as con:
        assert con.execute("select count(*) from raw.sightings").fetchone()[0] == 6
    assert len(instance.get_runs()) == 1
