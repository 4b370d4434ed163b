"""Empty is valid: a landing folder with no dumps, or only dumps that are rejected, is a warehouse
with nothing in it yet, not a failure. The command exits 0 (nothing to load) or 3 (rejects, each
named with its reason), the marts exist and are empty or zero (no NULL shares), every check
passes, and the report says there is nothing yet."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.conftest import BIN, isolated_env
from tests.dumpkit import CHROME, write_dump

MTIME = 1_788_264_000.0  # 2026-09-01 12:00 UTC

# Each kind of file that is rejected whole (FORMAT.md, "in the wild"), and the reason it gets.
REJECTED = {
    "empty.txt": (b"", "empty file"),
    "binary.bin": (bytes(range(128, 256)) * 8, "not UTF-8: invalid byte 0x80 at byte offset 0"),
    "latin1.txt": (
        "\n\n".join([*CHROME, "Aug 25", "Caf\xe9 Models: A Title", "We study caf\xe9s."]).encode(
            "latin-1"
        ),
        "not UTF-8: invalid byte 0xe9",
    ),
    "saved page.html": (
        b"<!DOCTYPE html>\n<html><head><title>Daily Papers</title></head>"
        b"<body><p>Aug 25</p></body></html>\n",
        "HTML page, not a text dump",
    ),
    "header_only.txt": (
        ("\n\n".join([*CHROME, "Aug 25"]) + "\n").encode(),
        "no papers: no title followed by its abstract",
    ),
}


def _run(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "papertrends"), "run"],
        env=isolated_env(root),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _page_text(root: Path) -> str:
    page = (root / "reports" / "index.html").read_text()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _assert_empty_marts(warehouse: Path) -> None:
    """Every mart is there; those about papers are empty, the per-topic one is all zeros."""
    marts = {
        name
        for (name,) in _query(
            warehouse, "select table_name from information_schema.tables where table_schema='marts'"
        )
    }
    assert {"papers", "paper_sightings", "topics", "rising_topics", "topic_trends"} <= marts
    for mart in ("papers", "paper_sightings", "rising_topics", "topic_trends", "emerging_terms"):
        assert _query(warehouse, f"select count(*) from marts.{mart}") == [(0,)], mart
    n_topics, n_shares, total, papers = _query(
        warehouse,
        "select count(*), count(share_of_papers), sum(share_of_papers), sum(n_papers) "
        "from marts.topics",
    )[0]
    assert n_topics > 30 and n_shares == n_topics  # one row per topic, no NULL share
    assert total == 0 and papers == 0


@pytest.fixture(scope="module")
def empty_folder_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("empty_folder")
    (root / "raw").mkdir()
    return root, _run(root)


@pytest.fixture(scope="module")
def only_rejected_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, dict]:
    root = tmp_path_factory.mktemp("only_rejected")
    for name, (content, _) in REJECTED.items():
        write_dump(root / "raw", name, content, MTIME)
    before = {p.name: p.read_bytes() for p in (root / "raw").iterdir()}
    return root, _run(root), before


def test_empty_landing_folder_on_a_new_machine_exits_0_with_empty_marts(empty_folder_run):
    root, result = empty_folder_run
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stderr == ""
    assert "files seen 0: loaded 0, duplicate 0, rejected 0 | papers 0" in result.stdout
    assert "quality passed" in result.stdout and "FAILED" not in result.stdout
    _assert_empty_marts(root / "warehouse.duckdb")


def test_empty_landing_folder_report_says_nothing_yet(empty_folder_run):
    root, _ = empty_folder_run
    text = _page_text(root)
    assert "Nothing yet: the warehouse holds no papers" in text
    assert "(nothing yet)" in text  # the page title


def test_empty_landing_folder_run_again_stays_0(empty_folder_run):
    root, _ = empty_folder_run
    again = _run(root)  # warehouse exists now, nothing pending: a build without a window
    assert again.returncode == 0, (again.stdout, again.stderr)
    assert "quality passed" in again.stdout
    _assert_empty_marts(root / "warehouse.duckdb")


def test_only_rejected_files_exit_3_naming_each_file_and_reason(only_rejected_run):
    root, result, _ = only_rejected_run
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert f"files seen {len(REJECTED)}: loaded 0, duplicate 0, rejected {len(REJECTED)}" in (
        result.stdout
    )
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert lines[-1] == "some files or records were rejected: see raw.rejects"
    for name, (_, reason) in REJECTED.items():
        assert any(line.startswith(f"papertrends: rejected {name}: {reason}") for line in lines), (
            name,
            lines,
        )
    assert len(lines) == len(REJECTED) + 1


def test_only_rejected_files_pass_every_check_and_leave_empty_marts(only_rejected_run):
    root, result, _ = only_rejected_run
    assert "quality passed: 18/18 suites passed" in result.stdout, result.stdout
    assert "dbt tests passed" in result.stdout
    warehouse = root / "warehouse.duckdb"
    _assert_empty_marts(warehouse)
    rejected = dict(_query(warehouse, "select file_name, reason from raw.rejects"))
    assert set(rejected) == set(REJECTED)
    for name, (_, reason) in REJECTED.items():
        assert rejected[name].startswith(reason)


def test_only_rejected_files_report_says_nothing_yet_and_files_stay(only_rejected_run):
    root, _, before = only_rejected_run
    assert "Nothing yet: the warehouse holds no papers" in _page_text(root)
    assert {p.name: p.read_bytes() for p in (root / "raw").iterdir()} == before
