"""The dbt project (dagster-dbt's ``DbtProject``) and its prepared manifest.

The code location reads the parsed project (``manifest.json``) when it is imported, and does
nothing else with it: preparing it (``dbt parse``) is an explicit step, never a side effect of
an import. ``make install`` prepares it (``python -m pipelines.defs.dbt_project``), and every
``papertrends`` command that runs the pipeline first prepares it again when a file of the dbt
project changed since (``pipelines.dbt_manifest.ensure_prepared``), before any Dagster code is
loaded, so a ``papertrends ui`` starts on a fresh one too.

dagster-dbt's ``DbtProject.prepare_if_dev()`` is not used: under ``dagster dev`` it would run
``dbt parse`` on every load of the code location, in each run's process too (seconds per run).
``dagster-dbt project prepare-and-package --file pipelines/defs/dbt_project.py`` prepares the same
folder, with a ``dbt`` on ``PATH``.

The manifest lives under the project's data folder (``data/dbt-manifest/``, with dbt's partial
parse and log), never in ``dbt/``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from pipelines.dbt_manifest import is_stale
from pipelines.patches.dbt_cli_startup import QuickStartDbtCliResource
from pipelines.settings import (
    DBT_EXECUTABLE,
    DBT_LOG_MAX_BYTES_ENV,
    DBT_MEMORY_LIMIT_ENV,
    DBT_PROJECT_DIR,
    PREPARED_DBT_DIR,
    WAREHOUSE_ENV,
    Settings,
)
from pipelines.warehouse.lock import writer_lock

# The switch of dbt/macros/log_relation_facts.sql: set only in the environment of the dbt that
# Dagster runs (a hand-run `dbt build` logs no facts).
UI_FACTS_ENV = "PAPERTRENDS_DBT_UI_FACTS"
# Two commands started at once on a changed project prepare it one after the other.
PREPARE_WAIT_SECONDS = 300.0

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=PREPARED_DBT_DIR
)


def prepare(project: DbtProject = dbt_project, only_if_stale: bool = False) -> bool:
    """Parse the dbt project into its prepared folder (``dbt parse``, with the dbt installed
    beside this Python), one process at a time. With ``only_if_stale``, only when a file of the
    project is newer than the manifest (or it is missing; another process that prepared it
    meanwhile makes this a no-op). True when it parsed."""

    def stale() -> bool:
        return is_stale(project.manifest_path, project.project_dir)

    if only_if_stale and not stale():
        return False
    target = Path(project.target_path)
    target.mkdir(parents=True, exist_ok=True)
    with writer_lock(target / "manifest", PREPARE_WAIT_SECONDS):
        if only_if_stale and not stale():
            return False
        dbt = QuickStartDbtCliResource(project_dir=project, dbt_executable=str(DBT_EXECUTABLE))
        dbt.cli(["parse", "--quiet"], target_path=target).wait()
    return True


def dbt_environment(settings: Settings) -> dict[str, str]:
    """What dbt reads from its environment for a build of the settings' warehouse: the file its
    profile attaches and DuckDB's memory cap (``dbt/profiles.yml``), the switch of the post-hook
    that logs each built relation's column types, row count and first rows (for dagster-dbt to
    attach as metadata: ``dbt/macros/log_relation_facts.sql``, lines starting with
    ``FACTS_PREFIX``), and the size at which dbt.log rolls over."""
    return {
        WAREHOUSE_ENV: str(settings.warehouse),
        DBT_MEMORY_LIMIT_ENV: settings.dbt_memory_limit,
        UI_FACTS_ENV: "1",
        DBT_LOG_MAX_BYTES_ENV: str(settings.dbt_log_max_bytes),
    }


def dbt_cli_resource(settings: Settings) -> QuickStartDbtCliResource:
    """dbt for builds of the settings' warehouse. dagster-dbt starts dbt with a copy of this
    process's environment and takes no other: the values of ``dbt_environment`` reach dbt's
    process (and only it) through ``env(1)``, which sets them and runs the venv's dbt, so this
    process's environment (and PATH) stays as it is."""
    assignments = [f"{name}={value}" for name, value in dbt_environment(settings).items()]
    return QuickStartDbtCliResource(
        project_dir=dbt_project,
        dbt_executable=shutil.which("env") or "/usr/bin/env",
        global_config_flags=[*assignments, str(DBT_EXECUTABLE)],
    )


if __name__ == "__main__":  # `make install`: python -m pipelines.defs.dbt_project
    prepare()
    print(f"dbt manifest prepared: {dbt_project.manifest_path}", file=sys.stderr)
