"""The papertrends command as a user runs it: real process, real Dagster, real DuckDB."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import PROJECT_DIR
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
    assert "quality passed: 18/18 suites passed" in first.stdout, first.stdout
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


def test_sql_cannot_write_any_other_file_either(papertrends, tmp_path):
    write_dump(tmp_path / "raw", "a.txt", compose_dump([paper("ALPHA")]), MTIME)
    papertrends("ingest")
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("create table t as select 1 as a")
    before = other.read_bytes()
    out = tmp_path / "out"
    attempts = [
        f"copy (select * from raw.sightings) to '{out}.csv'",
        f"copy raw.sightings to '{out}.parquet' (format parquet)",
        f"export database '{out}'",
        f"attach '{out}.duckdb' as fresh",
        f"attach '{other}' as o; insert into o.t values (2)",
        "set enable_external_access = true",
        "set lock_configuration = false",
        f"select * from read_csv('{tmp_path / 'raw' / 'a.txt'}')",  # nor read outside it
    ]
    for query in attempts:
        result = papertrends("sql", query)
        assert result.returncode == 1, (query, result.stdout)
        assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
        assert result.stderr.startswith("papertrends: error: query failed: "), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out")) == []
    assert other.read_bytes() == before
    # what it is for still works
    assert papertrends("sql", "select count(*) as n from raw.sightings", "--csv").stdout == "n\n1\n"


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


def test_synth_start_dates_the_first_dump_and_a_run_covers_its_months(papertrends, tmp_path):
    """--start lets an archive end before today; `ingest` is one run over the dumps' months, and
    a date before PAPERTRENDS_FIRST_MONTH is rejected with its reason, not a crash."""
    raw = tmp_path / "raw"
    result = papertrends("synth", "--out", str(raw), "--dumps", "3", "--start", "2023-04-30")
    assert result.returncode == 0, result.stderr
    ingest = papertrends("ingest")
    assert ingest.returncode == 3, ingest.stderr  # finished, one file rejected
    assert "files seen 3: loaded 2, duplicate 0, rejected 1" in ingest.stdout
    rows = papertrends(
        "sql",
        "select listing_date, status, partition_key, reason from raw.dumps order by 1",
        "--csv",
    ).stdout.splitlines()
    assert rows[1].startswith('2023-04-30,rejected,"",listing date 2023-04-30 is before the first')
    assert rows[2:] == ["2023-05-01,loaded,2023-05,", "2023-05-02,loaded,2023-05,"], rows
    for bad in ("2023-02-30", "May 2023"):
        usage = papertrends("synth", "--out", str(tmp_path / "x"), "--dumps", "1", "--start", bad)
        assert usage.returncode == 64 and "not a date YYYY-MM-DD" in usage.stderr


def test_usage_errors_exit_64_not_the_quality_code(papertrends):
    for args in (
        ("nope",),
        ("sql", "select 1", "--bogus"),
        ("synth", "--dumps", "x", "--out", "."),
    ):
        result = papertrends(*args)
        assert result.returncode == 64, (args, result.stderr)
        assert result.stderr.strip().splitlines()[-1].startswith("papertrends")
    assert papertrends("--help").returncode == 0


def _warehouse_with_nested_column(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create schema marts; create table marts.t as select 1 as id, ['a', 'b,c'] as terms, "
            "{'n': 2, 'tags': ['x']} as info, map(['k'], [3]) as m"
        )


def test_sql_csv_and_table_show_list_struct_and_map_columns_as_json(papertrends, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    _warehouse_with_nested_column(warehouse)
    csv = papertrends("sql", "select * from marts.t", "--csv")
    assert csv.returncode == 0, csv.stderr
    header, row = csv.stdout.strip().splitlines()
    assert header == "id,terms,info,m"
    assert row == '1,"[""a"",""b,c""]","{""n"":2,""tags"":[""x""]}","{""k"":3}"'
    table = papertrends("sql", "select terms, info from marts.t")
    assert table.returncode == 0, table.stderr
    assert '["a","b,c"]' in table.stdout and '{"n":2,"tags":["x"]}' in table.stdout


def test_sql_into_a_closed_pipe_ends_quietly(cli_env, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    _warehouse_with_nested_column(warehouse)
    for query in ("select * from range(400000)", "select repeat('x', 100) from range(20000)"):
        process = subprocess.Popen(
            [str(BIN / "papertrends"), "sql", query, "--csv"],
            env=cli_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        first = process.stdout.readline()
        process.stdout.close()  # what `| head -1` does after its line
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=120) == 141
        assert first and stderr == ""


def test_report_into_an_unwritable_place_is_one_line_naming_path_and_reason(papertrends, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    _warehouse_with_nested_column(warehouse)
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder\n")
    result = papertrends("report", "--out", str(blocker / "reports"))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"papertrends: error: {blocker / 'reports'}: cannot write the trend report: "
        f"{blocker} is a file, not a folder"
    )
    synth = papertrends("synth", "--out", str(blocker / "dumps"), "--dumps", "1")
    assert synth.returncode == 1 and synth.stderr.count("\n") == 1
    assert f"{blocker} is a file, not a folder" in synth.stderr


def test_report_failing_inside_the_run_is_one_line_naming_the_page(papertrends, tmp_path):
    write_dump(tmp_path / "raw", "a.txt", compose_dump([paper("ALPHA")]), MTIME)
    assert papertrends("run").returncode == 0
    out = tmp_path / "elsewhere"
    (out / "index.html").mkdir(parents=True)  # the page's name is taken by a folder
    result = papertrends("report", "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"papertrends: error: {out / 'index.html'}: cannot write the trend report: Is a directory"
    )
    # no temporary file left (the feeds and topic pages, written before the page, are whole)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert (out / "index.html").is_dir()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_report_into_a_read_only_folder_is_one_line(papertrends, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    _warehouse_with_nested_column(warehouse)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = papertrends("report", "--out", str(locked / "reports"))
    finally:
        locked.chmod(0o755)
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert f"{locked / 'reports'}: cannot write the trend report: Permission denied" in (
        result.stderr
    )


HEAVY = ("dagster", "dagster_dbt", "dbt", "great_expectations", "polars")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["ingest", "--raw-dir", "{tmp}/nowhere"], "{tmp}/nowhere: raw folder does not exist"),
        (["run", "--raw-dir", "{tmp}/nowhere"], "{tmp}/nowhere: raw folder does not exist"),
        (["ui", "--raw-dir", "{tmp}/nowhere"], "{tmp}/nowhere: raw folder does not exist"),
        (["run", "--raw-dir", "{tmp}/file"], "{tmp}/file: raw folder is a file, not a folder"),
        (["build", "--warehouse", "{tmp}/no.duckdb"], "{tmp}/no.duckdb: no warehouse there yet"),
        (["check", "--warehouse", "{tmp}/no.duckdb"], "{tmp}/no.duckdb: no warehouse there yet"),
        (["sql", "select 1", "--warehouse", "{tmp}"], "{tmp}: is a folder, not a DuckDB file"),
        (
            ["ingest", "--raw-dir", "{tmp}", "--warehouse", "{tmp}/file/w.duckdb"],
            "{tmp}/file: cannot create the warehouse: {tmp}/file is a file, not a folder",
        ),
    ],
)
def test_path_errors_come_before_any_heavy_import(tmp_path, cli_env, argv, message):
    (tmp_path / "file").write_text("x\n")
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    probe = (
        "import sys\n"
        "from pipelines.cli import main\n"
        f"code = main({argv!r})\n"
        f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=cli_env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "1 []", result.stdout + result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"papertrends: error: {message.format(tmp=tmp_path)}")


def test_a_warehouse_refuses_another_landing_folder_in_one_line(papertrends, tmp_path):
    first, second = tmp_path / "raw", tmp_path / "other"
    write_dump(first, "a.txt", compose_dump([paper("ALPHA")]), MTIME)
    write_dump(second, "b.txt", compose_dump([paper("BETA")]), MTIME)
    assert papertrends("ingest").returncode == 0
    result = papertrends("ingest", "--raw-dir", str(second))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"papertrends: error: {tmp_path / 'warehouse.duckdb'}: built from the landing folder "
        f"{first}, not {second}: give this folder its own warehouse (--warehouse NEW.duckdb), "
        "or move this one away to rebuild"
    )
    warehouse = tmp_path / "warehouse.duckdb"
    assert _query(warehouse, "select file_name from raw.dumps") == [("a.txt",)]
    assert _query(warehouse, "select landing_folder from raw.warehouse_info") == [(str(first),)]
    # its own warehouse takes the other folder
    own = papertrends("ingest", "--raw-dir", str(second), "--warehouse", str(tmp_path / "b.duckdb"))
    assert own.returncode == 0, own.stderr

    # a warehouse built before folders were recorded (none stored) and holding none of the
    # folder's dumps came from another folder: refused too, not bound to this one
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.warehouse_info set landing_folder = null")
    result = papertrends("ingest", "--raw-dir", str(second))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "holds dumps none of which are in" in result.stderr
    assert _query(warehouse, "select landing_folder from raw.warehouse_info") == [(None,)]
    # ... while the folder it was built from is still taken
    assert papertrends("ingest").returncode == 0


def test_demo_writes_its_sample_and_warehouse_under_data_demo_only(cli_env, tmp_path):
    env = {k: v for k, v in cli_env.items() if not k.startswith("PAPERTRENDS_")}
    result = subprocess.run(
        [str(BIN / "papertrends"), "demo", "--dumps", "3"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    demo = tmp_path / "data" / "demo"
    assert len(list((demo / "raw").iterdir())) == 3
    assert "files seen 3: loaded 3" in result.stdout
    assert (demo / "warehouse-report" / "index.html").is_file()
    assert (demo / "warehouse-quality" / "gx").is_dir()
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["demo"]
    # the demo warehouse remembers its folder: the default landing folder is another one
    (tmp_path / "data" / "raw").mkdir()
    other = subprocess.run(
        [str(BIN / "papertrends"), "ingest", "--warehouse", str(demo / "warehouse.duckdb")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert other.returncode == 1 and f"built from the landing folder {demo / 'raw'}" in (
        other.stderr
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_with_a_missing_raw_dir_says_so_and_creates_nothing(tmp_path):
    missing = tmp_path / "shared" / "dumps"
    result = subprocess.run(
        ["make", "--no-print-directory", "run", f"RAW_DIR={missing}"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert f"papertrends: error: {missing}: raw folder does not exist" in result.stderr
    assert not missing.exists() and not missing.parent.exists()
