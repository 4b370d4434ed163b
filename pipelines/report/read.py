"""Reading the report's relations: rows as dicts, and which relations a warehouse has.

The report computes nothing from the warehouse: it selects the rows of report-ready models
(``reports.report_*``, and the marts the topic pages and feeds show as they are), filtered by
grain or topic at most, in the order shown. Every join, aggregation, ranking and limit is a dbt
model (dbt/models/reports).
"""

from __future__ import annotations

import duckdb


def rows(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> list[dict]:
    """The rows of ``query`` (with ``$1``-style ``params``), each a dict by column name."""
    cursor = con.execute(query, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def missing(con: duckdb.DuckDBPyConnection, relations: tuple[str, ...]) -> list[str]:
    """Which of ``relations`` (``schema.name``, tables or views) the warehouse lacks."""
    present = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()"
        ).fetchall()
    }
    return [relation for relation in relations if relation not in present]
