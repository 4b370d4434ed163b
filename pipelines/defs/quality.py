"""Great Expectations suites (``expectations/*.json``) as Dagster asset checks, one per table.

Two multi-asset checks, so GX is imported and its Data Docs rebuilt once per run, not per table:
``raw_expectations`` (blocking: a failed raw suite stops the dbt models downstream in the same
run) and ``mart_expectations`` (after dbt has built the marts; blocking too: a failed mart suite
keeps the trend report of that run from being rendered). Each check result names the
failed expectations with their column and observed value, and shows a few offending rows.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from pydantic import PrivateAttr

from pipelines.defs.partitions import run_month_window
from pipelines.defs.resources import WarehouseResource
from pipelines.quality.suites import SuiteFile, load_suite_files
from pipelines.quality.validate import SuiteOutcome, Validation, batch_months, validate
from pipelines.quality.worker import ValidationWorker, hand_back_early, take_early
from pipelines.settings import DEFAULT_MEMORY_LIMIT, Settings

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

CHECK_NAME = "great_expectations"
CHECK_SUITES_JOB = "check_suites"
CHECK_DBT_TESTS_JOB = "check_dbt_tests"


class QualityFolder(dg.ConfigurableResource):
    """Where GX keeps its results and Data Docs (``<path>/gx/uncommitted/data_docs/...``), and
    DuckDB's memory cap for its checks (PAPERTRENDS_CHECK_MEMORY_LIMIT).

    A run that uses it validates in a ``ValidationWorker`` (``pipelines.quality.worker``): the
    one ``papertrends run`` started before importing Dagster, or one started when the run sets
    its resources up, so GX is imported on the other core while the run ingests. The run's end
    waits for the Data Docs pages the worker renders after answering (unless the CLI started
    it: the CLI closes it after printing its summary)."""

    path: str
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    _worker: ValidationWorker | None = PrivateAttr(default=None)
    _owns_worker: bool = PrivateAttr(default=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> "QualityFolder":
        return cls(path=str(settings.quality_dir), memory_limit=settings.check_memory_limit)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._worker = take_early()
        self._owns_worker = self._worker is None
        if self._worker is None:
            self._worker = ValidationWorker()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._worker is None:
            return
        lines = self._worker.close() if self._owns_worker else hand_back_early(self._worker)
        for line in lines:
            context.log.warning(line)
        self._worker = None

    def validate(
        self,
        warehouse: WarehouseResource,
        suites: Sequence[SuiteFile],
        months: Sequence[dt.date] | None,
    ) -> Validation:
        """Validate ``suites`` on the warehouse (``pipelines.quality.validate.validate``)."""
        kwargs = {
            "warehouse": Path(warehouse.database),
            "suites": list(suites),
            "quality_dir": Path(self.path),
            "wait_seconds": warehouse.wait_seconds,
            "months": months,
            "memory_limit": self.memory_limit,
        }
        if self._worker is None:  # used outside a run (a direct invocation)
            return validate(**kwargs)
        return self._worker.validate(**kwargs)


def suite_check_key(suite: SuiteFile) -> dg.AssetCheckKey:
    return dg.AssetCheckKey(dg.AssetKey([suite.schema, suite.table]), CHECK_NAME)


def _spec(suite: SuiteFile) -> dg.AssetCheckSpec:
    held_back = (
        "marts are not rebuilt" if suite.schema == "raw" else "the trend report is not rendered"
    )
    gate = f" Blocking: {held_back} in a run where it fails." if suite.blocking else ""
    return dg.AssetCheckSpec(
        name=CHECK_NAME,
        asset=dg.AssetKey([suite.schema, suite.table]),
        blocking=suite.blocking,
        description=(
            f"Great Expectations suite expectations/{suite.path.name} ({suite.n_expectations} "
            f"expectations: schema, keys, nulls, ranges, reconciliations) on {suite.qualified_table}"
            f". {suite.description}{gate}"
        ),
    )


def build_suite_checks(name: str, suites: Sequence[SuiteFile]) -> dg.AssetChecksDefinition:
    """One multi-asset check validating ``suites`` (any subset of them can be run alone)."""
    by_key = {suite_check_key(s): s for s in suites}

    @dg.multi_asset_check(
        name=name,
        specs=[_spec(s) for s in suites],
        can_subset=True,
        description=f"Great Expectations suites on {', '.join(s.qualified_table for s in suites)}.",
    )
    def _checks(
        context: dg.AssetCheckExecutionContext,
        warehouse: WarehouseResource,
        quality: QualityFolder,
    ) -> Iterator[dg.AssetCheckResult]:
        selected = [by_key[key] for key in by_key if key in context.selected_asset_check_keys]
        window = run_month_window(context.run.tags)
        result = quality.validate(warehouse, selected, batch_months(*window) if window else None)
        for outcome in result.outcomes:
            for failure in outcome.failures:
                context.log.warning(failure.line())
            yield check_result(outcome, result.data_docs)

    return _checks


def check_result(outcome: SuiteOutcome, data_docs: Path | None) -> dg.AssetCheckResult:
    """A suite's outcome as a Dagster check result: counts, failures and offending rows."""
    metadata: dict[str, dg.MetadataValue] = {
        "expectations": dg.MetadataValue.int(outcome.n_evaluated),
        "failed": dg.MetadataValue.int(len(outcome.failures)),
        "suite": dg.MetadataValue.path(str(outcome.suite.path)),
    }
    if data_docs is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(data_docs))
    if outcome.failures:
        metadata["failed_expectations"] = failures_table(outcome)
        metadata.update(offending_rows_tables(outcome))
        # one line per failed expectation: what `papertrends check` prints
        metadata["failure_lines"] = dg.MetadataValue.json([f.line() for f in outcome.failures])
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey([outcome.suite.schema, outcome.suite.table]),
        check_name=CHECK_NAME,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR if outcome.critical else dg.AssetCheckSeverity.WARN,
        description=(
            f"{outcome.n_evaluated - len(outcome.failures)} of {outcome.n_evaluated} expectations "
            "passed"
            + (f"; first failure: {outcome.failures[0].line()}" if outcome.failures else "")
        ),
        metadata=metadata,
    )


def failures_table(outcome: SuiteOutcome) -> dg.TableMetadataValue:
    """The failed expectations of a suite, one record each: column, expectation, observed."""
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord(
                {
                    "column": f.column or "(table)",
                    "expectation": f.expectation,
                    "observed": f.observed,
                }
            )
            for f in outcome.failures
        ],
        schema=dg.TableSchema(
            columns=[
                dg.TableColumn("column", "string"),
                dg.TableColumn("expectation", "string"),
                dg.TableColumn("observed", "string", description="what GX saw, in words"),
            ]
        ),
    )


def offending_rows_tables(outcome: SuiteOutcome) -> dict[str, dg.TableMetadataValue]:
    """Up to five offending rows of each failed expectation that has some, as a table under
    ``offending rows: <expectation> on <column>`` (numbered when that name comes twice, as a
    row-level expectation failing in two months does)."""
    tables: dict[str, dg.TableMetadataValue] = {}
    for f in outcome.failures:
        if not f.sample_rows:
            continue
        name = f"offending rows: {f.expectation} on {f.column or outcome.suite.qualified_table}"
        key, n = name, 1
        while key in tables:
            n += 1
            key = f"{name} ({n})"
        columns = list(f.sample_rows[0])
        tables[key] = dg.MetadataValue.table(
            records=[dg.TableRecord({c: row.get(c, "") for c in columns}) for row in f.sample_rows],
            schema=dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in columns]),
        )
    return tables


@dataclass(frozen=True)
class SuiteChecks:
    """The suites of ``expectations/`` as two blocking multi-asset checks, and the two jobs of
    ``papertrends check``."""

    raw_expectations: dg.AssetChecksDefinition
    mart_expectations: dg.AssetChecksDefinition
    check_suites_job: "UnresolvedAssetJobDefinition"
    check_dbt_tests_job: "UnresolvedAssetJobDefinition"


def build_suite_checks_and_jobs(suites: Sequence[SuiteFile] | None = None) -> SuiteChecks:
    """The checks and jobs of ``suites`` (default: the suite files of ``expectations/``, read
    when the definitions are built, not when this module is imported)."""
    suites = load_suite_files() if suites is None else suites
    suite_checks = dg.AssetSelection.checks(*(suite_check_key(s) for s in suites))
    return SuiteChecks(
        raw_expectations=build_suite_checks(
            "raw_expectations", [s for s in suites if s.schema == "raw"]
        ),
        mart_expectations=build_suite_checks(
            "mart_expectations", [s for s in suites if s.schema != "raw"]
        ),
        # `papertrends check` is two runs: every suite is blocking, and in one run a failed
        # suite would hold back the dbt tests of the models downstream of its table (they run
        # in the dbt step).
        check_suites_job=dg.define_asset_job(
            name=CHECK_SUITES_JOB,
            selection=suite_checks,
            description=(
                "Validate the warehouse as it is with every Great Expectations suite in "
                "expectations/, without rebuilding anything (the first half of "
                "`papertrends check`)."
            ),
        ),
        check_dbt_tests_job=dg.define_asset_job(
            name=CHECK_DBT_TESTS_JOB,
            selection=dg.AssetSelection.all_asset_checks() - suite_checks,
            description=(
                "Run every dbt test on the warehouse as it is (dbt test), without rebuilding "
                "anything (the second half of `papertrends check`)."
            ),
        ),
    )
