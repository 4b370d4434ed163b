"""The search index's postings: one row per (paper, word) of the paper's latest title and abstract,
with the word's count in each (pipelines.text.search: the terms' cutting and plural folding, stop
words left out), cut by polars in batches of papers streamed into DuckDB, so memory stays bounded
however large the archive (the same in SQL ran out of memory at 10,000 dumps under the 1 GB cap).

Incremental (delete+insert on paper_id): only the papers whose text int_papers__deduped wrote
since this table's last build are cut again, every paper when the rules, the stop words or polars
changed (index_version); papers no longer listed are deleted (the post-hook, in the YAML).
"""

from datetime import UTC, datetime

import polars as pl
import pyarrow as pa

from pipelines.text import search
from pipelines.warehouse.watermark import current_watermark

SCHEMA = pa.schema(
    [
        ("paper_id", pa.string()),
        ("word", pa.string()),
        ("title_tf", pa.int32()),
        ("abstract_tf", pa.int32()),
        ("title_words", pa.int32()),
        ("abstract_words", pa.int32()),
        ("index_version", pa.string()),
        ("indexed_at", pa.timestamp("us")),
    ]
)


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        unique_key="paper_id",
        incremental_strategy="delete+insert",
        on_schema_change="sync_all_columns",
    )
    batch_size = int(dbt.config.get("batch_papers"))
    indexed_at = datetime.now(UTC).replace(tzinfo=None)
    stopword_seed = dbt.ref("stopwords")
    stopwords = stopword_seed.pl()["word"].to_list()
    version = search.version(stopwords)

    papers = dbt.ref("int_papers__deduped")
    watermark = (
        current_watermark(session, dbt.this, "indexed_at", "index_version", version)
        if dbt.is_incremental
        else None
    )
    if watermark is not None:
        papers = papers.filter(f"text_updated_at > '{watermark}'::timestamp")
    elif dbt.is_incremental:
        # every paper is cut again (new rules, stop words, layout or polars): empty the index
        # first, since the delete of delete+insert would otherwise build a hash table of every
        # new posting, which runs out of memory on a large archive under the memory cap
        session.execute(f"delete from {dbt.this}")
    todo = papers.select("paper_id, title, abstract")

    # read through a cursor of its own: the connection itself runs the sort that consumes them
    reading = session.cursor()

    def batches():
        for batch in reading.sql(todo.sql_query()).to_arrow_reader(batch_size):
            frame = pl.from_arrow(batch)
            if frame.height == 0:
                continue
            table = (
                search.postings(frame, stopwords)
                .with_columns(
                    index_version=pl.lit(version),
                    indexed_at=pl.lit(indexed_at, dtype=pl.Datetime("us")),
                )
                .to_arrow()
                .cast(SCHEMA)
            )
            yield from table.to_batches()

    # the rows go in sorted by word: a query's join on its few words then reads only the row
    # groups holding them (DuckDB pushes the join's keys down as a filter on the zone maps). A
    # build's rows are sorted among themselves; rows appended by later builds form a small
    # unsorted tail until a full build sorts all again. Insertion order is kept for this model's
    # write (the profile turns it off); the post-hook turns it off again.
    # doc_id is paper_id (16 hex digits) read as the 64-bit integer it writes: the query macros
    # group and join by it, which costs a fraction of doing so by a string.
    session.register(
        "search_postings_batches", pa.RecordBatchReader.from_batches(SCHEMA, batches())
    )
    session.execute("set preserve_insertion_order = true")
    return session.sql(
        "select *, ('0x' || paper_id)::ubigint as doc_id from search_postings_batches"
        " order by word, doc_id"
    )
