"""dbt's unit tests (``unit_tests:`` in dbt/models/*/_*__models.yml): the rules of the models on
small hand-made rows. The pipeline's builds leave them out (``--exclude test_type:unit``,
pipelines/defs/dbt.py: they cost seconds on every run and prove nothing about the data), so this
test is what runs them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.warehouse.schema import ensure_raw_schema
from tests.conftest import dbt_by_hand, isolated_env

BIN = Path(sys.executable).parent

# The unit tests written so far: the rules of the topic scores and thresholds, the rising rank,
# the plural folding of terms, the latest-listing tie-break, the topic sets, and the three before
# them (periods, search terms, trending papers). A unit test removed by mistake lowers the count.
MIN_UNIT_TESTS = 11


@pytest.mark.slow
def test_every_dbt_unit_test_passes(tmp_path: Path):
    """dbt builds the relations the unit tests stand in for, empty (``--empty``: a unit test
    reads the column types of the relations whose rows it gives; ``+test_type:unit``: the
    tested models and what they are built from, 21 of 49), then runs every unit test on its
    rows, in one invocation (dbt's start and parse cost most of the time)."""
    env = isolated_env(tmp_path)
    with duckdb.connect(env["PAPERTRENDS_WAREHOUSE"]) as con:
        ensure_raw_schema(con)
    target = tmp_path / "dbt-target"
    dbt_by_hand(
        env,
        target,
        *("build", "--empty", "--select", "+test_type:unit", "--exclude", "test_type:data"),
        timeout=300,
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    unit = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert {uid: status for uid, status in unit.items() if status != "pass"} == {}
    assert len(unit) >= MIN_UNIT_TESTS, sorted(unit)
