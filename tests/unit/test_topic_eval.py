"""The topic evaluator (`papertrends topics evaluate`): its figures on a fixture with known
answers, one-line errors for bad labels files, and the hand-labelled sets it reads."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.dumps.identity import paper_id_of
from pipelines.errors import PapertrendsError
from pipelines.quality.topic_eval import evaluate, read_labels
from tests.conftest import labels_file
from tests.dumpkit import LABELS, PROJECT

TOPIC_LABELS = LABELS / "topics.csv"
COMPOSED = LABELS / "composed"
TAXONOMY = PROJECT / "dbt" / "seeds" / "topic_taxonomy.csv"


# --- the evaluator on a fixture with known answers -------------------------------------------


def test_evaluator_figures_on_a_fixture_with_known_answers(tmp_path):
    labels = read_labels(
        labels_file(
            tmp_path,
            [
                ("Paper A", "x;y", "dev"),  # predicted x, z: 1 right of 2, 1 of 2 found
                ("Paper B", "y", "dev"),  # predicted y: right, primary right
                ("paper  c", "z", "test"),  # predicted other: nothing right, not covered
                ("Paper D", "x", "test"),  # not in the warehouse: reported
            ],
        )
    )
    ids = {t: paper_id_of(t) for t in ("Paper A", "Paper B", "Paper C")}
    predicted = pl.DataFrame(
        {
            "paper_id": [ids["Paper A"], ids["Paper A"], ids["Paper B"], ids["Paper C"]],
            "topic": ["x", "z", "y", "other"],
        }
    )
    primary = pl.DataFrame(
        {
            "paper_id": [ids["Paper A"], ids["Paper B"], ids["Paper C"]],
            "primary_topic": ["z", "y", "other"],
        }
    )
    result = evaluate(labels, predicted, primary)

    everything = result.figures_of("all")
    assert everything.n_papers == 3
    # pairs: assigned (A,x) (A,z) (B,y) (C,other); labelled (A,x) (A,y) (B,y) (C,z)
    assert everything.precision == pytest.approx(2 / 4)
    assert everything.recall == pytest.approx(2 / 4)
    assert everything.f1 == pytest.approx(0.5)
    assert everything.primary_accuracy == pytest.approx(1 / 3)
    assert everything.coverage == pytest.approx(2 / 3)
    dev, test = result.figures_of("dev"), result.figures_of("test")
    assert (dev.n_papers, dev.precision, dev.recall) == (
        2,
        pytest.approx(2 / 3),
        pytest.approx(2 / 3),
    )
    assert (test.n_papers, test.precision, test.recall, test.coverage) == (1, 0.0, 0.0, 0.0)
    assert result.unmatched_titles == ["Paper D"]

    per_topic = {row["topic"]: row for row in result.per_topic.iter_rows(named=True)}
    assert (per_topic["x"]["labelled"], per_topic["x"]["assigned"], per_topic["x"]["correct"]) == (
        1,
        1,
        1,
    )
    assert (per_topic["y"]["labelled"], per_topic["y"]["correct"]) == (2, 1)
    assert per_topic["z"]["precision"] == 0.0
    confusions = {
        (r["labelled"], r["assigned"]): r for r in result.confusions.iter_rows(named=True)
    }
    assert set(confusions) == {("x", "z"), ("z", "other")}
    assert confusions[("x", "z")]["examples"] == ["Paper A"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title,topics\nA,\n", "no topics for 'A'"),
        ("title,topics\nA,a;b;c;d;e\n", "more than 4 topics"),
        ("title,topics\nA,x\na,x\n", "labelled twice"),
        ("name,topics\nA,x\n", "missing: title"),
        ("title,topics\nA,nonsense\n", "unknown topic 'nonsense'"),
    ],
)
def test_bad_labels_files_give_one_line_naming_the_file(tmp_path, content, message):
    path = tmp_path / "labels.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PapertrendsError) as err:
        read_labels(path, known_topics={"x", "a", "b", "c", "d", "e"})
    assert message in str(err.value)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_the_labels_are_complete_and_use_taxonomy_topics():
    topics = set(pl.read_csv(TAXONOMY)["topic"]) | {"other"}
    labels = read_labels(TOPIC_LABELS, known_topics=topics)
    assert labels.height == 217
    assert labels.filter(pl.col("split") == "test").height == 67
    # the split is the documented rule on paper_id, not a hand-picked set
    expected = labels["paper_id"].map_elements(
        lambda pid: "test" if int(pid[:4], 16) % 3 == 0 else "dev", return_dtype=pl.String
    )
    assert labels["split"].to_list() == expected.to_list()
    assert (
        labels.filter(
            pl.col("labels").list.contains("other") & (pl.col("labels").list.len() > 1)
        ).height
        == 0
    )


def test_the_composed_labels_are_complete_and_split_by_the_same_rule():
    topics = set(pl.read_csv(TAXONOMY)["topic"]) | {"other"}
    labels = read_labels(COMPOSED / "labels.csv", known_topics=topics)
    assert labels.height == 400
    expected = labels["paper_id"].map_elements(
        lambda pid: "test" if int(pid[:4], 16) % 3 == 0 else "dev", return_dtype=pl.String
    )
    assert labels["split"].to_list() == expected.to_list()
    assert labels.filter(pl.col("split") == "test").height == 143
