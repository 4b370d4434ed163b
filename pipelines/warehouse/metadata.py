"""Read-only facts about warehouse tables for the Dagster UI: row counts and small previews.

Plain data only (counts, column names, rows as short strings); ``pipelines/defs`` turns them into
Dagster metadata. The raw layer's facts are read on the ingestion's own writing connection; a dbt
model's are logged by dbt as it builds the model (``logged_facts``), while dbt holds the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

# Rows in a preview, and characters per cell before it is cut with an ellipsis.
PREVIEW_ROWS = 5
CELL_CHARS = 60
# The per-dump table of an ingestion run lists at most this many file versions.
DUMP_ROWS = 30
# A preview shows at most this many columns (the first ones: keys and names come first).
PREVIEW_COLUMNS = 8


@dataclass(frozen=True)
class Preview:
    """The first rows of a result, every cell already a short one-line string."""

    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class TableFacts:
    """Row count and a preview of one table or view."""

    relation: str
    row_count: int | None
    preview: Preview


@dataclass(frozen=True)
class RawRunFacts:
    """The raw layer after an ingestion pass: totals, and what the pass's file versions hold."""

    dumps_total: int
    sightings_total: int
    rejects_total: int
    papers_total: int
    dumps_in_run: Preview  # one row per file version the pass recorded (at most DUMP_ROWS)
    new_sightings: Preview  # the first listings the pass loaded
    new_rejects: Preview  # the first records (or files) the pass quarantined


def cell(value: object, max_chars: int = CELL_CHARS) -> str:
    """One line of at most ``max_chars`` characters for a table cell (null shows as empty)."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
    elif isinstance(value, list | tuple):
        text = ", ".join(str(v) for v in value)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def _preview(
    con: duckdb.DuckDBPyConnection, query: str, limit: int, params: dict | None = None
) -> Preview:
    cursor = con.execute(f"select * from ({query}) limit {int(limit)}", params or {})
    columns = [d[0] for d in cursor.description][:PREVIEW_COLUMNS]
    rows = cursor.fetchall()
    return Preview(columns=columns, rows=[[cell(v) for v in row[: len(columns)]] for row in rows])


def logged_facts(relation: str, logged: dict) -> TableFacts:
    """The facts dbt logged of ``relation`` as it built it (``dbt/macros/log_relation_facts.sql``:
    ``{"row_count": N or null, "preview": [row objects]}``) as a TableFacts."""
    rows = logged.get("preview") or []
    columns = [c for c in (rows[0] if rows else []) if c != "_preview_rank"][:PREVIEW_COLUMNS]
    return TableFacts(
        relation=relation,
        row_count=logged.get("row_count"),
        preview=Preview(
            columns=columns, rows=[[cell(row.get(c)) for c in columns] for row in rows]
        ),
    )


def raw_run_facts(
    con: duckdb.DuckDBPyConnection, dump_ids: Sequence[str], limit: int = PREVIEW_ROWS
) -> RawRunFacts:
    """Totals of the raw layer and previews of what the file versions ``dump_ids`` brought."""
    ids = list(dump_ids)
    dumps_total, sightings_total, papers_total, rejects_total = con.execute(
        "select (select count(*) from raw.dumps), (select count(*) from raw.sightings), "
        "(select count(distinct paper_id) from raw.sightings), (select count(*) from raw.rejects)"
    ).fetchone()
    params = {"ids": ids}
    dumps = (
        "select file_name as file, status, listing_date, listing_date_source as date_from, "
        "nullif(partition_key, '') as month, "
        "n_sightings as listings, n_rejects as rejects, "
        "coalesce(reason, case when duplicate_of is not null "
        "then 'same bytes as ' || (select d2.file_name from raw.dumps d2 "
        "where d2.dump_id = d.duplicate_of) end) as note "
        "from raw.dumps d where dump_id in (select unnest($ids::varchar[])) "
        "order by listing_date nulls last, file_name"
    )
    sightings = (
        "select d.file_name as file, s.position, s.title, s.abstract, s.paper_id "
        "from raw.sightings s join raw.dumps d using (dump_id) "
        "where s.dump_id in (select unnest($ids::varchar[])) order by d.file_name, s.position"
    )
    rejects = (
        "select r.file_name as file, r.line_no as line, r.reason, r.excerpt "
        "from raw.rejects r join raw.dumps d on d.file_name = r.file_name and d.sha256 = r.sha256 "
        "where d.dump_id in (select unnest($ids::varchar[])) "
        "order by r.file_name, r.line_no nulls first"
    )
    return RawRunFacts(
        dumps_total=dumps_total,
        sightings_total=sightings_total,
        rejects_total=rejects_total,
        papers_total=papers_total,
        dumps_in_run=_preview(con, dumps, DUMP_ROWS, params),
        new_sightings=_preview(con, sightings, limit, params),
        new_rejects=_preview(con, rejects, limit, params),
    )
