"""Hostile files and names in the landing folder (issue 23, item 4): names with spaces, quotes,
newlines, non-ASCII and leading dashes; a folder; a symbolic link; a file over the size cap
(refused with its size, never read into memory); a file without read permission. Each ends in
one clear line, nothing else is affected and the raw files are untouched."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import duckdb
import pytest

from pipelines.landing import read_dump, scan_landing
from pipelines.settings import MAX_DUMP_MB_ENV, Settings
from pipelines.warehouse.load import ingest_files
from tests.conftest import BIN
from tests.dumpkit import compose_dump, paper, write_dump

MTIME = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC).timestamp()
HOSTILE_NAMES = [
    "with space.txt",
    'it\'s "quoted".txt',
    "new\nline.txt",
    "ünïcödé — 論文.txt",
    "-leading-dash.txt",
    "--help",
]


def _files(raw: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in raw.iterdir() if p.is_file()}


def test_hostile_names_load_like_any_other(tmp_path):
    raw = tmp_path / "raw"
    for i, name in enumerate(HOSTILE_NAMES):
        write_dump(raw, name, compose_dump([paper(f"NAME{i}")]), MTIME + i)
    before = _files(raw)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        report = ingest_files(con, scan_landing(raw))
        stored = dict(con.execute("select file_name, status from raw.dumps").fetchall())
    assert stored == dict.fromkeys(HOSTILE_NAMES, "loaded")
    assert {o.file_name for o in report.outcomes} == set(HOSTILE_NAMES)
    assert _files(raw) == before


def test_a_file_over_the_cap_is_refused_with_its_size_and_never_read(tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "small.txt", compose_dump([paper("SMALL")]), MTIME)
    big = compose_dump([paper(f"BIG{i}") for i in range(40)])
    write_dump(raw, "big.txt", big, MTIME)
    cap = Settings.resolve({}, {MAX_DUMP_MB_ENV: "0.01"}).max_dump_bytes  # 10,000 bytes

    def read(file):
        assert file.file_name != "big.txt", "the file over the cap was read into memory"
        return read_dump(file)

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ingest_files(con, scan_landing(raw), read=read, max_bytes=cap)
        status = dict(con.execute("select file_name, status from raw.dumps").fetchall())
        reason = con.execute(
            "select reason from raw.rejects where file_name = 'big.txt'"
        ).fetchall()
        again = ingest_files(con, scan_landing(raw), read=read, max_bytes=cap)
    assert status == {"small.txt": "loaded", "big.txt": "rejected"}
    size = len(big.encode())
    assert reason == [
        (f"file is {size:,} bytes, over the cap of 10,000 bytes ({MAX_DUMP_MB_ENV}): not read",)
    ]
    assert sorted(again.unchanged) == ["big.txt", "small.txt"]  # not hashed again either


def test_folders_are_skipped_and_symbolic_links_to_files_are_read(tmp_path):
    raw, elsewhere = tmp_path / "raw", tmp_path / "elsewhere"
    write_dump(raw, "plain.txt", compose_dump([paper("PLAIN")]), MTIME)
    write_dump(elsewhere, "target.txt", compose_dump([paper("LINKED")]), MTIME)
    (raw / "a folder.txt").mkdir()
    write_dump(raw / "a folder.txt", "inside.txt", compose_dump([paper("INSIDE")]), MTIME)
    (raw / "link.txt").symlink_to(elsewhere / "target.txt")
    (raw / "dangling.txt").symlink_to(elsewhere / "gone.txt")
    assert sorted(f.file_name for f in scan_landing(raw)) == ["link.txt", "plain.txt"]
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ingest_files(con, scan_landing(raw))
        titles = {t for (t,) in con.execute("select title from raw.sightings").fetchall()}
    assert {t.split(":")[0] for t in titles} == {"PLAIN", "LINKED"}
    assert (raw / "link.txt").is_symlink()  # the link is read through, never replaced


def test_a_file_that_cannot_be_read_is_one_line_and_the_rest_loads(tmp_path):
    """No read permission, or deleted between the scan and the read: the file is reported with
    the OS's reason and tried again next run; the others load. (The error is raised by the
    reader here: this suite runs as root, which reads files without read permission.)"""
    raw = tmp_path / "raw"
    write_dump(raw, "good.txt", compose_dump([paper("GOOD")]), MTIME)
    locked = write_dump(raw, "locked.txt", compose_dump([paper("LOCKED")]), MTIME)

    def read(file):
        if file.file_name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(locked))
        return read_dump(file)

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        report = ingest_files(con, scan_landing(raw), read=read)
        status = dict(con.execute("select file_name, status from raw.dumps").fetchall())
        again = ingest_files(con, scan_landing(raw))
    assert status == {"good.txt": "loaded"}
    (outcome,) = [o for o in report.outcomes if o.file_name == "locked.txt"]
    assert outcome.status == "unreadable" and outcome.reason == "cannot read: Permission denied"
    assert [o.file_name for o in again.outcomes] == ["locked.txt"]  # tried again, loaded now


@pytest.mark.slow
def test_the_cli_names_each_hostile_file_on_one_line(tmp_path, cli_env):
    raw = Path(cli_env["PAPERTRENDS_RAW_DIR"])
    for i, name in enumerate(HOSTILE_NAMES):
        write_dump(raw, name, compose_dump([paper(f"NAME{i}")]), MTIME + i)
    write_dump(raw, "big dump.txt", compose_dump([paper(f"BIG{i}") for i in range(40)]), MTIME)
    before = _files(raw)
    result = subprocess.run(
        [str(BIN / "papertrends"), "ingest"],
        env={**cli_env, MAX_DUMP_MB_ENV: "0.01"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 3, result.stderr
    lines = result.stderr.splitlines()
    # the one rejected file, by name, with its size; the newline in a name is escaped
    assert [line for line in lines if line.startswith("papertrends: rejected ")] == [
        f"papertrends: rejected big dump.txt: file is {len(before['big dump.txt']):,} bytes, over the cap "
        f"of 10,000 bytes ({MAX_DUMP_MB_ENV}): not read"
    ]
    assert f"files seen {len(HOSTILE_NAMES) + 1}: loaded {len(HOSTILE_NAMES)}" in result.stdout
    assert _files(raw) == before


def test_the_summary_names_a_seen_file_that_was_never_read(tmp_path):
    from pipelines.console import reject_lines
    from pipelines.warehouse.summary import summarise

    raw = tmp_path / "raw"
    write_dump(raw, "good.txt", compose_dump([paper("GOOD")]), MTIME)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ingest_files(con, scan_landing(raw))
        summary = summarise(con, ["good.txt", "locked\n.txt"])
    assert not summary.clean and summary.unread_files == ("locked\n.txt",)
    assert reject_lines(summary) == [
        "not read locked\\n.txt: it could not be read (no read permission, or gone while read); "
        "tried again next run"
    ]


def test_a_rewritten_file_whose_new_bytes_were_not_read_is_named_too(tmp_path):
    from pipelines.warehouse.summary import summarise

    raw = tmp_path / "raw"
    write_dump(raw, "good.txt", compose_dump([paper("GOOD")]), MTIME)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ingest_files(con, scan_landing(raw))
        (file,) = scan_landing(raw)
        same = summarise(con, ["good.txt"], {"good.txt": (file.n_bytes, file.mtime_ns)})
        grown = summarise(con, ["good.txt"], {"good.txt": (file.n_bytes + 9, file.mtime_ns + 1)})
    assert same.clean and same.unread_files == ()
    assert grown.unread_files == ("good.txt",) and not grown.clean
