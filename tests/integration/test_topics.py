"""The topic matcher and its evaluator: known answers, the matcher's edge cases, the label targets."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.quality.topic_eval import evaluate_warehouse
from tests.conftest import isolated_env, labels_file
from tests.dumpkit import LABELS, PROJECT, SHARED_DUMPS, compose_dump, write_dump

BIN = Path(sys.executable).parent
TOPIC_LABELS = LABELS / "topics.csv"
# 400 papers written and labelled by us (tests/labels/composed/README.md): a second, larger set
COMPOSED = LABELS / "composed"
TAXONOMY = PROJECT / "dbt" / "seeds" / "topic_taxonomy.csv"
MTIME = dt.datetime(2026, 3, 10, tzinfo=dt.UTC).timestamp()
needs_shared = pytest.mark.skipif(not SHARED_DUMPS.is_dir(), reason="../shared/dumps is absent")


# --- the matcher's edge cases, on dumps composed here ----------------------------------------

FILLER = (
    "Results on several datasets show consistent improvements over strong baselines, and the "
    "analysis explains where the gains come from. "
)
EDGE_PAPERS = {
    # generic words only: LLM, transformer, fine-tuning, efficient, benchmark
    "generic": (
        "Making Large Language Models Better",
        "Large language models built on the transformer are fine-tuned for many uses. We make "
        "the fine-tuning of LLMs more efficient and report results on a benchmark. " + FILLER * 3,
    ),
    # "human experts" and "our code is available" are exclusions, not MoE or code generation
    "excluded": (
        "Learning Teapot Colours from Human Experts",
        "We collect teapot colour judgements from human experts and domain experts; the human "
        "experts agree. Our code is available at https://github.com/example/teapots. " + FILLER * 3,
    ),
    # one strong term once in the abstract: not enough
    "abstract_once": (
        "On the Colour of Teapots",
        "We study the colour of teapots, and note that a diffusion process may be relevant. "
        + FILLER * 3,
    ),
    # the same term in the title: assigned
    "title": (
        "Diffusion of Teapot Colours",
        "We study the colour of teapots in kitchens across many homes. " + FILLER * 3,
    ),
    # twice in the abstract: assigned
    "abstract_twice": (
        "Teapots Revisited",
        "We train a diffusion model on teapot photos; the diffusion sampler is slow. " + FILLER * 3,
    ),
    # an abstract that proposes nothing and reports a study: an empirical study
    "study": (
        "What Kitchens Tell About Teapots",
        "We investigate how the colour of teapots varies across kitchens and homes. We find "
        "that most teapots are white, and our findings suggest that colour follows the kitchen. "
        + FILLER
        * 3,
    ),
    # the same study cues beside a proposal: a method paper, not a study
    "study_proposing": (
        "A Palette for Teapots",
        "We propose a palette for teapots. We investigate how the colour of teapots varies "
        "across kitchens, and we find that most teapots are white. " + FILLER * 3,
    ),
    # a survey of a subject: the subject first, the facet second
    "survey": (
        "A Survey of Diffusion Models for Teapots",
        "This survey reviews diffusion models for teapot design: diffusion samplers, diffusion "
        "guidance and their uses. " + FILLER * 3,
    ),
    # a second topic recurring three times in the abstract, once in its first sentence: kept
    "lead_secondary": (
        "Quantization for Teapot Renderers",
        "Diffusion models render teapots well but slowly. We apply quantization to the diffusion "
        "sampler, and the diffusion guidance keeps its quality after quantization. " + FILLER * 3,
    ),
    # the same three mentions, none in the first sentence: only the paper's subject is kept
    "no_lead_secondary": (
        "Quantization for Kettle Renderers",
        "Kettle renderers are slow. We apply quantization to the diffusion sampler, and the "
        "diffusion guidance of the diffusion model keeps its quality after quantization. "
        + FILLER
        * 3,
    ),
    # an application domain and the method family it uses, named as often: the domain is the
    # primary topic (var topic_domain_bonus)
    "domain_first": (
        "Mixture-of-Experts Time Series Models for Teapot Sales",
        "Teapot sales are hard to predict. A mixture of experts with a router models each time "
        "series, and each time series is given to two experts. " + FILLER * 3,
    ),
    # "vision" inside "vision-language models" is not a second topic
    "longest_term": (
        "Vision-Language Models for Teapots",
        "Vision-language models describe teapots; a vision-language model names the colour of "
        "each teapot. " + FILLER * 3,
    ),
}


@pytest.fixture(scope="module")
def edge_warehouse(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("edge")
    raw = root / "raw"
    write_dump(raw, "day1.txt", compose_dump(list(EDGE_PAPERS.values()), date="Mar 2"), MTIME)
    env = {**isolated_env(root), "PAPERTRENDS_RAW_DIR": str(raw)}
    result = subprocess.run(
        [str(BIN / "papertrends"), "run"], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return root / "warehouse.duckdb"


def _topics(warehouse: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select p.title, list(t.topic order by t.topic_rank) from marts.papers p "
            "join marts.paper_topics t using (paper_id) group by p.title"
        ).fetchall()
    return dict(rows)


def test_generic_terms_alone_never_assign_a_topic(edge_warehouse):
    assert _topics(edge_warehouse)[EDGE_PAPERS["generic"][0]] == ["other"]


def test_exclusions_are_not_evidence(edge_warehouse):
    assert _topics(edge_warehouse)[EDGE_PAPERS["excluded"][0]] == ["other"]


def test_a_title_term_outweighs_a_single_abstract_mention(edge_warehouse):
    topics = _topics(edge_warehouse)
    assert topics[EDGE_PAPERS["abstract_once"][0]] == ["other"]
    assert topics[EDGE_PAPERS["title"][0]] == ["diffusion_models"]
    assert topics[EDGE_PAPERS["abstract_twice"][0]] == ["diffusion_models"]


def test_a_study_without_a_proposal_is_benchmarks_evaluation(edge_warehouse):
    topics = _topics(edge_warehouse)
    assert topics[EDGE_PAPERS["study"][0]] == ["benchmarks_evaluation"]
    assert topics[EDGE_PAPERS["study_proposing"][0]] == ["other"]


def test_a_facet_ranks_after_the_subject(edge_warehouse):
    topics = _topics(edge_warehouse)
    assert topics[EDGE_PAPERS["survey"][0]] == ["diffusion_models", "benchmarks_evaluation"]


def test_a_second_topic_recurring_in_the_abstract_needs_its_first_sentence(edge_warehouse):
    topics = _topics(edge_warehouse)
    assert sorted(topics[EDGE_PAPERS["lead_secondary"][0]]) == [
        "diffusion_models",
        "quantization_compression",
    ]
    assert topics[EDGE_PAPERS["no_lead_secondary"][0]] == ["quantization_compression"]


def test_an_application_domain_is_primary_over_the_method_it_uses(edge_warehouse):
    # mixture_of_experts has 0.5 more evidence; the domain bonus (1) makes time series primary
    assert _topics(edge_warehouse)[EDGE_PAPERS["domain_first"][0]] == [
        "time_series",
        "mixture_of_experts",
    ]


def test_a_term_inside_a_longer_term_is_not_a_second_topic(edge_warehouse):
    assert _topics(edge_warehouse)[EDGE_PAPERS["longest_term"][0]] == ["multimodal"]


def test_scores_are_confidences_and_each_paper_has_one_primary_topic(edge_warehouse):
    with duckdb.connect(str(edge_warehouse), read_only=True) as con:
        scores = con.execute(
            "select topic, score, evidence, matched_terms from marts.paper_topics"
        ).fetchall()
        primaries = con.execute(
            "select count(*) filter (where is_primary), count(*) from marts.paper_topics "
            "group by paper_id"
        ).fetchall()
    for topic, score, evidence, terms in scores:
        assert 0.0 <= score < 1.0
        if topic == "other":
            assert (score, evidence, terms) == (0.0, 0.0, [])
        else:
            # every assignment is explained: a diffusion term, a study cue, a survey term, ...
            assert score >= 0.5 and terms
            if topic == "diffusion_models":
                assert "diffusion" in terms
    assert all(n_primary == 1 for n_primary, _ in primaries)


def test_topics_evaluate_command_reports_figures_and_unmatched_titles(edge_warehouse, tmp_path):
    labels = labels_file(
        tmp_path,
        [
            (EDGE_PAPERS["title"][0], "diffusion_models", "dev"),
            (EDGE_PAPERS["generic"][0].upper(), "language_model_pretraining", "dev"),
            ("A Paper Nobody Listed", "video", "dev"),
        ],
    )
    result = subprocess.run(
        [
            str(BIN / "papertrends"),
            "topics",
            "evaluate",
            "--labels",
            str(labels),
            "--warehouse",
            str(edge_warehouse),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "| dev | 2 | 0.500 | 0.500 | 0.500 | 0.500 | 0.500 |" in result.stdout
    assert "Labelled titles not in the warehouse: 1" in result.stdout
    assert "A Paper Nobody Listed" in result.stdout
    assert "language_model_pretraining -> other" in result.stdout

    missing = subprocess.run(
        [
            str(BIN / "papertrends"),
            "topics",
            "evaluate",
            "--labels",
            str(tmp_path / "none.csv"),
            "--warehouse",
            str(edge_warehouse),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1
    assert "none.csv: cannot read the labels" in missing.stderr


# --- the targets, on the real dumps ----------------------------------------------------------


def _assert_floors(result, floors: dict[str, dict[str, float]]) -> None:
    for split, floor in floors.items():
        figures = result.figures_of(split)
        for name, value in floor.items():
            assert getattr(figures, name) >= value, (split, name, figures)


@needs_shared
def test_matcher_reaches_the_targets_on_the_test_split(real_run):
    """The regression test: the held-out third of the blind labels (never tuned on)."""
    assert real_run.result.returncode == 0, real_run.result.stderr
    result = evaluate_warehouse(real_run.warehouse, TOPIC_LABELS)
    assert result.unmatched_titles == []
    # Floors at today's figures (TOPIC_QUALITY.md): an edit of the taxonomy or the
    # rules that loses ground on the held-out papers fails here. The targets (precision
    # 0.90, recall 0.80, primary accuracy 0.85) are not reached yet on the test split.
    floors = {
        # the dev split was tuned on (TOPIC_QUALITY.md, rounds 2 and 4): against regressions only
        "dev": {"precision": 0.93, "recall": 0.82, "primary_accuracy": 0.83, "coverage": 0.98},
        # round 4 traded 0.02 of recall here for precision and primary accuracy (+0.012, +0.03)
        "test": {"precision": 0.88, "recall": 0.73, "primary_accuracy": 0.82, "coverage": 0.95},
        "all": {"precision": 0.91, "recall": 0.79, "primary_accuracy": 0.82, "coverage": 0.95},
    }
    _assert_floors(result, floors)


@pytest.fixture(scope="module")
def composed_run(tmp_path_factory) -> Path:
    """`papertrends run` on the composed papers' dumps (no ../shared needed)."""
    root = tmp_path_factory.mktemp("composed")
    result = subprocess.run(
        [str(BIN / "papertrends"), "run", "--raw-dir", str(COMPOSED / "dumps")],
        env=isolated_env(root),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return root / "warehouse.duckdb"


def test_matcher_holds_its_figures_on_the_composed_papers(composed_run):
    """The same regression test on 400 papers we wrote and labelled (143 held out): a rule or
    vocabulary edit that helps the 217 real papers only, or the dev splits only, shows here."""
    result = evaluate_warehouse(composed_run, COMPOSED / "labels.csv")
    assert result.unmatched_titles == []
    # floors at round 4's figures (TOPIC_QUALITY.md); the test split was read once per change
    floors = {
        "dev": {"precision": 0.90, "recall": 0.82, "primary_accuracy": 0.87, "coverage": 0.98},
        "test": {"precision": 0.85, "recall": 0.83, "primary_accuracy": 0.84, "coverage": 0.99},
    }
    _assert_floors(result, floors)
