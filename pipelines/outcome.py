"""What a run came to, and the exit code it gives: the one rule from run results to exit codes.

A Dagster run's result becomes plain data here, read straight from Dagster's own result objects:
its asset check evaluations become check outcomes (a ``QualitySummary``), and a failed step that
is not a failed check becomes one ``PapertrendsError``. ``exit_code`` then turns the outcome of a
command (the landing folder's summary, the checks) into its exit status; ``pipelines.console``
prints it. Importing this module imports no Dagster (the CLI reads the exit codes before any
heavy import).

Exit status (the README's table): 0 success; 1 failed (one line says why); 2 a data quality check
failed (Great Expectations suite or dbt test); 3 finished but some files or records were rejected
(see ``raw.rejects``); 64 usage error (unknown command or option, bad value); 130 interrupted
(Ctrl-C); 141 output cut short by a closed pipe (``| head``), silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipelines import errors
from pipelines.errors import PapertrendsError, os_error_line

if TYPE_CHECKING:
    import dagster as dg

    from pipelines.warehouse.summary import WarehouseSummary

EXIT_OK, EXIT_FAILED, EXIT_CHECKS, EXIT_REJECTS = 0, 1, 2, 3
# sysexits.h's EX_USAGE, and what shells report for SIGINT and SIGPIPE (128 + signal number)
EXIT_USAGE, EXIT_INTERRUPTED, EXIT_CLOSED_PIPE = 64, 130, 141

# The trend report's step (its asset key reports/trend_report) and the dbt docs page's
# (docs/dbt_docs): the steps after the marts, which a failed mart suite holds back.
REPORT_STEP = "reports__trend_report"
DOCS_STEP = "docs__dbt_docs"
AFTER_MARTS_STEPS = (REPORT_STEP, DOCS_STEP)
# The check name of a Great Expectations suite (pipelines.defs.quality.CHECK_NAME); every other
# check is a dbt test.
SUITE_CHECK = "great_expectations"

# Step failures that mean "a check failed" (shown in the quality summary), not "the run broke".
# (dbt build ends failed when a dbt test fails: pipelines.dbt_runner.DbtBuildFailed)
CHECK_FAILURES = {"DagsterAssetCheckFailedError", "DbtBuildFailed"}
# Our one-line errors, by class name, as a failed step of a run reports them.
PAPERTRENDS_ERRORS = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, PapertrendsError)
}


@dataclass(frozen=True)
class CheckOutcome:
    """One asset check's evaluation: ``lines`` names each failed expectation or test."""

    asset: str
    check: str
    passed: bool
    severity: str  # ERROR or WARN
    lines: tuple[str, ...] = ()
    skipped: bool = False

    @property
    def is_suite(self) -> bool:
        return self.check == SUITE_CHECK


@dataclass(frozen=True)
class QualitySummary:
    """Every check of a run; ``passed`` when none failed with severity ERROR."""

    outcomes: tuple[CheckOutcome, ...]
    # steps a failed blocking check kept from running (e.g. the dbt models after a raw suite)
    blocked: tuple[str, ...] = ()

    @property
    def marts_blocked(self) -> bool:
        """True when the dbt models were held back (a raw suite failed), not only the report."""
        return any(name not in AFTER_MARTS_STEPS for name in self.blocked)

    @property
    def failed(self) -> tuple[CheckOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)

    @property
    def passed(self) -> bool:
        return not any(o.severity == "ERROR" for o in self.failed)

    def __add__(self, other: QualitySummary) -> QualitySummary:
        """The checks of two runs (``papertrends check``: the suites, then the dbt tests)."""
        return QualitySummary(self.outcomes + other.outcomes, self.blocked + other.blocked)


def exit_code(
    summary: WarehouseSummary | None = None, quality: QualitySummary | None = None
) -> int:
    """The exit status of a command that finished: 2 when a check failed with severity ERROR,
    else 3 when a seen file or record was rejected (or not read), else 0."""
    if quality is not None and not quality.passed:
        return EXIT_CHECKS
    if summary is not None and not summary.clean:
        return EXIT_REJECTS
    return EXIT_OK


def quality_summary(result: dg.ExecuteInProcessResult) -> QualitySummary:
    """The run's asset check evaluations (Dagster's own result objects) as plain outcomes, and
    the steps a failed blocking check held back."""
    outcomes = []
    for evaluation in result.get_asset_check_evaluations():
        asset = ".".join(evaluation.asset_key.path)
        # a suite's check result names each failed expectation (pipelines.defs.quality)
        lines_value = evaluation.metadata.get("failure_lines")
        if lines_value is not None:
            lines = tuple(f"{line}" for line in lines_value.value)
        elif evaluation.passed:
            lines = ()
        else:
            lines = (f"{asset}: dbt test {evaluation.check_name} failed{_dbt_detail(evaluation)}",)
        outcomes.append(
            CheckOutcome(
                asset=asset,
                check=evaluation.check_name,
                passed=evaluation.passed,
                severity=evaluation.severity.value,
                lines=lines,
            )
        )
    # steps that never ran: a failed blocking check held them back
    blocked = tuple(
        node.name
        for node in result.job_def.nodes_in_topological_order
        if result.is_node_untouched(node.name) or result.is_node_skipped(node.name)
    )
    return QualitySummary(tuple(outcomes), blocked=blocked)


def raise_failed_steps(job_name: str, result: dg.ExecuteInProcessResult) -> None:
    """Raise the first failed step of ``result`` that is not a failed check as one
    PapertrendsError (ours by its message, an OSError as its path and reason, else the step and
    the error's first line). A failed check (blocking suite, dbt test) raises nothing: the
    quality summary reports it."""
    any_check_failed = any(not e.passed for e in result.get_asset_check_evaluations())
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        cause = error.cause if error is not None and error.cause is not None else error
        if cause is not None and cause.cls_name in CHECK_FAILURES and any_check_failed:
            continue
        message = cause.message.strip().splitlines()[0] if cause is not None else "failed"
        if cause is not None and cause.cls_name in PAPERTRENDS_ERRORS:
            raise PapertrendsError(message.split(f"{cause.cls_name}: ", 1)[-1])
        os_error = _os_error_message(message)
        if os_error is not None:
            raise PapertrendsError(os_error)
        raise PapertrendsError(f"{job_name} failed in step {event.step_key}: {message}")


def step_error(job_name: str, step_key: str, cause: BaseException) -> PapertrendsError:
    """The PapertrendsError of a step that raised ``cause`` in a run that stops at the first
    error: ours as it is, an OSError as its path and reason, else the step and the error."""
    if isinstance(cause, PapertrendsError):
        return cause
    if isinstance(cause, OSError):  # a file the step writes or reads: name it and the reason
        return PapertrendsError(os_error_line(cause))
    return PapertrendsError(
        f"{job_name} failed in step {step_key}: {type(cause).__name__}: {cause}"
    )


def _os_error_message(message: str) -> str | None:
    """``/path: reason`` from a step's serialized OSError (``PermissionError: [Errno 13]
    Permission denied: '/path'``), else None."""
    found = re.search(r"\[Errno \d+\] (?P<reason>[^:]+): '(?P<path>[^']+)'", message)
    return f"{found['path']}: {found['reason']}" if found else None


def _dbt_detail(evaluation) -> str:
    failures = evaluation.metadata.get("dagster_dbt/failed_row_count")
    return f": {failures.value} failing rows" if failures is not None else ""
