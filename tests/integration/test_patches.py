"""The workarounds of ``pipelines/patches/``: each patched behaviour works, and a canary per patch
runs the unpatched upstream code and asserts the bug is still there.

A canary that fails means upstream changed: read the patch module's docstring (what to do once
it is fixed), then remove the patch and its tests.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from dagster_dbt import DbtCliResource

from pipelines.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR
from tests.dumpkit import PROJECT

# ---------------------------------------------------------------------------------------------
# Great Expectations on DuckDB (pipelines/patches/gx_duckdb.py)


def gx_probe(database: str, patched: bool) -> dict:
    """Read a 3-row DuckDB table through GX's SQL engine, directly and by an expectation."""
    import duckdb
    import great_expectations as gx
    import sqlalchemy as sa
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine

    with duckdb.connect(database) as con:
        con.execute("create or replace table t as select range as n from range(3)")
    if patched:
        from pipelines.patches.gx_duckdb import patch_gx_for_duckdb

        patch_gx_for_duckdb()
    url = f"duckdb:///{database}"
    engine = SqlAlchemyExecutionEngine(connection_string=url)
    rows = engine.execute_query(sa.text("select count(*) from t")).fetchall()
    engine.engine.dispose()
    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)
    asset = context.data_sources.add_sql(name="w", connection_string=url).add_table_asset(
        name="t", table_name="t"
    )
    batch = asset.add_batch_definition_whole_table("whole table").get_batch()
    result = batch.validate(gx.expectations.ExpectTableRowCountToEqual(value=3))
    context.data_sources.get("w").get_engine().dispose()
    return {
        "rows": [list(row) for row in rows],
        "success": result.success,
        "observed": result.result.get("observed_value"),
        "exception": json.dumps(result.exception_info, default=str),
    }


def test_gx_on_duckdb_still_loses_its_rows_unpatched(tmp_path):
    """Canary for GX issues 10738 / 11579: in a process that never loads the patch, GX's
    ``execute_query`` hands back a result whose rows are gone, and an expectation fails on
    ``IndexError: list index out of range``."""
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys\n"
            "from tests.integration.test_patches import gx_probe\n"
            "print(json.dumps(gx_probe(sys.argv[1], patched=False)))\n",
            str(tmp_path / "w.duckdb"),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    assert found["rows"] == [], "GX kept DuckDB's rows: remove pipelines/patches/gx_duckdb.py"
    assert found["success"] is False and found["observed"] is None
    assert "list index out of range" in found["exception"], found["exception"][:500]


def test_gx_on_duckdb_patched_fetches_its_rows(tmp_path):
    found = gx_probe(str(tmp_path / "w.duckdb"), patched=True)
    assert found["rows"] == [[3]]
    assert found["success"] is True and found["observed"] == 3


# ---------------------------------------------------------------------------------------------
# dagster-dbt's start-up probes (pipelines/patches/dbt_cli_startup.py)


@pytest.fixture
def fake_dbt(tmp_path) -> tuple[Path, Path]:
    """An executable standing in for dbt: records each call's arguments (and $PROBE_VAR) in a
    log, answers ``--version`` as dbt-core does, and does nothing else."""
    calls = tmp_path / "calls.log"
    script = tmp_path / "dbt"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "${{PROBE_VAR:-}} $*" >> "{calls}"\n'
        'if [ "$1" = --version ]; then printf "Core:\\n  - installed: 1.11.2\\n"; fi\n'
        "exit 0\n"
    )
    script.chmod(0o755)
    return script, calls


def _calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_dagster_dbt_still_asks_the_executable_for_its_version(fake_dbt):
    """Canary: upstream learns dbt's version by running ``<dbt_executable> --version`` (a dbt
    start per run), without the global flags, so the ``env NAME=VALUE dbt`` launcher
    papertrends uses is asked ``env --version`` and fails."""
    script, calls = fake_dbt
    plain = DbtCliResource(project_dir=str(DBT_PROJECT_DIR), dbt_executable=str(script))
    assert str(plain._cli_version) == "1.11.2"
    assert _calls(calls) == [" --version"], "no version subprocess: see dbt_cli_startup.py"
    launcher = DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        dbt_executable=shutil.which("env") or "/usr/bin/env",
        global_config_flags=["PROBE_VAR=1", str(DBT_EXECUTABLE)],
    )
    with pytest.raises(ValueError, match="Could not parse dbt version from output: env"):
        _ = launcher._cli_version


def test_dagster_dbt_still_builds_a_dbt_adapter_for_every_command(fake_dbt, tmp_path):
    """Canary: every ``cli()`` call imports dbt-core and builds a dbt adapter in this process,
    whether or not metadata is fetched through it."""
    script, _ = fake_dbt
    dbt = DbtCliResource(project_dir=str(DBT_PROJECT_DIR), dbt_executable=str(script))
    for n in range(2):
        invocation = dbt.cli(["parse"], target_path=tmp_path / f"target{n}")
        invocation.wait()
        assert invocation.adapter is not None, "no adapter built: see dbt_cli_startup.py"
        assert type(invocation.adapter).__name__ == "DuckDBAdapter"


def test_quick_start_resource_runs_dbt_alone_through_the_launcher(fake_dbt, tmp_path):
    from pipelines.patches.dbt_cli_startup import QuickStartDbtCliResource

    script, calls = fake_dbt
    dbt = QuickStartDbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        dbt_executable=shutil.which("env") or "/usr/bin/env",
        global_config_flags=["PROBE_VAR=set-by-env", str(script)],
    )
    assert dbt._cli_version.public == metadata.version("dbt-core")
    invocation = dbt.cli(["parse"], target_path=tmp_path / "target")
    invocation.wait()
    assert invocation.adapter is None
    # one process, dbt's own command, with the launcher's variable: no `--version` probe
    assert _calls(calls) == ["set-by-env parse"]
