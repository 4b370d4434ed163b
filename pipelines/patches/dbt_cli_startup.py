"""dagster-dbt's ``DbtCliResource`` without the two probes it runs before every dbt command.

Upstream: dagster-dbt 0.29 (``dagster_dbt/core/resource.py``, ``DbtCliResource.cli``), two
private steps before each invocation:

* ``_cli_version`` runs ``[dbt_executable, "--version"]`` in a subprocess (once per resource
  instance: once per run), without ``global_config_flags``. papertrends starts dbt as
  ``env NAME=VALUE ... .venv/bin/dbt`` (``pipelines.defs.dbt_project.dbt_cli_resource``: the
  values reach dbt's process only, never ours), so upstream would run ``env --version`` and
  fail with "Could not parse dbt version from output: env (GNU coreutils) ...". With a plain dbt
  it costs a dbt start (seconds) per run.
* ``_initialize_dbt_core_adapter`` imports dbt-core and builds a dbt adapter in the Dagster
  process on every ``cli()`` call, for ``fetch_row_counts``/``fetch_column_metadata``, which
  papertrends does not use (dbt logs each model's facts itself,
  ``dbt/macros/log_relation_facts.sql``). Together about 15 s per ``dbt.cli`` call here.

No upstream issue asks for either as of 2026-12 (searched dagster-io/dagster issues for the
version probe and the per-call adapter); the nearest is
https://github.com/dagster-io/dagster/issues/33818 (the in-process adapter is built from
different settings than the dbt process). File one before relying on this for long.

The override: the version comes from the installed dbt-core package (the dbt that runs is the
venv's), and no adapter is built. Both override private members, so the canaries in
``tests/integration/test_patches.py`` fail when either behaviour or name changes upstream. When they fail
because upstream reads the version without a subprocess (or honours ``global_config_flags``)
and builds the adapter only when metadata is fetched: delete this module, use
``DbtCliResource`` in ``pipelines/defs/dbt_project.py``, and delete the canaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from importlib import metadata

from dagster_dbt import DbtCliResource
from packaging import version


class QuickStartDbtCliResource(DbtCliResource):
    """``DbtCliResource`` whose dbt version is the installed dbt-core's and which builds no
    in-process dbt adapter (see the module's docstring)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None
