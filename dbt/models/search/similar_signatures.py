"""What marts.similar_papers compares papers by (README "Similar papers", pipelines.text.similar):
one row per indexed paper with its unit content-word vector (``words``, ``weights``), the vector's
length before scaling (``norm``, for marts.similar_to_text) and its random projection
(``projection``, var similar_dimensions figures) that finds the candidates.

Every figure depends on the paper alone, so a paper is signed once. Incremental (delete+insert on
paper_id): only the papers search_postings wrote since this table's last build are signed again,
every paper when the rules (dimensions, title weight, background words) change; papers no longer
indexed are deleted (the post-hook, in the YAML). The postings are read in slices of papers
(hash of paper_id), so memory stays bounded however large the archive.
"""

import hashlib
import math
from datetime import UTC, datetime

import polars as pl
import pyarrow as pa

from pipelines.text import similar
from pipelines.warehouse.watermark import current_watermark

_ROWS_PER_SLICE = 4_000_000


def model(dbt, session):
    # materialized incremental, delete+insert on paper_id: the YAML config
    dims = int(dbt.config.get("dimensions"))
    title_weight = float(dbt.config.get("title_weight"))
    boilerplate = dbt.ref("term_boilerplate")
    background = sorted(boilerplate.pl()["word"].to_list())
    rules = hashlib.sha256(
        f"dims={dims};title={title_weight};background={','.join(background)}".encode()
    ).hexdigest()[:16]
    signed_at = datetime.now(UTC).replace(tzinfo=None)
    schema = pa.schema(
        [
            ("paper_id", pa.string()),
            ("words", pa.list_(pa.string())),
            ("weights", pa.list_(pa.float32())),
            ("norm", pa.float64()),
            ("projection", pa.list_(pa.float32(), dims)),
            ("rules_version", pa.string()),
            ("indexed_at", pa.timestamp("us")),
            ("signed_at", pa.timestamp("us")),
        ]
    )

    postings = dbt.ref("search_postings")
    watermark = (
        current_watermark(session, dbt.this, "indexed_at", "rules_version", rules)
        if dbt.is_incremental
        else None
    )
    where = "true" if watermark is None else f"indexed_at > '{watermark}'::timestamp"
    todo = f"select paper_id, word, title_tf, abstract_tf, indexed_at from ({postings.sql_query()})"
    (n_rows,) = session.execute(f"select count(*) from ({todo}) where {where}").fetchall()[0]
    slices = max(1, math.ceil(n_rows / _ROWS_PER_SLICE))
    reading = session.cursor()

    def batches():
        for part in range(slices):
            frame = reading.sql(
                f"select * from ({todo}) where {where} and hash(paper_id) % {slices} = {part}"
            ).pl()
            if frame.height == 0:
                continue
            signed = similar.vectors(frame, background, title_weight).join(
                frame.group_by("paper_id").agg(pl.col("indexed_at").max()), on="paper_id"
            )
            table = (
                signed.with_columns(
                    projection=pl.Series(similar.projections(signed, dims)),
                    rules_version=pl.lit(rules),
                    signed_at=pl.lit(signed_at, dtype=pl.Datetime("us")),
                )
                .select(schema.names)
                .to_arrow()
                .cast(schema)
            )
            yield from table.to_batches()

    session.register(
        "similar_signature_batches", pa.RecordBatchReader.from_batches(schema, batches())
    )
    return session.sql("select * from similar_signature_batches")
