"""dbt in the run's own process (``pipelines/dbt_runner.py``): the prepared manifest is reused
only while it is as new as the project, events come out as dagster-dbt's, and a failed command
says why. Builds of the real project are covered by every test that runs the pipeline."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest
from dagster_dbt import DbtProject

from pipelines.dbt_runner import (
    DbtBuildFailed,
    InProcessDbtResource,
    load_prepared_manifest,
    parse_project,
)
from pipelines.settings import DBT_PROJECT_DIR


def tiny_project(root: Path, model_sql: str) -> Path:
    """A one-model dbt project on a DuckDB file of its own, its path a dbt var as ours is."""
    project = root / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: tiny\nversion: '1.0.0'\nprofile: tiny\nmodel-paths: [models]\n"
    )
    (project / "profiles.yml").write_text(
        "tiny:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        "      path: \"{{ var('tiny_warehouse') }}\"\n      threads: 1\n"
    )
    (project / "models" / "one.sql").write_text(model_sql)
    return project


def resource(project: Path, warehouse: Path) -> InProcessDbtResource:
    return InProcessDbtResource(
        project_dir=str(project),
        profiles_dir=str(project),
        prepared_dir=str(project.parent / "prepared"),
        dbt_vars={"tiny_warehouse": str(warehouse)},
        log_max_bytes=1_000_000,
    )


def test_the_prepared_manifest_is_used_until_a_project_file_is_newer(tmp_path):
    project_dir = tmp_path / "dbt"
    shutil.copytree(
        DBT_PROJECT_DIR, project_dir, ignore=shutil.ignore_patterns("target", "logs", ".user.yml")
    )
    prepared = tmp_path / "prepared"
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir, target_path=prepared)
    parse_project(project, prepared)
    manifest = load_prepared_manifest(project)
    assert manifest is not None
    assert "model.papertrends.papers" in manifest.nodes
    later = time.time() + 60
    os.utime(project_dir / "models" / "marts" / "papers.sql", (later, later))
    assert load_prepared_manifest(project) is None, "a stale manifest must not be reused"


def test_a_build_streams_its_results_and_frees_the_file(tmp_path):
    project = tiny_project(tmp_path, "select 1 as n\n")
    warehouse = tmp_path / "tiny.duckdb"
    invocation = resource(project, warehouse).cli(
        ["build"], context=None, target_path=tmp_path / "target"
    )
    events = list(invocation.stream_raw_events())
    assert invocation.get_error() is None
    results = [e.raw_event for e in events if e.raw_event["info"]["name"] == "LogModelResult"]
    assert [r["data"]["node_info"]["unique_id"] for r in results] == ["model.tiny.one"]
    assert results[0]["data"]["node_info"]["node_status"] == "success"
    assert (tmp_path / "target" / "dbt.log").is_file()
    # dbt's database is closed: another writer may open the file at once
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute("select n from main.one").fetchall() == [(1,)]


def test_a_failed_build_says_why(tmp_path):
    project = tiny_project(tmp_path, "select no_such_column from (select 1 as n)\n")
    invocation = resource(project, tmp_path / "tiny.duckdb").cli(
        ["build"], context=None, target_path=tmp_path / "target"
    )
    list(invocation.stream_raw_events())
    error = invocation.get_error()
    assert isinstance(error, DbtBuildFailed)
    assert "no_such_column" in str(error)
    assert str(tmp_path / "target" / "dbt.log") in str(error)


def test_a_project_dbt_cannot_parse_is_one_error(tmp_path):
    project_dir = tiny_project(tmp_path, "select {{ broken( }}\n")
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir, target_path=tmp_path)
    with pytest.raises(DbtBuildFailed, match="dbt parse of .* failed"):
        parse_project(project, tmp_path / "prepared")
