"""The search index's words: titles and abstracts in, (paper, word) counts out. Pure polars.

Words are cut as :mod:`pipelines.text.keyphrases` cuts the terms: lower case, links dropped, a
hyphen after a prefix joins ("pre-trained" = "pretrained"), every other character that is not a
letter, digit or ``+`` splits ("mixture-of-experts" = "mixture of experts"), and plurals are
folded (:func:`~pipelines.text.keyphrases.fold_plural`). Stop words are left out.

The query side is SQL: the dbt macro ``search_words`` (``dbt/macros/search.sql``) writes the same
rule for DuckDB, so ``marts.search_scores`` reads a query as the index read the papers;
``tests/integration/test_search.py`` checks the two agree, word for word, on the real abstracts.
"""

from __future__ import annotations

import hashlib

import polars as pl

from pipelines.text import keyphrases

RULES = "search-words-v2"
# the layout of search_postings: v2 added doc_id (paper_id as an integer), which the query
# macros group and join by; a new layout writes every row again
LAYOUT = "postings-v2"
WORD = r"[a-z0-9][a-z0-9+]*"
FIELDS = ("title", "abstract")


def version(stopwords: list[str]) -> str:
    """Changes whenever the rules, the layout, the stop words or polars change: the index is
    built again."""
    text = "\n".join([RULES, LAYOUT, pl.__version__, *sorted(stopwords)])
    return hashlib.md5(text.encode()).hexdigest()


def words(text: pl.Expr) -> pl.Expr:
    """The words of each text, in order, plurals not yet folded."""
    return (
        text.fill_null("")
        .str.to_lowercase()
        .str.replace_all(keyphrases.URL, " ")
        .str.replace_all(keyphrases.PREFIX, "${1}${2}")
        .str.extract_all(WORD)
    )


def postings(papers: pl.DataFrame, stopwords: list[str]) -> pl.DataFrame:
    """One row per (paper_id, word) of ``papers`` (columns paper_id, title, abstract): the
    word's count in the title (``title_tf``) and in the abstract (``abstract_tf``), and the
    paper's title and abstract lengths in words (``title_words``, ``abstract_words``, stop words
    left out), which BM25 normalises by."""
    cut = pl.concat(
        [
            papers.select("paper_id", words(pl.col(field)).alias("word"))
            .explode("word")
            .drop_nulls("word")
            .with_columns(in_title=pl.lit(field == "title"))
            for field in FIELDS
        ]
    )
    return (
        cut.with_columns(keyphrases.fold_plural(pl.col("word")).alias("word"))
        .filter(~pl.col("word").is_in(stopwords))
        .group_by("paper_id", "word")
        .agg(
            title_tf=pl.col("in_title").sum().cast(pl.Int32),
            abstract_tf=(~pl.col("in_title")).sum().cast(pl.Int32),
        )
        .with_columns(
            title_words=pl.col("title_tf").sum().over("paper_id").cast(pl.Int32),
            abstract_words=pl.col("abstract_tf").sum().over("paper_id").cast(pl.Int32),
        )
    )
