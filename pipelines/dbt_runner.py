"""dbt in the run's own process: dbt's programmatic runner (``dbtRunner``) on the prepared
manifest, its events streamed to Dagster the way dagster-dbt streams a dbt subprocess's.

Why not dagster-dbt's ``DbtCliResource`` (a ``dbt`` subprocess per build): a new dbt process
pays its start (imports, seconds) and, whenever its partial-parse state does not match, a full
parse of the project. dbt keys that state on the profile's connection values (the warehouse's
path) and on the command's ``--vars`` (the run's month window), so every new warehouse and every
new window parsed the whole project again. BENCHMARKS.md's "Design choices" has the figures.
dbt's docs describe reusing a parsed manifest in-process ("Programmatic invocations: reusing
objects"); the manifest here is the one the code location is built from
(``data/dbt-manifest/``, prepared by ``make install`` and again by every command when a file of
the dbt project changed), so Dagster's asset graph and the nodes dbt runs are the same parse.
When that manifest is older than a file of the project (edited while ``papertrends ui`` runs),
dbt parses the project itself, as a subprocess would.

What stays as dagster-dbt does it: the selection of a subset run
(``get_updated_cli_invocation_params_for_context``), and each result event's conversion to
Dagster events (``DbtCoreCliEventMessage.to_default_asset_events``), fed with the same JSON
dicts dbt writes as ``--log-format json`` lines.

dbt's settings for a build reach it as command-line flags and ``--vars`` (the warehouse's path,
DuckDB's memory cap, the switch of the facts post-hook): this process's environment is never
changed. ``dbt/profiles.yml`` falls back to the environment variables for a hand-run dbt.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject
from dagster_dbt.asset_utils import (
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from pipelines.dbt_manifest import is_stale
from pipelines.patches.dbt_duckdb_close import close_dbt_duckdb

# dbt's events that dagster-dbt turns into Dagster events (a node's result; a model's column
# types, logged by dbt/macros/log_relation_facts.sql) or that carry an error to report.
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})
LOGGED_LINES = "JinjaLogInfo"
# the summary's "Failure in model x (path)" line before each error's own message
HEADERS = frozenset({"RunResultFailure"})
PARTIAL_PARSE = "partial_parse.msgpack"


class DbtBuildFailed(Exception):
    """dbt's command failed: its error lines, or the exception the runner returned."""


def load_prepared_manifest(project: DbtProject) -> Any | None:
    """The parsed project the code location was built from (dbt's ``Manifest``), or None when a
    file of the project is newer than it (dbt must parse) or it is missing."""
    from dbt.contracts.graph.manifest import Manifest

    prepared = Path(project.target_path) / PARTIAL_PARSE
    if not prepared.is_file() or is_stale(project.manifest_path, project.project_dir):
        return None
    return Manifest.from_msgpack(prepared.read_bytes())


def parse_project(project: DbtProject, target_path: Path) -> None:
    """``dbt parse`` of ``project`` into ``target_path`` (its manifest and partial parse), in
    this process; a project dbt cannot parse is a ``DbtBuildFailed`` saying why."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(
        [
            "parse",
            "--quiet",
            "--project-dir",
            str(project.project_dir),
            "--profiles-dir",
            str(project.profiles_dir),
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path),
            "--no-send-anonymous-usage-stats",
        ]
    )
    if not result.success:
        raise DbtBuildFailed(f"dbt parse of {project.project_dir} failed: {result.exception}")


@dataclass
class InProcessDbtInvocation:
    """One dbt command running on a thread of this process; read its events with
    ``stream_raw_events`` (what ``DbtCliInvocation`` offers, for ``to_default_asset_events``)."""

    args: list[str]
    manifest: Mapping[str, Any]
    dagster_dbt_translator: DagsterDbtTranslator
    target_path: Path
    project: DbtProject | None
    parsed: Any | None
    _events: queue.Queue = field(default_factory=queue.Queue, repr=False)
    _errors: list[str] = field(default_factory=list, repr=False)
    _result: Any = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> InProcessDbtInvocation:
        self._thread = threading.Thread(target=self._run, name="dbt", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        from dbt.cli.main import dbtRunner

        try:
            runner = dbtRunner(manifest=self.parsed, callbacks=[self._on_event])
            self._result = runner.invoke(self.args)
        except BaseException as err:  # noqa: BLE001 (handed to the reading thread)
            self._result = err
        finally:
            try:
                close_dbt_duckdb()
            finally:
                self._events.put(None)

    def _on_event(self, message: Any) -> None:
        """dbt's callback, on dbt's threads: keep the events Dagster needs, as the dicts of
        dbt's JSON log lines."""
        info = message.info
        if info.name in RESULT_EVENTS or info.name == LOGGED_LINES or info.level == "error":
            from dbt_common.events.functions import msg_to_dict

            self._events.put(msg_to_dict(message))

    def stream_raw_events(self) -> Iterator[DbtCoreCliEventMessage]:
        """dbt's events as dagster-dbt's event messages, as dbt fires them, until it ends. A
        model's column types (a JSON ``JinjaLogInfo`` line) ride on its result event, as
        dagster-dbt does for a subprocess."""
        columns: dict[str, dict[str, Any]] = {}
        while (raw := self._events.get()) is not None:
            info = raw["info"]
            if info["level"] == "error" and info["name"] not in RESULT_EVENTS | HEADERS:
                # the error itself (a node's result line and the summary's header only say
                # that it failed)
                self._errors.append(info["msg"])
            unique_id = raw["data"].get("node_info", {}).get("unique_id")
            if info["name"] == LOGGED_LINES and unique_id:
                try:
                    logged = json.loads(info["msg"])
                except ValueError:
                    logged = None
                if isinstance(logged, dict) and "columns" in logged:
                    columns[unique_id] = logged
                    continue
            history = columns.get(unique_id, {}) if info["name"] in RESULT_EVENTS else {}
            yield DbtCoreCliEventMessage(raw_event=raw, event_history_metadata=dict(history))

    def get_error(self) -> Exception | None:
        """None when dbt's command succeeded (call after ``stream_raw_events`` ended). Else the
        first error dbt reported, on one line with the log's path, then any further ones."""
        result = self._result
        command = self.args[0] if self.args else "command"
        if result is not None and not isinstance(result, BaseException) and result.success:
            return None
        cause = result if isinstance(result, BaseException) else getattr(result, "exception", None)
        errors = [e for e in self._errors if e.strip()] or [
            str(cause) if cause else "no error line"
        ]
        first = " ".join(line.strip() for line in errors[0].splitlines() if line.strip())
        return DbtBuildFailed(
            "\n".join(
                [
                    f"dbt {command} failed: {first} (log: {self.target_path / 'dbt.log'})",
                    *errors[1:],
                ]
            )
        )

    def stop(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for dbt's thread to end (dbt cannot be interrupted from
        another thread; it ends with the process). True when it has ended."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()


class InProcessDbtResource(dg.ConfigurableResource):
    """dbt for builds of one warehouse, run in the step's own process (module docstring).

    ``dbt_vars`` are dbt vars every command gets (the warehouse's path, DuckDB's memory cap, the
    facts switch), merged under a command's own ``--vars``."""

    project_dir: str
    profiles_dir: str
    prepared_dir: str
    dbt_vars: dict[str, str]
    log_max_bytes: int

    def project(self) -> DbtProject:
        return DbtProject(
            project_dir=self.project_dir,
            profiles_dir=self.profiles_dir,
            target_path=self.prepared_dir,
        )

    def cli(
        self,
        args: Sequence[str],
        *,
        context: dg.AssetExecutionContext | dg.OpExecutionContext | None,
        target_path: Path,
    ) -> InProcessDbtInvocation:
        """Start ``dbt <args>`` for ``context``'s selection, writing its artifacts and log to
        ``target_path``."""
        cleaned, selects, excludes = extract_runtime_selection_from_args(list(args))
        command_vars: dict[str, Any] = {}
        if "--vars" in cleaned:
            at = cleaned.index("--vars")
            command_vars = json.loads(cleaned[at + 1])
            cleaned = [*cleaned[:at], *cleaned[at + 2 :]]
        params = get_updated_cli_invocation_params_for_context(
            context=context,
            manifest={},
            dagster_dbt_translator=DagsterDbtTranslator(),
            runtime_selects=selects,
            runtime_excludes=excludes,
        )
        project = params.dbt_project or self.project()
        # dagster-dbt's selector for a large subset lives in a copy of the project, which this
        # manifest does not know: dbt parses that copy.
        reuse = Path(project.project_dir) == Path(self.project_dir)
        parsed = load_prepared_manifest(self.project()) if reuse else None
        variables = {**self.dbt_vars, **command_vars}
        full = [
            *cleaned,
            *params.selection_args,
            *(
                ["--indirect-selection", params.indirect_selection]
                if params.indirect_selection
                else []
            ),
            "--vars",
            json.dumps(variables, sort_keys=True, separators=(",", ":")),
            "--project-dir",
            str(project.project_dir),
            "--profiles-dir",
            self.profiles_dir,
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path),
            "--log-format-file",
            "json",
            "--log-file-max-bytes",
            str(self.log_max_bytes),
            "--no-send-anonymous-usage-stats",
            "--no-use-colors",
        ]
        target_path.mkdir(parents=True, exist_ok=True)
        return InProcessDbtInvocation(
            args=full,
            manifest=params.manifest,
            dagster_dbt_translator=params.dagster_dbt_translator,
            target_path=target_path,
            project=project,
            parsed=parsed,
        ).start()
