"""The watermark of an incremental dbt Python model: up to when its own rows are current."""

from __future__ import annotations

import datetime as dt
from typing import Any


def current_watermark(
    session: Any, this: Any, stamp_column: str, version_column: str, version: str
) -> dt.datetime | None:
    """The latest ``stamp_column`` of the model's table ``this`` when every row of it was
    written under ``version`` (its rules or index version, in ``version_column``); None, for a
    build in full, when the table lacks either column (an older release wrote it), is empty, or
    holds a row of another version. ``session`` is the DuckDB connection dbt-duckdb hands the
    model."""
    columns = set(session.sql(f"select * from {this} limit 0").columns)
    if not {stamp_column, version_column} <= columns:
        return None
    latest, stale = session.execute(
        f"select max({stamp_column}), bool_or({version_column} is distinct from $1) from {this}",
        [version],
    ).fetchall()[0]
    return None if stale else latest
