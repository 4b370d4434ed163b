"""Search the warehouse's papers: ``papertrends search``.

The index and the scoring live in dbt (``dbt/models/search``, ``dbt/macros/search.sql``): the
tables ``search.search_postings``, ``search_documents``, ``search_terms``, ``search_stats`` and
the macros ``marts.search_scores(query)`` (BM25F over titles and abstracts),
``marts.search_best(query, ...)`` (the best n of them, found without scoring every paper that holds
a common word) and ``marts.search_best_papers(query, ...)`` (those ranked, with their papers'
columns) that the build creates in the warehouse. This module only asks ``search_best_papers``,
with the query and the filters as bound parameters, on a read-only connection, and asks again with more
of the query's words when the macro cannot yet be sure of its best.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import PapertrendsError
from pipelines.warehouse.connection import READER_WAIT_SECONDS, reader

COLUMNS = ("rank", "score", "title", "primary_topic", "first_seen", "last_seen", "code_url")

# the best $limit papers of the macro, ranked with their columns (scored with $essential of the
# query's rarest words; is_complete says whether they are certainly the best)
_SEARCH = "select * replace (round(score, 3) as score) from marts.{best}"

_SCHEMA = {
    "rank": pl.Int64,
    "score": pl.Float64,
    "title": pl.String,
    "primary_topic": pl.String,
    "first_seen": pl.Date,
    "last_seen": pl.Date,
    "code_url": pl.String,
    "paper_id": pl.String,
    "is_complete": pl.Boolean,
}

# a query of more words than this is scored with all of them at once
_MOST_ESSENTIAL = 4
_ALL = 2**31 - 1


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
        if topic is not None and not _is_topic(con, topic):
            raise PapertrendsError(
                f'unknown topic {topic!r} (see `papertrends sql "select topic from marts.topics"`)'
            )
        # MaxScore: score the candidates of the rarest word first; only when a paper without it
        # could still be among the best, ask again with the next rarest word too
        # (none found: the rarer words are in no paper that passes, so score all words at once)
        essential = 1
        while True:
            found = _ask(con, warehouse, query, limit, essential, topic, since)
            if essential == _ALL or (found.height and found["is_complete"].all()):
                return found.drop("is_complete")
            essential = essential + 1 if found.height and essential < _MOST_ESSENTIAL else _ALL


def _ask(con, warehouse, query, limit, essential, topic, since) -> pl.DataFrame:
    try:
        # (execute and rows, not con.sql: a relation is planned again, which costs every ask)
        params = {"query": query, "limit": limit, "essential": essential}
        if topic is None and since is None:
            best = "search_best_papers($query, n := $limit, essential := $essential)"
        else:
            best = (
                "search_best_papers_among($query, $topic, $since, n := $limit, "
                "essential := $essential)"
            )
            params |= {"topic": topic, "since": since}
        rows = con.execute(_SEARCH.format(best=best), params).fetchall()
        return pl.DataFrame(rows, schema=_SCHEMA, orient="row")
    except duckdb.CatalogException as err:
        if "search_best" in str(err) or "search.search_" in str(err):
            raise PapertrendsError(
                f"{warehouse}: no search index yet (run `papertrends build` to make one)"
            ) from err
        raise PapertrendsError(f"search failed: {str(err).strip().splitlines()[0]}") from err
    except duckdb.Error as err:
        first = str(err).strip().splitlines()[0]
        raise PapertrendsError(f"search failed: {first}") from err


def _is_topic(con: duckdb.DuckDBPyConnection, topic: str) -> bool:
    rows = con.sql("select count(*) from marts.topics where topic = $1", params=[topic]).fetchall()
    return bool(rows[0][0])
