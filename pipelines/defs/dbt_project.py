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

import sys
from pathlib import Path

from dagster_dbt import DbtProject

from pipelines.dbt_manifest import is_stale
from pipelines.dbt_runner import InProcessDbtResource, parse_project
from pipelines.settings import (
    DBT_PROJECT_DIR,
    PREPARED_DBT_DIR,
    Settings,
)
from pipelines.warehouse.lock import writer_lock

# dbt vars of Dagster's builds (dbt/profiles.yml, dbt/macros/log_relation_facts.sql): the
# warehouse, DuckDB's memory cap, and the facts switch (a hand-run `dbt build` logs no facts).
WAREHOUSE_VAR = "papertrends_warehouse"
DBT_MEMORY_LIMIT_VAR = "papertrends_dbt_memory_limit"
UI_FACTS_VAR = "papertrends_ui_facts"
# Two commands started at once on a changed project prepare it one after the other.
PREPARE_WAIT_SECONDS = 300.0

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=PREPARED_DBT_DIR
)


def prepare(project: DbtProject = dbt_project, only_if_stale: bool = False) -> bool:
    """Parse the dbt project into its prepared folder (``dbt parse``, in this process: a dbt
    process would first pay its own start), one process at a time. With ``only_if_stale``, only when a file of the
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
        parse_project(project, target)
    return True


def dbt_vars(settings: Settings) -> dict[str, str]:
    """The dbt vars of every build of the settings' warehouse: the file its profile attaches and
    DuckDB's memory cap (``dbt/profiles.yml``, which falls back to the environment variables
    ``PAPERTRENDS_WAREHOUSE`` and ``PAPERTRENDS_DBT_MEMORY_LIMIT`` for a hand-run dbt), and
    the switch of the post-hook that logs each built relation's column types, row count and
    first rows (for Dagster to attach as metadata: ``dbt/macros/log_relation_facts.sql``,
    lines starting with ``FACTS_PREFIX``)."""
    return {
        WAREHOUSE_VAR: str(settings.warehouse),
        DBT_MEMORY_LIMIT_VAR: settings.dbt_memory_limit,
        UI_FACTS_VAR: "1",
    }


def dbt_resource(settings: Settings) -> InProcessDbtResource:
    """dbt for builds of the settings' warehouse, in the run's own process on the prepared
    manifest (``pipelines.dbt_runner``); dbt.log rolls over at the settings' size."""
    return InProcessDbtResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        prepared_dir=str(PREPARED_DBT_DIR),
        dbt_vars=dbt_vars(settings),
        log_max_bytes=settings.dbt_log_max_bytes,
    )


if __name__ == "__main__":  # `make install`: python -m pipelines.defs.dbt_project
    prepare()
    print(f"dbt manifest prepared: {dbt_project.manifest_path}", file=sys.stderr)
