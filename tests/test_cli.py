"""The papertrends command as a user runs it: real process, real Dagster, real DuckDB."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.conftest import BIN
from tests.dumpkit import SHARED_DUMPS, compose_dump, paper, write_dump

MTIME = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC).timestamp()
needs_shared = pytest.mark.skipif(not SHARED_DUMPS.is_dir(), reason="../shared/dumps is absent")


def _query(warehouse: Path, sql: str):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


@needs_shared
def test_run_on_real_dumps_twice_is_idempotent(real_run):
    warehouse, first = real_run.warehouse, real_run.result
    assert first.returncode == 0, first.stderr
    assert "files seen 3: loaded 3" in first.stdout
    assert "papers 217, listings 222, rejects 0" in first.stdout
    # the run ends with the data quality line: every suite and dbt test passed on real data
    assert "quality passed: 12/12 suites passed" in first.stdout, first.stdout
    snapshot = _query(warehouse, "select * from raw.sightings order by dump_id, position")
    dumps = _query(warehouse, "select * exclude (ingested_at) from raw.dumps order by dump_id")
    marts = _query(warehouse, "select * from marts.papers order by paper_id")

    second = subprocess.run(
        [str(BIN / "papertrends"), "run", "--raw-dir", str(SHARED_DUMPS)],
        env=real_run.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert second.returncode == 0, second.stderr
    assert _query(warehouse, "select * from raw.sightings order by dump_id, position") == snapshot
    assert (
        _query(warehouse, "select * exclude (ingested_at) from raw.dumps order by dump_id") == dumps
    )
    assert _query(warehouse, "select * from marts.papers order by paper_id") == marts
    assert len(snapshot) == 222 and len({row[2] for row in snapshot}) == 217
    assert {p.name: p.stat().st_mtime_ns for p in SHARED_DUMPS.iterdir()} == real_run.mtimes_before


@needs_shared
def test_every_real_title_keeps_its_own_abstract(papertrends, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    papertrends("ingest", "--raw-dir", str(SHARED_DUMPS), "--warehouse", str(warehouse))
    rows = _query(
        warehouse,
        "select d.file_name, s.title, s.abstract from raw.sightings s join raw.dumps d "
        "using (dump_id)",
    )
    for file_name, title, abstract in rows:
        paragraphs = [p.strip() for p in (SHARED_DUMPS / file_name).read_text().split("\n\n")]
        assert paragraphs[paragraphs.index(title) + 1] == abstract


def test_rejected_input_exits_3_and_names_the_file(papertrends, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "good.txt", compose_dump([paper("ALPHA"), paper("BETA")]), MTIME)
    write_dump(raw, "cp1252.txt", "Caf\x92 papers".encode("latin-1") + b"\n", MTIME)
    result = papertrends("ingest")
    assert result.returncode == 3, result.stderr
    assert "loaded 1" in result.stdout and "rejected 1" in result.stdout
    rejects = papertrends("sql", "select file_name, reason from raw.rejects", "--csv")
    assert rejects.returncode == 0
    assert "cp1252.txt,not UTF-8: invalid byte 0x92 at byte offset 3" in rejects.stdout


def test_clean_input_exits_0_and_sql_prints_a_table(papertrends, tmp_path):
    write_dump(tmp_path / "raw", "a.txt", compose_dump([paper("ALPHA")]), MTIME)
    assert papertrends("ingest").returncode == 0
    table = papertrends("sql", "select count(*) as listings from raw.sightings")
    assert table.returncode == 0 and "listings" in table.stdout and "│ 1" in table.stdout


def test_missing_raw_folder_is_one_line_error(papertrends, tmp_path):
    result = papertrends("ingest", "--raw-dir", str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "nowhere: raw folder does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_sql_is_read_only_and_errors_are_one_line(papertrends, tmp_path):
    write_dump(tmp_path / "raw", "a.txt", compose_dump([paper("ALPHA")]), MTIME)
    papertrends("ingest")
    result = papertrends("sql", "delete from raw.sightings")
    assert result.returncode == 1 and "read-only" in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert _query(tmp_path / "warehouse.duckdb", "select count(*) from raw.sightings") == [(1,)]


def test_warehouse_that_is_not_duckdb_is_one_line_error(papertrends, tmp_path):
    bogus = tmp_path / "not.duckdb"
    bogus.write_text("just some text, not a database\n" * 50)
    write_dump(tmp_path / "raw", "a.txt", compose_dump([paper("ALPHA")]), MTIME)
    result = papertrends("ingest", "--warehouse", str(bogus))
    assert result.returncode == 1
    assert "not a valid DuckDB database" in result.stderr and "Traceback" not in result.stderr
    assert bogus.read_text().startswith("just some text")


def test_synth_writes_dumps_that_ingest_cleanly(papertrends, tmp_path):
    result = papertrends("synth", "--out", str(tmp_path / "raw"), "--dumps", "3", "--seed", "7")
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "raw").iterdir())) == 3
    ingest = papertrends("ingest")
    assert ingest.returncode == 0, ingest.stderr
    assert "files seen 3: loaded 3" in ingest.stdout
