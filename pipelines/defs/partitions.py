"""Month partitions of listing dates, shared by the raw assets and the dbt models' windows.

Why a ``MonthlyPartitionsDefinition`` rather than dynamic ``YYYY-MM`` keys: time partitions
carry their time window, which is what dbt needs (``window_start``/``window_end`` vars for the
models' incremental predicates), and their keys are ordered by time, so a backfill over a
range of months (``BackfillPolicy.single_run``) is one contiguous, well-defined range. Dynamic
partitions are ordered by insertion: a dump of 2024 saved after one of 2025 would sit after it,
and a "range" would mean nothing. The partitions start at ``Settings.first_month``
(``PAPERTRENDS_FIRST_MONTH``: the month the Daily Papers page began by default) and run to the
current month (``end_offset=1``: today's dump belongs to a month that is not over yet); the
definitions build them from the settings (``month_partitions``), nothing reads the environment
here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import dagster as dg

MONTH_FORMAT = "%Y-%m"
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def month_partitions(first_month: dt.date) -> dg.MonthlyPartitionsDefinition:
    """The listing months from ``first_month`` (its first day) to the current month."""
    return dg.MonthlyPartitionsDefinition(
        start_date=first_month.strftime(MONTH_FORMAT), fmt=MONTH_FORMAT, end_offset=1
    )


def month_key(day: dt.date) -> str:
    """The partition key of the month holding ``day`` (``YYYY-MM``), holdable or not."""
    return day.strftime(MONTH_FORMAT)


def month_start(key: str) -> dt.date:
    """The first day of the month ``key`` (``YYYY-MM``)."""
    return dt.datetime.strptime(key, MONTH_FORMAT).date()


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after the one holding ``day``."""
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def holdable_window(
    partitions: dg.MonthlyPartitionsDefinition, now: dt.datetime | None = None
) -> tuple[dt.date, dt.date]:
    """[first day of the first month, first day of the month after the last partition): the
    listing dates the partitioning can hold at ``now`` (default: the current time). The last
    partition is the month ``end_offset - 1`` months after the current one (``end_offset=1``:
    the current month)."""
    start = partitions.start.date()
    current = (now or dt.datetime.now(dt.UTC)).date()
    end = next_month(current)
    for _ in range(partitions.end_offset - 1):
        end = next_month(end)
    return start, max(start, end)


def unholdable_reason(day: dt.date, window: tuple[dt.date, dt.date]) -> str | None:
    """One line saying why a listing date has no month partition, or None when it has one."""
    start, end = window
    if day < start:
        return (
            f"listing date {day} is before the first month partition {month_key(start)} "
            "(PAPERTRENDS_FIRST_MONTH)"
        )
    if day >= end:
        last = month_key(end - dt.timedelta(days=1)) if end > start else "none"
        return f"listing date {day} is after the last month partition {last} (in the future)"
    return None


def last_month_range(partitions: dg.MonthlyPartitionsDefinition) -> tuple[str, str]:
    """The range of the last month partition alone."""
    last = partitions.get_last_partition_key()
    return last, last


def covering_range(keys: Iterable[str]) -> tuple[str, str] | None:
    """The smallest contiguous range of month keys covering ``keys``; None for none."""
    ordered = sorted(set(keys))
    return (ordered[0], ordered[-1]) if ordered else None


def range_tags(first: str, last: str) -> dict[str, str]:
    """Run tags selecting the month partitions ``first`` to ``last`` (one single-run backfill)."""
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}


def run_month_window(tags: Mapping[str, str]) -> tuple[dt.date, dt.date] | None:
    """The month window of a run from its tags: (first day of its first month, first day of the
    month after its last), or None when the run has no partitions. Works for every asset of the
    run, partitioned or not (the dbt models read the raw assets' partition range this way)."""
    if RANGE_START_TAG in tags and RANGE_END_TAG in tags:
        first, last = tags[RANGE_START_TAG], tags[RANGE_END_TAG]
    elif tags.get(PARTITION_TAG):
        first = last = tags[PARTITION_TAG]
    else:
        return None
    start, end = month_start(first), next_month(month_start(last))
    if end <= start:
        raise ValueError(f"partition range {first}..{last} runs backwards")
    return start, end
