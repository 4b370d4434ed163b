"""Measure the topic matcher against hand labels: ``papertrends topics evaluate``.

The labels are a CSV of ``title, topics[, split]``: ``topics`` holds 1 to 4 topic ids separated by
``;``, the first being the primary topic. Titles are matched to warehouse papers by ``paper_id``
(the same title normalisation as the loader), so a re-cased or re-spaced title still matches;
labelled titles with no paper in the warehouse are reported, never silently dropped.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from pipelines.dumps.identity import paper_ids, title_keys
from pipelines.errors import PapertrendsError

OTHER = "other"
MAX_LABELS = 4


@dataclass(frozen=True)
class Figures:
    """The headline figures of one split: micro precision/recall/F1 of (paper, topic) pairs,
    primary-topic accuracy and coverage (share of papers given a topic other than ``other``)."""

    split: str
    n_papers: int
    precision: float
    recall: float
    f1: float
    primary_accuracy: float
    coverage: float


@dataclass(frozen=True)
class Evaluation:
    """Figures per split, the per-topic table, the worst confusions and the unmatched titles."""

    figures: list[Figures]
    per_topic: pl.DataFrame
    confusions: pl.DataFrame
    unmatched_titles: list[str] = field(default_factory=list)

    def figures_of(self, split: str) -> Figures:
        """The figures of ``split`` (``all`` for every labelled paper)."""
        for figures in self.figures:
            if figures.split == split:
                return figures
        raise KeyError(split)


def read_labels(path: Path, known_topics: set[str] | None = None) -> pl.DataFrame:
    """The labels file as ``paper_id, title, labels (list, primary first), primary, split``.

    Raises ``PapertrendsError`` (one line naming the file and row) on a missing file or column, an
    empty topic list, more than four topics, a topic id not in ``known_topics``, or a title given
    twice.
    """
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = {"title", "topics"} - set(reader.fieldnames or [])
            if missing:
                raise PapertrendsError(
                    f"{path}: labels need the columns title and topics (missing: "
                    f"{', '.join(sorted(missing))})"
                )
            rows = list(reader)
    except OSError as err:
        raise PapertrendsError(f"{path}: cannot read the labels ({err.strerror})") from err
    except UnicodeDecodeError as err:
        raise PapertrendsError(f"{path}: the labels are not UTF-8 text") from err

    titles, labels, splits = [], [], []
    for line_no, row in enumerate(rows, start=2):
        title = (row.get("title") or "").strip()
        topics = [t.strip() for t in (row.get("topics") or "").split(";") if t.strip()]
        if not title:
            raise PapertrendsError(f"{path}:{line_no}: empty title")
        if not topics:
            raise PapertrendsError(f"{path}:{line_no}: no topics for {title!r}")
        if len(topics) > MAX_LABELS:
            raise PapertrendsError(f"{path}:{line_no}: more than {MAX_LABELS} topics for {title!r}")
        unknown = [t for t in topics if known_topics is not None and t not in known_topics]
        if unknown:
            raise PapertrendsError(f"{path}:{line_no}: unknown topic {unknown[0]!r}")
        titles.append(title)
        labels.append(list(dict.fromkeys(topics)))
        splits.append((row.get("split") or "").strip() or "all")

    frame = pl.DataFrame(
        {"title": titles, "labels": labels, "split": splits},
        schema={"title": pl.String, "labels": pl.List(pl.String), "split": pl.String},
    )
    frame = frame.with_columns(
        paper_id=paper_ids(title_keys(frame["title"])), primary=pl.col("labels").list.first()
    )
    twice = frame.filter(pl.col("paper_id").is_duplicated())
    if twice.height:
        raise PapertrendsError(f"{path}: the title {twice['title'][0]!r} is labelled twice")
    return frame.select("paper_id", "title", "labels", "primary", "split")


def evaluate_warehouse(warehouse: Path, labels_path: Path, split: str | None = None) -> Evaluation:
    """Read the labels and the warehouse's ``marts.paper_topics`` and ``marts.papers`` (read-only)
    and compare them; ``split`` keeps only the labels of that split (``dev`` while editing the
    taxonomy, so the test split's titles stay unseen)."""
    from pipelines.warehouse.connection import READER_WAIT_SECONDS, reader

    with reader(warehouse, wait_seconds=READER_WAIT_SECONDS) as con:
        try:
            topics = {row[0] for row in con.execute("select topic from marts.topics").fetchall()}
            predicted = con.sql("select paper_id, topic from marts.paper_topics").pl()
            primary = con.sql("select paper_id, primary_topic from marts.papers").pl()
            # a label may name any title of a retitled paper: it labels that paper
            titles = con.sql("select title_id, paper_id from marts.paper_titles").pl()
        except duckdb.CatalogException as err:  # the marts are not built yet
            raise PapertrendsError(
                f"{warehouse}: no topic marts to evaluate (run papertrends build first)"
            ) from err
    labels = read_labels(labels_path, topics)
    labels = (
        labels.join(titles, left_on="paper_id", right_on="title_id", how="left", suffix="_paper")
        .with_columns(paper_id=pl.coalesce("paper_id_paper", "paper_id"))
        .drop("paper_id_paper")
    )
    twice = labels.filter(pl.col("paper_id").is_duplicated())
    if twice.height:
        raise PapertrendsError(
            f"{labels_path}: the titles {' and '.join(map(repr, twice['title']))} are one "
            "(retitled) paper: label it once"
        )
    if split is not None:
        splits = set(labels["split"].unique().to_list())
        if split not in splits:
            raise PapertrendsError(
                f"{labels_path}: no split {split!r} (the labels have: {', '.join(sorted(splits))})"
            )
        labels = labels.filter(pl.col("split") == split)
    return evaluate(labels, predicted, primary)


def evaluate(
    labels: pl.DataFrame, predicted: pl.DataFrame, primary: pl.DataFrame, n_examples: int = 2
) -> Evaluation:
    """Compare ``labels`` (from ``read_labels``) with the matcher's output.

    ``predicted``: one row per (``paper_id``, ``topic``) the matcher assigned (``other`` for a
    paper it gave no topic); ``primary``: ``paper_id, primary_topic`` for every warehouse paper.
    """
    known = primary.select("paper_id").unique()
    matched = labels.join(known, on="paper_id", how="semi")
    unmatched = labels.join(known, on="paper_id", how="anti")["title"].to_list()

    predictions = (
        predicted.group_by("paper_id")
        .agg(predicted=pl.col("topic").unique().sort())
        .join(primary.select("paper_id", "primary_topic"), on="paper_id", how="left")
    )
    joined = matched.join(predictions, on="paper_id", how="left").with_columns(
        pl.col("predicted").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )
    # every (paper, topic) pair named by either side, with whether each side names it
    gold_pairs = joined.select("paper_id", "split", topic=pl.col("labels")).explode("topic")
    pred_pairs = joined.select("paper_id", "split", topic=pl.col("predicted")).explode("topic")
    pairs = (
        gold_pairs.with_columns(gold=pl.lit(True))
        .join(
            pred_pairs.drop_nulls("topic").with_columns(pred=pl.lit(True)),
            on=["paper_id", "split", "topic"],
            how="full",
            coalesce=True,
        )
        .with_columns(pl.col("gold", "pred").fill_null(False))
    )

    splits = sorted(joined["split"].unique().to_list())
    figures = [
        _figures(s, joined.filter(pl.col("split") == s), pairs.filter(pl.col("split") == s))
        for s in splits
    ]
    if len(splits) > 1:
        figures.append(_figures("all", joined, pairs))

    per_topic = (
        pairs.group_by("topic")
        .agg(
            labelled=pl.col("gold").sum(),
            assigned=pl.col("pred").sum(),
            correct=(pl.col("gold") & pl.col("pred")).sum(),
        )
        .with_columns(
            precision=pl.col("correct") / pl.col("assigned"),
            recall=pl.col("correct") / pl.col("labelled"),
        )
        .with_columns(
            f1=2 * pl.col("precision") * pl.col("recall") / (pl.col("precision") + pl.col("recall"))
        )
        .sort(["labelled", "topic"], descending=[True, False])
    )

    confusions = (
        joined.filter(pl.col("primary") != pl.col("primary_topic").fill_null(OTHER))
        .group_by(labelled="primary", assigned=pl.col("primary_topic").fill_null(OTHER))
        .agg(n_papers=pl.len(), examples=pl.col("title").sort().head(n_examples))
        .sort(["n_papers", "labelled", "assigned"], descending=[True, False, False])
    )
    return Evaluation(figures, per_topic, confusions, unmatched)


def _figures(split: str, papers: pl.DataFrame, pairs: pl.DataFrame) -> Figures:
    correct = pairs.filter(pl.col("gold") & pl.col("pred")).height
    assigned = pairs.filter(pl.col("pred")).height
    labelled = pairs.filter(pl.col("gold")).height
    precision = correct / assigned if assigned else 0.0
    recall = correct / labelled if labelled else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n = papers.height
    primary_right = papers.filter(pl.col("primary") == pl.col("primary_topic")).height
    covered = papers.filter(pl.col("predicted").list.eval(pl.element() != OTHER).list.any()).height
    return Figures(
        split=split,
        n_papers=n,
        precision=precision,
        recall=recall,
        f1=f1,
        primary_accuracy=primary_right / n if n else 0.0,
        coverage=covered / n if n else 0.0,
    )


def format_evaluation(evaluation: Evaluation, n_confusions: int = 10) -> str:
    """The evaluation as plain text: figures per split, per-topic table, confusions, unmatched."""
    lines = [
        "| split | papers | precision | recall | F1 | primary accuracy | coverage |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for f in evaluation.figures:
        lines.append(
            f"| {f.split} | {f.n_papers} | {f.precision:.3f} | {f.recall:.3f} | {f.f1:.3f} "
            f"| {f.primary_accuracy:.3f} | {f.coverage:.3f} |"
        )
    lines += [
        "",
        "Per topic (all labelled papers):",
        "",
        "| topic | labelled | assigned | correct | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in evaluation.per_topic.iter_rows(named=True):
        lines.append(
            f"| {row['topic']} | {row['labelled']} | {row['assigned']} | {row['correct']} "
            f"| {_ratio(row['precision'])} | {_ratio(row['recall'])} | {_ratio(row['f1'])} |"
        )
    lines += ["", "Worst primary-topic confusions (labelled -> assigned):", ""]
    if evaluation.confusions.height == 0:
        lines.append("(none)")
    for row in evaluation.confusions.head(n_confusions).iter_rows(named=True):
        examples = "; ".join(_short(t) for t in row["examples"])
        lines.append(
            f"- {row['labelled']} -> {row['assigned']}: {row['n_papers']} paper(s), e.g. {examples}"
        )
    lines += ["", f"Labelled titles not in the warehouse: {len(evaluation.unmatched_titles)}"]
    lines += [f"- {_short(t)}" for t in evaluation.unmatched_titles]
    return "\n".join(lines)


def _ratio(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.2f}"


def _short(title: str, width: int = 70) -> str:
    return title if len(title) <= width else title[: width - 1] + "…"
