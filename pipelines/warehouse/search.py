"""Search the warehouse's papers: ``papertrends search``.

The index and the scoring live in dbt (``dbt/models/search``, ``dbt/macros/search.sql``): the
tables ``search.search_postings``, ``search_documents``, ``search_terms``, ``search_stats`` and
the macro ``marts.search_scores(query)`` (BM25F over titles and abstracts) that the build creates
in the warehouse. This module only asks the macro, with the query and the filters as bound
parameters, on a read-only connection.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import PapertrendsError
from pipelines.warehouse.connection import READER_WAIT_SECONDS, reader

COLUMNS = ("rank", "score", "title", "primary_topic", "first_seen", "last_seen", "code_url")

# the macro's scores, the filters as parameters ($topic, $since: null for none), the best $limit
_SEARCH = """
with kept as (
    select paper_id, score
    from marts.search_scores($query)
    where ($since is null or paper_id in (select paper_id from marts.papers where last_seen >= $since))
        and (
            $topic is null
            or paper_id in (select paper_id from marts.paper_topics where topic = $topic)
        )
),

-- the best first, then their papers' columns (joining every match read all the titles)
best as (
    select * from kept order by score desc, paper_id limit $limit
)

select
    row_number() over (order by best.score desc, best.paper_id) as rank,
    round(best.score, 3) as score,
    papers.title,
    papers.primary_topic,
    papers.first_seen,
    papers.last_seen,
    papers.code_url,
    papers.paper_id
from best
inner join marts.papers as papers on best.paper_id = papers.paper_id
order by rank
"""


def search(
    warehouse: Path,
    query: str,
    limit: int = 10,
    topic: str | None = None,
    since: dt.date | None = None,
) -> pl.DataFrame:
    """The best ``limit`` papers for ``query`` (rank 1 first), among those assigned ``topic``
    and last listed on or after ``since`` when given; columns ``COLUMNS`` and ``paper_id``."""
    if limit < 1:
        raise PapertrendsError(f"--limit must be 1 or more, not {limit}")
    with reader(warehouse, wait_seconds=READER_WAIT_SECONDS) as con:
        if not _has_index(con):
            raise PapertrendsError(
                f"{warehouse}: no search index yet (run `papertrends build` to make one)"
            )
        if topic is not None and not _is_topic(con, topic):
            raise PapertrendsError(
                f'unknown topic {topic!r} (see `papertrends sql "select topic from marts.topics"`)'
            )
        try:
            return con.sql(
                _SEARCH,
                params={"query": query, "limit": limit, "topic": topic, "since": since},
            ).pl()
        except duckdb.Error as err:
            first = str(err).strip().splitlines()[0]
            raise PapertrendsError(f"search failed: {first}") from err


def _has_index(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.sql(
        "select count(*) from duckdb_functions() "
        "where schema_name = 'marts' and function_name = 'search_scores'"
    ).fetchall()
    return bool(rows[0][0])


def _is_topic(con: duckdb.DuckDBPyConnection, topic: str) -> bool:
    rows = con.sql("select count(*) from marts.topics where topic = $1", params=[topic]).fetchall()
    return bool(rows[0][0])
