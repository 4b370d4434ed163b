"""Papers like a paper, or like a pasted text: ``papertrends similar``.

The neighbours and the scoring live in dbt: ``marts.similar_papers`` holds each paper's nearest
papers, the views ``reports.cli_similar_papers`` (them with what the command shows) and
``reports.cli_paper_titles`` (every title of a paper) join them for this command, and the macro
``marts.similar_to_text(text, n)`` (``dbt/macros/search.sql``) scores a pasted text against
every paper the same way. This module finds the paper a title names (any of a retitled paper's
titles, by the normalisation of ``paper_id``) and selects its rows, with the title, the text and
the limit as bound parameters, on a read-only connection.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.dumps.identity import paper_id_of
from pipelines.errors import PapertrendsError
from pipelines.warehouse.connection import READER_WAIT_SECONDS, reader

COLUMNS = ("rank", "score", "title", "primary_topic", "first_seen", "last_seen", "code_url")

# the views dbt builds for this command (dbt/models/cli, schema reports), beside its macro
_VIEWS = ["cli_similar_papers", "cli_paper_titles"]

_PAPER = "select paper_id, title from reports.cli_paper_titles where title_id = $title_id"

_NEIGHBOURS = """
select * exclude (of_paper_id)
from reports.cli_similar_papers
where of_paper_id = $paper_id and rank <= $limit
order by rank
"""

_LIKE_TEXT = """
select rank, round(score, 3) as score, title, primary_topic, first_seen, last_seen, code_url,
    paper_id
from marts.similar_to_text($text, n := $limit)
"""


def similar_to_title(warehouse: Path, title: str, limit: int = 10) -> tuple[str, pl.DataFrame]:
    """The paper ``title`` names (its current title) and its ``limit`` nearest papers, rank 1
    first; columns ``COLUMNS`` and ``paper_id``."""
    _check_limit(limit)
    with reader(warehouse, wait_seconds=READER_WAIT_SECONDS) as con:
        _require_index(con, warehouse)
        found = con.sql(_PAPER, params={"title_id": paper_id_of(title)}).fetchall()
        if not found:
            raise PapertrendsError(
                f"no paper titled {title!r} (find it with `papertrends search`, or pass --text)"
            )
        paper_id, current = found[0]
        return current, _ask(con, _NEIGHBOURS, {"paper_id": paper_id, "limit": limit})


def similar_to_text(warehouse: Path, text: str, limit: int = 10) -> pl.DataFrame:
    """The ``limit`` papers nearest ``text`` (read as an abstract), rank 1 first."""
    _check_limit(limit)
    if not text.strip():
        raise PapertrendsError("--text is empty: paste an abstract or a few sentences")
    with reader(warehouse, wait_seconds=READER_WAIT_SECONDS) as con:
        _require_index(con, warehouse)
        return _ask(con, _LIKE_TEXT, {"text": text, "limit": limit})


def _ask(con: duckdb.DuckDBPyConnection, query: str, params: dict) -> pl.DataFrame:
    try:
        return con.sql(query, params=params).pl()
    except duckdb.Error as err:
        first = str(err).strip().splitlines()[0]
        raise PapertrendsError(f"similar failed: {first}") from err


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise PapertrendsError(f"--limit must be 1 or more, not {limit}")


def _require_index(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    rows = con.sql(
        "select count(*) from duckdb_functions() "
        "where schema_name = 'marts' and function_name = 'similar_to_text'"
    ).fetchall()
    # a warehouse built before these views were dbt models has the macro but not them
    views = con.sql(
        "select count(*) from information_schema.tables where table_catalog = current_database() "
        "and table_schema = 'reports' and table_name in (select unnest($names::varchar[]))",
        params={"names": _VIEWS},
    ).fetchall()
    if not rows[0][0] or views[0][0] < len(_VIEWS):
        raise PapertrendsError(
            f"{warehouse}: no similar papers yet (run `papertrends build` to find them)"
        )
