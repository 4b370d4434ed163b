"""What a run's checks said, in lines a person reads on the command line.

Built from plain check outcomes (asset, check name, passed, severity, lines), whichever tool ran
them: Great Expectations suites give one line per failed expectation, a dbt test one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# The trend report's step (its asset key reports/trend_report) and the dbt docs page's
# (docs/dbt_docs): the steps after the marts, which a failed mart suite holds back.
REPORT_STEP = "reports__trend_report"
DOCS_STEP = "docs__dbt_docs"
AFTER_MARTS_STEPS = (REPORT_STEP, DOCS_STEP)


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
        return self.check == "great_expectations"


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

    def failure_lines(self) -> list[str]:
        """One line per failed expectation or dbt test (warnings marked as such)."""
        lines = []
        for o in self.failed:
            mark = "warning" if o.severity == "WARN" else "FAILED"
            for line in o.lines or (f"{o.asset}: {o.check} failed",):
                lines.append(f"{mark} {line}")
        return lines

    def line(self, hint: bool = True) -> str:
        """``quality: 9 suites and 84 dbt tests passed`` or what failed, in one line."""
        suites = [o for o in self.outcomes if o.is_suite]
        tests = [o for o in self.outcomes if not o.is_suite]
        parts = [
            _count(suites, "suite") + " (Great Expectations)",
            _count(tests, "dbt test"),
        ]
        verdict = (
            "passed"
            if not self.failed
            else ("FAILED" if not self.passed else "passed with warnings")
        )
        failed_names = ", ".join(f"{o.asset} {o.check}" for o in self.failed[:4])
        more = f" and {len(self.failed) - 4} more" if len(self.failed) > 4 else ""
        see = "; see `papertrends check`" if hint else ""
        detail = f": {failed_names}{more}{see}" if self.failed else ""
        stopped = f"; not run: {', '.join(self.blocked)}" if self.blocked else ""
        return f"quality {verdict}: {', '.join(parts)}{detail}{stopped}"


def _count(outcomes: Sequence[CheckOutcome], noun: str) -> str:
    failed = sum(not o.passed for o in outcomes)
    total = len(outcomes)
    plural = "s" if total != 1 else ""
    return f"{total - failed}/{total} {noun}{plural} passed"
