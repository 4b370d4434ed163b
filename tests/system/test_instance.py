"""Dagster's stock event log, and DAGSTER_HOMEs of the release that used its own."""

from __future__ import annotations

import subprocess
from pathlib import Path

import dagster as dg
import pytest
import yaml

from pipelines.errors import SettingInvalid
from pipelines.settings import INSTANCE_TEMPLATE, Settings, prepare_dagster_home
from tests.conftest import BIN
from tests.dumpkit import FIXTURES, compose_dump, paper, write_dump

# The dagster.yaml the previous release copied into every new DAGSTER_HOME (it selects the
# removed pipelines.event_log.BatchedSqliteEventLogStorage).
OLD_TEMPLATE = FIXTURES / "old_instance" / "dagster.yaml"
MTIME = 1_788_264_000.0  # 2026-09-01 12:00 UTC


def test_the_instance_template_uses_dagsters_own_event_log():
    config = yaml.safe_load(INSTANCE_TEMPLATE.read_text())
    assert "event_log_storage" not in config
    assert "pipelines.event_log" not in INSTANCE_TEMPLATE.read_text()
    assert "pipelines.event_log" in OLD_TEMPLATE.read_text()  # the fixture is the old one


def test_an_old_papertrends_config_is_replaced_a_users_own_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    settings = Settings.resolve()
    home = settings.dagster_home
    home.mkdir()
    (home / "dagster.yaml").write_text(OLD_TEMPLATE.read_text())
    prepare_dagster_home(settings)
    assert (home / "dagster.yaml").read_text() == INSTANCE_TEMPLATE.read_text()

    own = "# mine\nevent_log_storage:\n  module: pipelines.event_log\n  class: X\n"
    (home / "dagster.yaml").write_text(own)
    with pytest.raises(SettingInvalid) as caught:
        prepare_dagster_home(settings)
    message = str(caught.value)
    assert "\n" not in message and "dagster.yaml" in message
    assert "delete that section" in message
    assert (home / "dagster.yaml").read_text() == own  # untouched

    # the template before tick retention, copied unchanged: replaced too
    earlier = subprocess.run(
        ["git", "show", "6c71119:dagster.yaml"], capture_output=True, text=True, check=False
    ).stdout
    if earlier:  # (a checkout with its history)
        (home / "dagster.yaml").write_text(earlier)
        prepare_dagster_home(settings)
        assert (home / "dagster.yaml").read_text() == INSTANCE_TEMPLATE.read_text()

    mine = "# mine\ntelemetry:\n  enabled: false\n"
    (home / "dagster.yaml").write_text(mine)
    prepare_dagster_home(settings)
    assert (home / "dagster.yaml").read_text() == mine


def _old_home(home: Path) -> None:
    """A DAGSTER_HOME as the previous release left it: its dagster.yaml, dump_files dynamic
    partitions and partitioned raw materializations in the (same-format) SQLite history."""
    home.mkdir(parents=True)
    with dg.DagsterInstance.from_config(str(home)) as instance:  # stock storage, same tables
        instance.add_dynamic_partitions("dump_files", ["a.txt", "b.txt"])
        for key in ("a.txt", "b.txt"):
            instance.report_runless_asset_event(
                dg.AssetMaterialization(dg.AssetKey(["raw", "dumps"]), partition=key)
            )
    (home / "dagster.yaml").write_text(OLD_TEMPLATE.read_text())


@pytest.mark.slow
def test_an_old_dagster_home_opens_and_runs(tmp_path, cli_env):
    home = Path(cli_env["DAGSTER_HOME"])
    _old_home(home)
    raw = Path(cli_env["PAPERTRENDS_RAW_DIR"])
    write_dump(raw, "a.txt", compose_dump([paper("OldHomeA"), paper("OldHomeB")]), MTIME)
    result = subprocess.run(
        [str(BIN / "papertrends"), "run"], env=cli_env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert "loaded 1" in result.stdout
    assert (home / "dagster.yaml").read_text() == INSTANCE_TEMPLATE.read_text()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.event_log_storage).__name__ == "SqliteEventLogStorage"
        # the old history is still there, next to the new month partition
        assert instance.get_dynamic_partitions("dump_files") == ["a.txt", "b.txt"]
        partitions = instance.get_materialized_partitions(dg.AssetKey(["raw", "dumps"]))
        assert {"a.txt", "b.txt", "2026-08"} <= partitions
        (run,) = instance.get_run_records()
        assert run.dagster_run.job_name == "ingest_and_build"
        assert run.dagster_run.status == dg.DagsterRunStatus.SUCCESS
