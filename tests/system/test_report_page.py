"""The trend report in a real browser: headless Chromium opens the page with no error and no
request beyond the file itself, draws every chart, and takes a screenshot of it."""

import contextlib
import datetime as dt
import shutil
import subprocess

import pytest

from pipelines.report.render import write_report
from tests.browser import BROWSER_FLAGS, CHROMIUM, visit
from tests.reportkit import make_warehouse

NOW = dt.datetime(2026, 9, 10, 8, 30, tzinfo=dt.UTC)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_page_opens_in_chromium_without_errors_or_network_requests(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb", n_dates=30, papers_per_date=8)
    result = write_report(warehouse, tmp_path / "reports", now=NOW)
    url = result.path.resolve().as_uri()

    seen = visit(url, tmp_path / "profile")
    assert seen.errors == []
    assert seen.requests == [url]  # the file itself, nothing else
    assert seen.n_charts_drawn == result.n_charts == 4
    assert "what is rising" in seen.title

    screenshot = tmp_path / "report.png"
    shot = subprocess.run(
        [
            CHROMIUM,
            *BROWSER_FLAGS,
            f"--user-data-dir={tmp_path / 'profile-shot'}",
            "--hide-scrollbars",
            f"--screenshot={screenshot}",
            "--window-size=1280,2000",
            url,
        ],
        capture_output=True,
        timeout=60,
    )
    assert shot.returncode == 0, shot.stderr.decode(errors="replace")[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000  # a page with charts, not a blank one
    # a copy for people reviewing the change; not part of the test's outcome
    with contextlib.suppress(OSError):
        shutil.copyfile(screenshot, "/tmp/report_screenshot.png")
