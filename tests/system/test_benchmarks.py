"""The benchmark command at its tiny size: it runs end to end and writes every section.

Nothing here is timed: the figures of a tiny run mean nothing, only their presence is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks import baseline
from benchmarks.run import main
from pipelines.synth.generator import write_dumps

SECTIONS = [
    "# Benchmarks",
    "## Targets",
    "## a. Parse throughput",
    "## b. Ingest: `papertrends ingest` against a user's script",
    "## c. `papertrends run` end to end on 3 dumps",
    "## d. Incremental `papertrends run`: 1 dump added, 3 dumps side by side",
    "## e. Time per dump",
    "## f. Export: `papertrends export` of the 3-dump warehouse",
    "## Where the time goes",
    "## Machine",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("bench")
    out = root / "BENCHMARKS.md"
    # a report of an earlier run, with a hand-written section the new run must keep
    out.write_text(
        "# Benchmarks\n\nan earlier run's figures\n\n## Why (hand-written, earlier)\n\nkeep me\n",
        encoding="utf-8",
    )
    assert main(["--size", "tiny", "--out", str(out), "--work", str(root / "work")]) == 0
    return out.read_text(encoding="utf-8")


def test_report_has_every_section_in_order(report: str) -> None:
    positions = [report.find(section + "\n") for section in SECTIONS]
    assert -1 not in positions, [s for s, p in zip(SECTIONS, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    assert "Tiny size" in report


def test_report_keeps_the_hand_written_sections_and_drops_the_old_figures(report: str) -> None:
    assert "an earlier run's figures" not in report
    assert report.rstrip().endswith("## Why (hand-written, earlier)\n\nkeep me")
    assert report.index("## Machine") < report.index("## Why (hand-written")


def test_report_states_every_target_with_a_verdict(report: str) -> None:
    targets = report.split("## Targets")[1].split("## a.")[0]
    rows = [line for line in targets.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + 7  # header and the seven targets
    for row in rows[1:]:
        assert re.search(r"\*\*(met|missed)\*\*", row), row


def test_report_holds_the_figures(report: str) -> None:
    parse = report.split("## a.")[1].split("## b.")[0]
    for reader in ("reading the bytes alone", "papertrends parser", "pure-Python parser"):
        assert re.search(rf"\| {reader} \| \d+\.\d{{3}} \| [\d,]+ \|", parse), reader
    assert re.search(r"papertrends parser / pure-Python: \*\*\d+\.\d+x\*\*", parse)
    ingest = report.split("## b.")[1].split("## c.")[0]
    assert re.search(r"\| 3 \| \d+\.\d \| \d+\.\d \| \d+\.\d\dx \| [\d,]+ \| [\d,]+ \|", ingest)
    for section in ("## c.", "## d."):
        split = report.split(section)[1].split("\n## ")[0]
        for stage in (
            "start-up",
            "ingest: parse + load",
            "ingest: raw step",
            "dbt build",
            "Dagster",
        ):
            assert re.search(rf"\| {re.escape(stage)} \| -?\d+\.\d \|", split), (section, stage)
        assert re.search(r"\| \*\*total \(wall\)\*\* \| \*\*\d+\.\d\*\* \|", split)
        if section == "## d.":  # the first +1, right after the fresh build, beside the second
            assert re.search(r"\| first \+1 after the fresh build \(wall\) \| \d+\.\d \|", split)
        assert re.search(r"Peak RSS: [\d,]+ MB", split)
    per_dump = report.split("## e.")[1].split("## Where")[0]
    assert re.search(r"\| 3 \| \d+ \| \d+\.\d \| [\d,]+\.\d \|", per_dump)
    export = report.split("## f. Export")[1].split("## Where")[0]
    for fmt in ("parquet", "csv", "jsonl"):  # the raw layer's three tables in every format
        assert re.search(rf"\| {fmt} \| 3 \| [1-9][\d,]* \| \d+\.\d \| \d+\.\d \|", export), fmt
    profile = report.split("## Where the time goes")[1].split("## Machine")[0]
    assert "store_event" in profile and "ingest_files" in profile


def test_report_describes_the_machine_and_its_load(report: str) -> None:
    machine = report.split("## Machine")[1]
    for key in ("CPU", "cores", "RAM", "OS", "Python", "packages", "load average"):
        assert f"* **{key}" in machine, key
    assert "polars " in machine and "duckdb " in machine
    assert re.search(r"at start \d+\.\d\d, \d+\.\d\d, \d+\.\d\d, at end", report)


def test_baseline_parser_agrees_with_the_papertrends_parser(tmp_path: Path) -> None:
    from pipelines.dumps.parse import parse_dumps
    from tests.unit.test_synth import read_dumps

    paths = write_dumps(tmp_path, 5, seed=3, variant_share=1.0)
    ours = parse_dumps(read_dumps(paths)).sightings.sort("file_name", "position")
    theirs = [row for path in sorted(paths) for row in baseline.parse_file(path)[1]]
    assert [tuple(r) for r in ours.rows()] == theirs
