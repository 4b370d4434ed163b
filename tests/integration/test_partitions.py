"""Month partitions of listing dates: the run window helper, what the partitioning can hold."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pytest

from pipelines.defs.partitions import (
    covering_range,
    holdable_window,
    month_key,
    month_partitions,
    next_month,
    range_tags,
    run_month_window,
    unholdable_reason,
)
from pipelines.errors import SettingInvalid
from pipelines.settings import FIRST_MONTH_ENV, Settings

# the partitions of an environment that sets no PAPERTRENDS_FIRST_MONTH
listing_months = month_partitions(Settings.resolve({}, {}).month_start())


def first_month(environ: dict[str, str]) -> dt.date:
    """The first month partition the settings of ``environ`` give."""
    return Settings.resolve({}, environ).month_start()


def test_partitions_are_months_from_the_first_month_to_the_current_one():
    assert isinstance(listing_months, dg.MonthlyPartitionsDefinition)
    keys = listing_months.get_partition_keys()
    assert keys[0] == "2023-05"  # the default first month: the Daily Papers page began
    assert keys[-1] == month_key(dt.datetime.now(dt.UTC).date())  # end_offset=1: this month
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    start, end = holdable_window(listing_months)
    last = listing_months.get_last_partition_window()
    assert (start, end) == (dt.date(2023, 5, 1), last.end.date())


def test_first_month_setting(monkeypatch):
    assert first_month({}) == dt.date(2023, 5, 1)
    assert first_month({FIRST_MONTH_ENV: "1999-12"}) == dt.date(1999, 12, 1)
    next_year = f"{dt.date.today().year + 1}-01"  # not begun: no partition would exist
    for bad in ("2023-13", "2023-5", "May 2023", "2023-05-01", "0001-01", next_year):
        with pytest.raises(SettingInvalid, match=FIRST_MONTH_ENV):
            first_month({FIRST_MONTH_ENV: bad})


def test_run_month_window_from_a_range_a_single_partition_or_none():
    assert run_month_window(range_tags("2025-11", "2026-01")) == (
        dt.date(2025, 11, 1),
        dt.date(2026, 2, 1),  # end exclusive: the month after the last
    )
    assert run_month_window({"dagster/partition": "2024-02"}) == (
        dt.date(2024, 2, 1),
        dt.date(2024, 3, 1),
    )
    assert run_month_window({"dagster/partition": "2024-12"})[1] == dt.date(2025, 1, 1)
    assert run_month_window({}) is None
    assert run_month_window({"papertrends/trigger": "cli"}) is None
    with pytest.raises(ValueError, match="backwards"):
        run_month_window(range_tags("2026-01", "2025-11"))


def test_the_window_helper_sees_the_same_range_in_every_asset_of_a_run():
    """A partitioned asset and an unpartitioned one in one run read the same window from the
    run's tags (the dbt models are unpartitioned and get the raw layer's range)."""
    seen = {}

    @dg.asset(partitions_def=listing_months, backfill_policy=dg.BackfillPolicy.single_run())
    def part(context) -> None:
        window = context.partition_time_window
        seen["part"] = run_month_window(context.run.tags)
        seen["dagster"] = (window.start.date(), window.end.date())

    @dg.asset(deps=[part])
    def whole(context) -> None:
        seen["whole"] = run_month_window(context.run.tags)

    job = dg.define_asset_job("both", selection=[part, whole])
    defs = dg.Definitions(assets=[part, whole], jobs=[job])
    result = defs.resolve_job_def("both").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), tags=range_tags("2024-03", "2024-05")
    )
    assert result.success
    expected = (dt.date(2024, 3, 1), dt.date(2024, 6, 1))
    assert seen == {"part": expected, "dagster": expected, "whole": expected}


def test_unholdable_dates_get_a_one_line_reason():
    window = (dt.date(2023, 5, 1), dt.date(2027, 1, 1))
    assert unholdable_reason(dt.date(2023, 5, 1), window) is None
    assert unholdable_reason(dt.date(2026, 12, 31), window) is None
    early = unholdable_reason(dt.date(2023, 4, 30), window)
    late = unholdable_reason(dt.date(2027, 1, 1), window)
    assert early and "before the first month partition 2023-05" in early and "\n" not in early
    assert late and "after the last month partition 2026-12" in late and "\n" not in late


def test_month_helpers():
    assert next_month(dt.date(2024, 12, 15)) == dt.date(2025, 1, 1)
    assert next_month(dt.date(2024, 1, 31)) == dt.date(2024, 2, 1)
    assert covering_range(["2025-03", "2024-11", "2025-01"]) == ("2024-11", "2025-03")
    assert covering_range([]) is None
    now = dt.datetime(2026, 12, 31, 23, tzinfo=dt.UTC)
    assert holdable_window(listing_months, now=now) == (dt.date(2023, 5, 1), dt.date(2027, 1, 1))
