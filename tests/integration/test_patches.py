"""The workarounds of ``pipelines/patches/``: each patched behaviour works, and a canary per patch
runs the unpatched upstream code and asserts the bug is still there.

A canary that fails means upstream changed: read the patch module's docstring (what to do once
it is fixed), then remove the patch and its tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
# dbt-duckdb's database kept open after an in-process command (pipelines/patches/dbt_duckdb_close.py)

DBT_IN_PROCESS = """
import json, subprocess, sys
from dbt.cli.main import dbtRunner
project, warehouse, patched = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
result = dbtRunner().invoke(
    ["run", "--quiet", "--project-dir", project, "--profiles-dir", project,
     "--target-path", project + "/target", "--log-path", project + "/target"]
)
if patched:
    from pipelines.patches.dbt_duckdb_close import close_dbt_duckdb
    close_dbt_duckdb()
probe = subprocess.run(
    [sys.executable, "-c", f"import duckdb; duckdb.connect({warehouse!r}).close()"],
    capture_output=True, text=True,
)
print(json.dumps({"success": result.success, "free": probe.returncode == 0,
                  "error": probe.stderr.strip().splitlines()[-1:]}))
"""


def dbt_in_process_probe(tmp_path: Path, patched: bool) -> dict:
    """Run a one-model dbt project in-process on a DuckDB file (in a fresh Python, so dbt's
    process-wide state stays out of this one) and report whether another process can open the
    file for writing right after."""
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    warehouse = tmp_path / "probe.duckdb"
    (project / "dbt_project.yml").write_text(
        "name: probe\nversion: '1.0.0'\nprofile: probe\nmodel-paths: [models]\n"
    )
    (project / "profiles.yml").write_text(
        f"probe:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {warehouse}\n      threads: 1\n"
    )
    (project / "models" / "one.sql").write_text("select 1 as n\n")
    done = subprocess.run(
        [sys.executable, "-c", DBT_IN_PROCESS, str(project), str(warehouse), str(int(patched))],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_dbt_duckdb_still_keeps_the_file_open_after_an_in_process_command(tmp_path):
    """Canary: after ``dbtRunner().invoke`` returns, dbt-duckdb still holds the DuckDB file
    (its class-level environment), so no other process can open it for writing."""
    probe = dbt_in_process_probe(tmp_path, patched=False)
    assert probe["success"]
    assert not probe["free"], "dbt-duckdb closes its database now: see dbt_duckdb_close.py"
    assert "lock" in " ".join(probe["error"]).lower()


def test_closing_dbt_duckdb_frees_the_file_after_an_in_process_command(tmp_path):
    probe = dbt_in_process_probe(tmp_path, patched=True)
    assert probe == {"success": True, "free": True, "error": []}
