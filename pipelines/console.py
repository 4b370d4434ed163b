"""What the papertrends command prints: the landing folder's summary, the quality line, failed
checks, the closing line of each command, and the tables of sql, search and similar.

Everything here is text made from plain values (``WarehouseSummary``, ``QualitySummary``, rows):
the rooms that compute them print nothing. Results go to stdout, rejected files to stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from pipelines.outcome import CheckOutcome, QualitySummary
    from pipelines.warehouse.summary import WarehouseSummary

# Rejected files named one by one on stderr before a count of the rest.
REJECTED_FILES_SHOWN = 20
# Failed checks named in the quality line before "and N more".
FAILED_CHECKS_NAMED = 4


def summary_line(summary: WarehouseSummary) -> str:
    """The one-line summary of the landing folder and the raw layer ``papertrends run`` prints."""
    return (
        f"files seen {summary.files_seen}: loaded {summary.loaded}, duplicate "
        f"{summary.duplicate}, rejected {summary.rejected} | papers {summary.papers}, listings "
        f"{summary.listings}, rejects {summary.rejects}"
    )


def reject_lines(summary: WarehouseSummary, limit: int = REJECTED_FILES_SHOWN) -> list[str]:
    """One line per rejected file (its name and why), at most ``limit`` and then a count; then
    one per seen file that could not be read."""
    lines = [
        f"rejected {_printable(name)}: {_printable(reason)}"
        for name, reason in summary.rejected_files[:limit]
    ]
    if len(summary.rejected_files) > limit:
        lines.append(f"... and {len(summary.rejected_files) - limit} more rejected files")
    lines += [
        f"not read {_printable(name)}: it could not be read (no read permission, or gone "
        "while read); tried again next run"
        for name in summary.unread_files[:limit]
    ]
    return lines


def quality_line(quality: QualitySummary, hint: bool = True) -> str:
    """``quality passed: 9/9 suites passed (Great Expectations), 84/84 dbt tests passed`` or
    what failed, in one line."""
    suites = [o for o in quality.outcomes if o.is_suite]
    tests = [o for o in quality.outcomes if not o.is_suite]
    parts = [_count(suites, "suite") + " (Great Expectations)", _count(tests, "dbt test")]
    failed = quality.failed
    verdict = (
        "passed" if not failed else ("FAILED" if not quality.passed else "passed with warnings")
    )
    failed_names = ", ".join(f"{o.asset} {o.check}" for o in failed[:FAILED_CHECKS_NAMED])
    more = (
        f" and {len(failed) - FAILED_CHECKS_NAMED} more"
        if len(failed) > FAILED_CHECKS_NAMED
        else ""
    )
    see = "; see `papertrends check`" if hint else ""
    detail = f": {failed_names}{more}{see}" if failed else ""
    stopped = f"; not run: {', '.join(quality.blocked)}" if quality.blocked else ""
    return f"quality {verdict}: {', '.join(parts)}{detail}{stopped}"


def failure_lines(quality: QualitySummary) -> list[str]:
    """One line per failed expectation or dbt test (warnings marked as such)."""
    lines = []
    for o in quality.failed:
        mark = "warning" if o.severity == "WARN" else "FAILED"
        for line in o.lines or (f"{o.asset}: {o.check} failed",):
            lines.append(f"{mark} {line}")
    return lines


def print_ingest(summary: WarehouseSummary) -> None:
    """``papertrends ingest``: the summary line, then the rejected files on stderr."""
    print(summary_line(summary))
    print_rejects(summary)


def print_run(summary: WarehouseSummary, quality: QualitySummary, report_page: Path) -> None:
    """``papertrends run``: the summary and quality lines, where the trend report is (or why it
    was not rendered), then the rejected files on stderr."""
    print(summary_line(summary))
    print(quality_line(quality))
    if not quality.blocked:
        print(f"trend report: {report_page}")
    elif not quality.marts_blocked:
        print("trend report NOT rendered: a mart check failed (the last good one stays)")
    print_rejects(summary)


def print_rejects(summary: WarehouseSummary) -> None:
    """On stderr: each rejected file with its reason, then where the rest is."""
    if summary.clean:
        return
    for line in reject_lines(summary):
        print(f"papertrends: {line}", file=sys.stderr)
    if summary.rejected or summary.files_with_rejects:
        print("some files or records were rejected: see raw.rejects", file=sys.stderr)


def print_build(quality: QualitySummary, warehouse: Path, report_page: Path) -> None:
    """``papertrends build``: what was built and rendered, then the quality line."""
    if quality.marts_blocked:
        print(f"marts NOT rebuilt in {warehouse}: a blocking check failed")
    elif quality.blocked:
        print(
            f"marts built in {warehouse}; trend report NOT rendered: a mart check "
            "failed (the last good one stays)"
        )
    else:
        print(f"marts built in {warehouse}; trend report {report_page}")
    print(quality_line(quality))


def print_check(quality: QualitySummary, data_docs: Path) -> None:
    """``papertrends check``: each failed expectation or test, the quality line, the Data Docs."""
    for line in failure_lines(quality):
        print(line)
    print(quality_line(quality, hint=False))
    print(f"Data Docs: {data_docs}")


def print_report(page: Path) -> None:
    """``papertrends report``: where the page was written."""
    print(f"trend report written to {page}")


def print_frame(frame: pl.DataFrame) -> None:
    """``papertrends sql``: the result as a table (up to 200 rows, 50 columns), then its count."""
    import polars as pl

    with pl.Config(tbl_rows=200, tbl_cols=50, fmt_str_lengths=80, tbl_hide_dataframe_shape=True):
        print(frame)
    print(f"({frame.height} row{'s' if frame.height != 1 else ''})")


def paper_lines(rows: list[dict]) -> str:
    """``papertrends search`` and ``similar``: two lines per paper: rank, score and title; then
    its primary topic, when it was listed and its code link."""
    lines = []
    for row in rows:
        seen = f"{row['first_seen']}" + (
            f" to {row['last_seen']}" if row["last_seen"] != row["first_seen"] else ""
        )
        details = [row["primary_topic"] or "other", f"listed {seen}"]
        if row["code_url"]:
            details.append(f"code {row['code_url']}")
        lines.append(f"{row['rank']:>3}  {row['score']:>7.3f}  {row['title']}")
        lines.append(" " * 14 + " | ".join(details))
    return "\n".join(lines)


def write_in_pieces(text: str, piece_chars: int = 1 << 16) -> None:
    """Write ``text`` to stdout a pipe's worth at a time: one big write into a pipe whose reader
    left returns a partial count instead of failing, so the closed pipe would go unnoticed."""
    for start in range(0, len(text), piece_chars):
        sys.stdout.write(text[start : start + piece_chars])
        sys.stdout.flush()


def _count(outcomes: Sequence[CheckOutcome], noun: str) -> str:
    failed = sum(not o.passed for o in outcomes)
    total = len(outcomes)
    plural = "s" if total != 1 else ""
    return f"{total - failed}/{total} {noun}{plural} passed"


def _printable(text: str) -> str:
    """Text for one terminal line: control characters (a newline in a file name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
