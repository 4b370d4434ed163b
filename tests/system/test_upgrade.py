"""A warehouse and DAGSTER_HOME built by the release before round two (commit 3c5f669: per-file
``dump_files`` partitions, schema version 2, its own batched event log) are upgraded in place by
the next ``papertrends run``, and nothing is lost.

The fixture ``fixtures/old_release/old_release.tar.xz`` was made by that release itself (see
``fixtures/old_release/build.py``): its landing folder, its warehouse (DuckDB's ``EXPORT
DATABASE``: every schema it built, rebuilt here with ``IMPORT DATABASE``) and its DAGSTER_HOME
(four runs of history). Checked: the raw layer keeps every row of every version (loaded,
duplicate, rejected, superseded) with its load time, only the per-file partition keys become
months; the marts equal those of a fresh build of the same dumps by this release; the raw files
keep their bytes; the instance keeps its history and runs the new job.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.settings import INSTANCE_TEMPLATE
from pipelines.warehouse.schema import SCHEMA_VERSION
from reliability.checks import file_hashes, marts_content, marts_differ
from tests.conftest import BIN, isolated_env
from tests.dumpkit import FIXTURES

ARCHIVE = FIXTURES / "old_release" / "old_release.tar.xz"


def _raw(warehouse: Path) -> dict[str, list]:
    """Every raw row, load times included (an upgrade in place must keep them)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: con.execute(f"select * from raw.{table} order by all").fetchall()
            for table in ("dumps", "sightings", "rejects")
        }


def _run(env: dict[str, str], command: str = "run") -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "papertrends"), command], env=env, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("old_release")
    with tarfile.open(ARCHIVE) as tar:
        tar.extractall(root, filter="data")
    warehouse = root / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"import database '{root / 'warehouse'}'")
        assert con.execute("select schema_version from raw.warehouse_info").fetchone() == (2,)
    env = isolated_env(root)  # raw/, warehouse.duckdb and dagster_home/ of the archive
    old = _raw(warehouse)
    files = file_hashes(root / "raw")
    # (its dagster.yaml names the old release's event log, which this release cannot import)
    with contextlib.closing(sqlite3.connect(root / "dagster_home" / "history" / "runs.db")) as db:
        old_runs = {run_id for (run_id,) in db.execute("select run_id from runs")}
    assert len(old_runs) == 4
    result = _run(env)
    fresh_env = isolated_env(root / "fresh")
    fresh_env["PAPERTRENDS_RAW_DIR"] = str(root / "raw")
    fresh = _run(fresh_env)
    assert fresh.returncode == 3, fresh.stderr
    return {
        "root": root,
        "warehouse": warehouse,
        "result": result,
        "old": old,
        "old_runs": old_runs,
        "files": files,
        "fresh": Path(fresh_env["PAPERTRENDS_WAREHOUSE"]),
    }


def test_the_old_warehouse_is_upgraded_in_place_and_keeps_every_raw_row(upgraded):
    result = upgraded["result"]
    # 3: the old release's rejects (a cp1252 file, an orphan title), named as before
    assert result.returncode == 3, result.stderr
    assert "quality passed" in result.stdout, result.stdout
    assert "files seen 7: loaded 5, duplicate 1, rejected 1" in result.stdout
    assert "latin1.txt: not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr
    warehouse = upgraded["warehouse"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        version, folder = con.execute(
            "select schema_version, landing_folder from raw.warehouse_info"
        ).fetchone()
        months = dict(con.execute("select dump_id, partition_key from raw.dumps").fetchall())
    assert version == SCHEMA_VERSION
    assert folder == str((upgraded["root"] / "raw").resolve())
    old, new = upgraded["old"], _raw(warehouse)
    assert new["sightings"] == old["sightings"] and new["rejects"] == old["rejects"]
    # the same versions with the same facts and load times; only the per-file partition keys
    # (file names) became the listing month (a duplicate's: its original's)
    assert len(new["dumps"]) == len(old["dumps"]) == 8
    statuses = sorted(row[6] for row in old["dumps"])
    assert statuses == ["duplicate", "loaded", "loaded", "loaded", "loaded", "loaded"] + [
        "rejected",
        "superseded",
    ]
    assert [row[:-1] for row in new["dumps"]] == [row[:-1] for row in old["dumps"]]
    assert sorted(set(months.values())) == ["2025-01", "2025-02"]
    assert upgraded["files"] == file_hashes(upgraded["root"] / "raw")  # raw files untouched


def test_the_upgraded_marts_equal_a_fresh_build_of_the_same_dumps(upgraded):
    # the old release's marts (three of its dbt tests failing after an overwritten file) are
    # not carried on: every model is built again from the raw layer
    expected = marts_content(upgraded["fresh"])
    found = marts_content(upgraded["warehouse"])
    assert marts_differ(found, expected) == []
    assert len(found["papers"]) == 55


def test_the_old_dagster_home_keeps_its_history_and_runs_the_new_job(upgraded):
    home = upgraded["root"] / "dagster_home"
    assert (home / "dagster.yaml").read_text() == INSTANCE_TEMPLATE.read_text()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = {r.dagster_run.run_id: r.dagster_run for r in instance.get_run_records()}
        assert upgraded["old_runs"] < set(runs)  # nothing of the old history is gone
        (new,) = [run for run_id, run in runs.items() if run_id not in upgraded["old_runs"]]
        assert new.job_name == "ingest_and_build"
        assert new.status == dg.DagsterRunStatus.SUCCESS
        # the old per-file partitions stay in the history, harmless
        assert "2025-01-06.txt" in instance.get_dynamic_partitions("dump_files")


def test_the_next_ingest_after_the_upgrade_changes_nothing(upgraded):
    before = _raw(upgraded["warehouse"])
    result = _run(isolated_env(upgraded["root"]), "ingest")
    assert result.returncode in (0, 3), result.stderr
    assert "Traceback" not in result.stderr
    assert _raw(upgraded["warehouse"]) == before
    shutil.rmtree(upgraded["root"] / "fresh", ignore_errors=True)
