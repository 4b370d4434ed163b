"""For each paper its var similar_per_paper nearest papers (README "Similar papers",
pipelines.text.similar): ranked by the exact cosine of their content-word vectors
(search.similar_signatures), at least var similar_min_score; against every paper when that is
affordable, otherwise (a full build of a large archive) against the papers of the var
similar_probes clusters of projections nearest the paper's own.

Incremental (delete+insert on paper_id): a build scores again only the papers
signed since its last build (new, or with a new text) and for the papers whose list held one of
those or a paper that is gone; each scored pair also enters the other paper's kept list when it
beats that list's last entry. A full build scores every paper. The post-hooks (YAML)
delete the rows of papers gone and the pairs scored before either paper's latest signature.
"""

from datetime import UTC, datetime

import numpy as np
import polars as pl

from pipelines.text import similar
from pipelines.warehouse.watermark import current_watermark

SCHEMA = {
    "paper_id": pl.String,
    "rank": pl.Int64,
    "similar_paper_id": pl.String,
    "score": pl.Float64,
    "rules_version": pl.String,
    "scored_at": pl.Datetime("us"),
}


def model(dbt, session):
    # materialized incremental, delete+insert on paper_id: the YAML config
    per_paper = int(dbt.config.get("per_paper"))
    min_score = float(dbt.config.get("min_score"))
    probes = int(dbt.config.get("probes"))
    rules = f"n={per_paper};min={min_score};probes={probes}"
    scored_at = datetime.now(UTC).replace(tzinfo=None)
    signatures = dbt.ref("similar_signatures")

    known, watermark = None, None
    if dbt.is_incremental:
        watermark = current_watermark(session, dbt.this, "scored_at", "rules_version", rules)
        if watermark is not None:
            known = session.sql(f"select paper_id, similar_paper_id, score from {dbt.this}").pl()
    if watermark is not None and not _has_work(session, signatures, dbt.this, watermark):
        # nothing signed since, nothing gone: no need to read 500,000 vectors
        return pl.DataFrame(schema=SCHEMA)
    signed = session.sql(
        f"select paper_id, words, weights, signed_at "
        f"from ({signatures.sql_query()}) order by paper_id"
    ).pl()
    ids = signed["paper_id"]
    if watermark is None:
        todo = np.arange(len(ids))
    else:
        changed = signed.filter(pl.col("signed_at") > watermark)["paper_id"]
        gone = pl.concat([known["paper_id"], known["similar_paper_id"]]).unique()
        gone = gone.filter(~gone.is_in(ids.implode()))
        touched = known.filter(pl.col("similar_paper_id").is_in(pl.concat([changed, gone])))
        todo_ids = pl.concat([changed, touched["paper_id"]]).unique()
        todo = np.flatnonzero(ids.is_in(todo_ids.implode()).to_numpy())

    vectors = similar.matrix(signed)
    entering = None
    if similar.is_exact_affordable(vectors, len(todo)):
        floors = None if known is None else _floors(known, ids, todo, per_paper, min_score)
        (left, right, scores), entered = similar.exact_pairs(vectors, todo, per_paper, floors)
        if floors is not None:
            entering = _pairs(ids, *entered)
    else:
        projection = session.sql(
            f"select projection from ({signatures.sql_query()}) order by paper_id"
        ).pl()["projection"]
        projected = np.ascontiguousarray(projection.to_numpy(), dtype=np.float32)
        left, right, scores = similar.clustered_pairs(vectors, projected, todo, per_paper, probes)
    pairs = _pairs(ids, left, right, scores)
    lists = similar.ranked(pairs, per_paper, min_score)
    if known is not None:
        if entering is None:  # the pairs both ways: a score is symmetric
            entering = pairs.select(
                paper_id="similar_paper_id", similar_paper_id="paper_id", score="score"
            )
        lists = pl.concat(
            [lists, _entered(known, entering, ids.gather(todo), per_paper, min_score)]
        )
    return lists.with_columns(
        rules_version=pl.lit(rules), scored_at=pl.lit(scored_at, dtype=pl.Datetime("us"))
    ).cast(SCHEMA)


def _has_work(session, signatures, this, watermark) -> bool:
    """Whether a paper was signed after ``watermark`` or a listed paper is gone."""
    signed = signatures.sql_query()
    (changed,) = session.execute(
        f"select count(*) from ({signed}) where signed_at > '{watermark}'::timestamp"
    ).fetchall()[0]
    if changed:
        return True
    (gone,) = session.execute(
        f"select count(*) from {this} as known "
        f"where not exists (select 1 from ({signed}) as s where s.paper_id = known.paper_id) "
        f"or not exists (select 1 from ({signed}) as s where s.paper_id = known.similar_paper_id)"
    ).fetchall()[0]
    return bool(gone)


def _pairs(ids, left, right, scores) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "paper_id": ids.gather(left),
            "similar_paper_id": ids.gather(right),
            "score": np.asarray(scores, dtype=np.float64),
        }
    )


def _floors(known, ids, todo, per_paper, min_score) -> np.ndarray:
    """The score a paper's kept list must be beaten by to change: its last entry's when full,
    the minimum score otherwise; none (inf) for the papers listed again in full."""
    last = known.group_by("paper_id").agg(
        floor=pl.when(pl.len() >= per_paper).then(pl.col("score").min()).otherwise(min_score)
    )
    floors = (
        pl.DataFrame({"paper_id": ids})
        .join(last, on="paper_id", how="left")["floor"]
        .fill_null(min_score)
        .to_numpy()
        .astype(np.float64)
    )
    floors[todo] = np.inf
    return floors


def _entered(known, entering, redone, per_paper, min_score) -> pl.DataFrame:
    """The kept lists the ``entering`` pairs (paper_id's list gains similar_paper_id) enter,
    merged with them, for the papers not listed again in full (``redone``)."""
    reverse = entering.filter(
        ~pl.col("paper_id").is_in(redone.implode()) & (pl.col("score") >= min_score)
    )
    kept = known.filter(pl.col("paper_id").is_in(reverse["paper_id"].unique().implode()))
    merged = similar.ranked(pl.concat([kept, reverse]), per_paper, min_score)
    # only the lists that changed are written again
    before = similar.ranked(kept, per_paper, min_score)
    changed = merged.join(before, on=["paper_id", "rank", "similar_paper_id", "score"], how="anti")
    return merged.filter(pl.col("paper_id").is_in(changed["paper_id"].unique().implode()))
