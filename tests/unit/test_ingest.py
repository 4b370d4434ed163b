"""Loading landed dumps into the raw layer: idempotency, duplicates, supersession, atomicity."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipelines.landing import scan_landing
from pipelines.warehouse.load import ingest_files
from tests.dumpkit import compose_dump, paper, write_dump

MTIME = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC).timestamp()


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield connection
    connection.close()


def _ingest(con, raw: Path):
    return ingest_files(con, scan_landing(raw))


def _rows(con, query: str):
    return con.execute(query).fetchall()


def test_running_twice_changes_nothing(con, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", compose_dump([paper("ALPHA"), paper("BETA")]), MTIME)
    write_dump(raw, "b.txt", compose_dump([paper("GAMMA")], date="Sep 2"), MTIME)
    first = _ingest(con, raw)
    before = _rows(con, "select * exclude (ingested_at) from raw.dumps order by 1")
    second = _ingest(con, raw)
    assert first.count("loaded") == 2
    assert second.outcomes == [] and sorted(second.unchanged) == ["a.txt", "b.txt"]
    assert _rows(con, "select * exclude (ingested_at) from raw.dumps order by 1") == before
    assert _rows(con, "select count(*) from raw.sightings") == [(3,)]


def test_touched_file_with_same_bytes_is_not_reloaded(con, tmp_path):
    raw = tmp_path / "raw"
    path = write_dump(raw, "a.txt", compose_dump([paper("ALPHA")]), MTIME)
    _ingest(con, raw)
    write_dump(raw, "a.txt", path.read_bytes(), MTIME + 3600)
    report = _ingest(con, raw)
    assert report.outcomes == [] and report.unchanged == ["a.txt"]
    assert _rows(con, "select count(*), min(status) from raw.dumps") == [(1, "loaded")]


def test_same_content_under_two_names_is_loaded_once(con, tmp_path):
    raw = tmp_path / "raw"
    text = compose_dump([paper("ALPHA"), paper("BETA")])
    write_dump(raw, "first.txt", text, MTIME)
    write_dump(raw, "second copy.txt", text, MTIME + 60)
    _ingest(con, raw)
    rows = _rows(con, "select file_name, status, dump_id, duplicate_of from raw.dumps order by 1")
    (first_name, first_status, first_id, _), (second_name, second_status, _, dup_of) = rows
    assert (first_name, first_status) == ("first.txt", "loaded")
    assert (second_name, second_status, dup_of) == ("second copy.txt", "duplicate", first_id)
    assert _rows(con, "select count(*) from raw.sightings") == [(2,)]


def test_overwritten_file_supersedes_its_old_version(con, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", compose_dump([paper("ALPHA"), paper("BETA")]), MTIME)
    _ingest(con, raw)
    write_dump(raw, "a.txt", compose_dump([paper("GAMMA")]), MTIME + 60)
    _ingest(con, raw)
    assert _rows(con, "select status, n_sightings from raw.dumps order by ingested_at") == [
        ("superseded", 2),
        ("loaded", 1),
    ]
    titles = _rows(con, "select title from raw.sightings")
    assert len(titles) == 1 and titles[0][0].startswith("GAMMA")
    assert _ingest(con, raw).outcomes == []


def test_superseding_an_original_hands_its_rows_to_its_duplicate(con, tmp_path):
    raw = tmp_path / "raw"
    text = compose_dump([paper("ALPHA")])
    write_dump(raw, "a.txt", text, MTIME)
    write_dump(raw, "b.txt", text, MTIME + 60)
    _ingest(con, raw)
    write_dump(raw, "a.txt", compose_dump([paper("DELTA")]), MTIME + 120)
    _ingest(con, raw)
    current = _rows(
        con,
        "select file_name, status from raw.dumps where status <> 'superseded' order by 1",
    )
    assert current == [("a.txt", "loaded"), ("b.txt", "loaded")]
    owners = _rows(
        con,
        "select d.file_name, s.title from raw.sightings s join raw.dumps d using (dump_id) "
        "order by 1",
    )
    assert [(name, title.split(":")[0]) for name, title in owners] == [
        ("a.txt", "DELTA"),
        ("b.txt", "ALPHA"),
    ]


def test_restoring_an_old_version_loads_it_again_without_doubling(con, tmp_path):
    raw = tmp_path / "raw"
    old = compose_dump([paper("ALPHA")])
    write_dump(raw, "a.txt", old, MTIME)
    _ingest(con, raw)
    write_dump(raw, "a.txt", compose_dump([paper("BETA")]), MTIME + 60)
    _ingest(con, raw)
    write_dump(raw, "a.txt", old, MTIME + 120)
    _ingest(con, raw)
    assert _rows(con, "select status, count(*) from raw.dumps group by 1 order by 1") == [
        ("loaded", 1),
        ("superseded", 1),
    ]
    assert _rows(
        con, "select count(*), count(distinct (dump_id, position)) from raw.sightings"
    ) == [(1, 1)]


def test_bad_file_is_rejected_and_good_files_still_load(con, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "good.txt", compose_dump([paper("ALPHA")]), MTIME)
    write_dump(raw, "latin1.txt", compose_dump([paper("CAFÉ")]).encode("latin-1"), MTIME)
    write_dump(raw, "page.html", "<!DOCTYPE html><html><body>Daily Papers</body></html>", MTIME)
    write_dump(raw, "empty.txt", b"", MTIME)
    before = {p.name: p.read_bytes() for p in raw.iterdir()}
    _ingest(con, raw)
    status = dict(_rows(con, "select file_name, status from raw.dumps"))
    assert status == {
        "good.txt": "loaded",
        "latin1.txt": "rejected",
        "page.html": "rejected",
        "empty.txt": "rejected",
    }
    reasons = dict(_rows(con, "select file_name, reason from raw.rejects"))
    assert "byte offset" in reasons["latin1.txt"]
    assert "HTML" in reasons["page.html"]
    assert reasons["empty.txt"] == "empty file"
    assert {p.name: p.read_bytes() for p in raw.iterdir()} == before  # raw files untouched


def test_damaged_records_are_quarantined_with_line_numbers(con, tmp_path):
    raw = tmp_path / "raw"
    alpha, beta, gamma = paper("ALPHA"), paper("BETA"), paper("GAMMA")
    text = compose_dump([alpha, beta, gamma]).replace(beta[1] + "\n\n", "")  # lose an abstract
    write_dump(raw, "holes.txt", text, MTIME)
    _ingest(con, raw)
    assert _rows(con, "select n_sightings, n_rejects, status from raw.dumps") == [(2, 1, "loaded")]
    ((line_no, reason, excerpt),) = _rows(con, "select line_no, reason, excerpt from raw.rejects")
    assert text.splitlines()[line_no - 1] == beta[0] and excerpt == beta[0]
    assert "orphan title" in reason
    pairs = _rows(con, "select title, abstract from raw.sightings order by position")
    for title, abstract in pairs:
        assert title.split(":")[0] in abstract


def test_failed_batch_leaves_no_trace(con, tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", compose_dump([paper("ALPHA")]), MTIME)
    write_dump(raw, "b.txt", compose_dump([paper("BETA")]), MTIME + 1)

    import pipelines.warehouse.load as load

    def explode(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(load, "parse_dumps", explode)
    with pytest.raises(OSError):
        _ingest(con, raw)
    monkeypatch.undo()
    assert _rows(con, "select count(*) from raw.dumps") == [(0,)]
    assert _rows(con, "select count(*) from raw.sightings") == [(0,)]
    assert _ingest(con, raw).count("loaded") == 2


def test_files_still_being_written_are_not_ingested(tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "done.txt", compose_dump([paper("ALPHA")]), MTIME)
    write_dump(raw, "saving.txt.part", "new\n", MTIME)
    write_dump(raw, "saving.tmp", "new\n", MTIME)
    write_dump(raw, ".hidden.txt", "new\n", MTIME)
    write_dump(raw, "fresh.txt", compose_dump([paper("BETA")]))  # mtime now
    names = [f.file_name for f in scan_landing(raw, min_age_seconds=30)]
    assert names == ["done.txt"]
    assert sorted(f.file_name for f in scan_landing(raw)) == ["done.txt", "fresh.txt"]


def test_the_loading_connection_caps_duckdb_memory(tmp_path: Path):
    from pipelines.defs.resources import WarehouseResource
    from pipelines.errors import WarehouseUnusable
    from pipelines.settings import Settings
    from pipelines.warehouse.connection import MEMORY_LIMIT_ENV

    def limit(environ: dict[str, str]) -> str:
        """The cap of the loading connection with the settings of ``environ``."""
        settings = Settings.resolve({"warehouse": tmp_path / "w.duckdb"}, environ)
        with WarehouseResource.from_settings(settings).get_connection() as connection:
            return connection.execute("select current_setting('memory_limit')").fetchone()[0]

    assert limit({}) == "953.6 MiB"  # 1GB, DuckDB's default would be 80% of the RAM
    assert limit({MEMORY_LIMIT_ENV: "256MB"}) == "244.1 MiB"
    with pytest.raises(WarehouseUnusable, match="PAPERTRENDS_LOAD_MEMORY_LIMIT='lots'"):
        limit({MEMORY_LIMIT_ENV: "lots"})


def test_partition_key_is_the_listing_month_a_duplicate_takes_its_originals(tmp_path):
    raw = tmp_path / "raw"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    write_dump(raw, "a.txt", compose_dump([paper("KeyA")], date="Jun 3"), MTIME)
    write_dump(raw, "c twin.txt", (raw / "a.txt").read_bytes(), MTIME)  # same batch
    _ingest(con, raw)
    # a later batch: the original is only in the warehouse
    write_dump(raw, "b.txt", (raw / "a.txt").read_bytes(), MTIME)
    write_dump(raw, "old.txt", compose_dump([paper("KeyOld")], date="Mar 2, 2019"), MTIME)
    window = (dt.date(2023, 5, 1), dt.date(2027, 1, 1))

    def holdable(day):
        return None if window[0] <= day < window[1] else f"listing date {day} has no partition"

    ingest_files(con, scan_landing(raw), holdable=holdable)
    assert _rows(con, "select file_name, status, partition_key from raw.dumps order by 1") == [
        ("a.txt", "loaded", "2026-06"),
        ("b.txt", "duplicate", "2026-06"),
        ("c twin.txt", "duplicate", "2026-06"),
        ("old.txt", "rejected", ""),
    ]
    assert _rows(con, "select reason from raw.rejects where file_name = 'old.txt'") == [
        ("listing date 2019-03-02 has no partition",)
    ]
    in_old = "select count(*) from raw.sightings join raw.dumps using (dump_id) where file_name"
    assert _rows(con, in_old + " = 'old.txt'") == [(0,)]
