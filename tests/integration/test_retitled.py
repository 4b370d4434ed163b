"""Retitled papers are one paper (README "Retitled papers"): a title whose abstract is nearly the
same as one listed under an earlier title joins that paper, keeps its first title's id, and counts
once in sightings, topics and trends; two papers that share standard sentences stay two."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from pipelines.dumps.identity import paper_id_of
from pipelines.dumps.parse import DumpFile, parse_dump
from tests.conftest import BIN, isolated_env
from tests.dumpkit import SHARED_DUMPS, compose_dump, write_dump

ROUTING = (
    "Mixture of experts models route each token to a small subset of expert networks, but the "
    "learned routers often collapse onto a few experts and leave the rest idle. We study this "
    "imbalance across model scales and find that it starts early in training, when the router "
    "logits grow faster than the expert weights. We propose a balanced router that normalises "
    "the logits per expert and adds a capacity term computed from the running load of each "
    "expert. On language modelling and machine translation, the balanced router keeps every "
    "expert busy, lowers perplexity by three percent and removes the auxiliary loss that prior "
    "work needed, at no extra cost in throughput."
)
# a second version: a figure changed and a sentence added (as an arXiv v2 does)
ROUTING_V2 = (
    ROUTING.replace("three percent", "four percent") + " Code and checkpoints are released."
)
ROUTING_V3 = ROUTING_V2.replace("We study this imbalance", "We analyse this imbalance")

# a lab's standard closing lines and a shared benchmark description, about half of each abstract
BOILERPLATE = (
    "The benchmark contains twelve thousand documents collected from public sources, each "
    "annotated by three experts with the passages that answer a question, and it is split into "
    "training, validation and test sets by source. All code, data and evaluation scripts are "
    "released under an open licence, and the authors thank the research computing group for "
    "access to its cluster."
)
LEGAL = (
    "Retrieval over long documents remains hard for dense retrievers, which compress a whole "
    "contract into one vector. We evaluate sparse, dense and late interaction retrievers on "
    "legal contracts and show that splitting clauses by their headings helps every retriever. "
    + BOILERPLATE
)
MEDICAL = (
    "Clinical notes mix abbreviations, measurements and free text, which confuses retrievers "
    "trained on web pages. We evaluate sparse, dense and late interaction retrievers on patient "
    "records and show that expanding abbreviations before indexing helps every retriever. "
    + BOILERPLATE
)
ROBOTS = (
    "Household robots must fold clothes of many shapes, yet demonstrations are costly to collect. "
    "We learn folding policies from videos of people folding laundry, retargeting hand motion to "
    "a two arm robot, and reach an eighty percent success rate on unseen garments after an hour "
    "of real world fine tuning, twice the rate of policies trained on teleoperation alone."
)

TITLES = [
    "Balanced Routers for Sparse Mixture of Experts",
    "Keeping Every Expert Busy: Balanced Routing for Mixture-of-Experts Models",
    "Balanced Routing Without Auxiliary Losses in Mixture of Experts",
]
LEGAL_TITLE = "Long-Context Retrieval for Legal Contracts"
MEDICAL_TITLE = "Long-Context Retrieval for Clinical Notes"
ROBOTS_TITLE = "Learning to Fold Laundry from Human Videos"


def shingles(text: str, width: int = 5) -> set[tuple[str, ...]]:
    """The README's rule, written again: word 5-shingles, lower-cased, split at white space."""
    words = text.lower().split()
    return {tuple(words[i : i + width]) for i in range(len(words) - width + 1)}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def test_the_fixtures_are_what_they_claim():
    # the versions of one paper are near duplicates, the two benchmark papers are not, although
    # they share about half of their words
    assert jaccard(ROUTING, ROUTING_V2) >= 0.8
    assert jaccard(ROUTING_V2, ROUTING_V3) >= 0.8
    assert 0.3 < jaccard(LEGAL, MEDICAL) < 0.8
    shared = len(BOILERPLATE.split())
    assert shared / len(LEGAL.split()) > 0.45 and shared / len(MEDICAL.split()) > 0.45


def _retitled_copy(path: Path) -> str:
    """The listings of a real dump under new titles, each abstract slightly edited, as a dump of
    a later day (the copy is composed here, never stored)."""
    parsed = parse_dump(
        DumpFile(path.name, path.read_bytes(), dt.datetime.fromtimestamp(0, dt.UTC))
    )
    listings = parsed.sightings.sort("position").select("title", "abstract").rows()
    papers = [
        (f"{title.rstrip('.')}: An Extended Study", abstract + " We also release our code.")
        for title, abstract in listings
    ]
    return compose_dump(papers, date="Nov 30")


@pytest.fixture(scope="module")
def retitled(tmp_path_factory):
    """One `papertrends run` on the composed days and, when ../shared is there, the real dumps
    with a retitled copy of one of them."""
    root = tmp_path_factory.mktemp("retitled")
    raw = root / "raw"
    day = 86400.0
    start = dt.datetime(2026, 8, 20, 12, tzinfo=dt.UTC).timestamp()
    write_dump(
        raw,
        "2026-08-20.txt",
        compose_dump(
            [(TITLES[0], ROUTING), (LEGAL_TITLE, LEGAL), (MEDICAL_TITLE, MEDICAL)], date="Aug 20"
        ),
        start,
    )
    write_dump(
        raw,
        "2026-08-21.txt",
        compose_dump(
            [(LEGAL_TITLE, LEGAL), (TITLES[1], ROUTING_V2), (MEDICAL_TITLE, MEDICAL)],
            date="Aug 21",
        ),
        start + day,
    )
    write_dump(
        raw,
        "2026-08-22.txt",
        compose_dump([(ROBOTS_TITLE, ROBOTS), (TITLES[2], ROUTING_V3)], date="Aug 22"),
        start + 2 * day,
    )
    real = sorted(SHARED_DUMPS.glob("*.txt")) if SHARED_DUMPS.is_dir() else []
    for path in real:
        shutil.copy2(path, raw / path.name)
    if real:
        write_dump(raw, "retitled-copy.txt", _retitled_copy(real[0]))
    env = isolated_env(root)
    result = subprocess.run(
        [str(BIN / "papertrends"), "run", "--raw-dir", str(raw)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return root / "warehouse.duckdb", result, real


def _rows(warehouse: Path, query: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def test_a_retitled_paper_is_one_paper_with_its_first_titles_id(retitled):
    warehouse, result, _ = retitled
    first = paper_id_of(TITLES[0])
    assert _rows(
        warehouse,
        "select paper_id, title, first_seen, last_seen, n_listings, n_titles from marts.papers "
        "where paper_id in (?, ?, ?)",
        [paper_id_of(t) for t in TITLES],
    ) == [(first, TITLES[2], dt.date(2026, 8, 20), dt.date(2026, 8, 22), 3, 3)]
    # every title it was listed under, the latest one current
    assert _rows(
        warehouse,
        "select title, first_seen, n_listings, is_current from marts.paper_titles "
        "where paper_id = ? order by first_seen",
        [first],
    ) == [
        (TITLES[0], dt.date(2026, 8, 20), 1, False),
        (TITLES[1], dt.date(2026, 8, 21), 1, False),
        (TITLES[2], dt.date(2026, 8, 22), 1, True),
    ]
    assert "quality passed: 18/18 suites passed" in result.stdout, result.stdout


def test_a_retitled_paper_counts_once_in_sightings_topics_and_trends(retitled):
    warehouse, _, _ = retitled
    ids = [paper_id_of(t) for t in TITLES]
    later = ids[1:]
    # its listings are the paper's, under each listed title
    assert _rows(
        warehouse,
        "select listing_date, title_id from marts.paper_sightings where paper_id = ? order by 1",
        [ids[0]],
    ) == [
        (dt.date(2026, 8, 20), ids[0]),
        (dt.date(2026, 8, 21), ids[1]),
        (dt.date(2026, 8, 22), ids[2]),
    ]
    for table in ("papers", "paper_topics", "trending_papers", "paper_sightings"):
        assert _rows(
            warehouse, f"select count(*) from marts.{table} where paper_id in (?, ?)", later
        ) == [(0,)], table
    # the week of Aug 17 lists it on three days: three listings of one paper
    assert _rows(
        warehouse,
        "select n_listings, days_on_list from marts.trending_papers "
        "where grain = 'week' and period_start = '2026-08-17' and paper_id = ?",
        [ids[0]],
    ) == [(3, 3)]
    # topic trends count papers: the composed week holds four papers, not six
    assert _rows(
        warehouse,
        "select count(distinct paper_id) from marts.paper_sightings "
        "where listing_date between '2026-08-20' and '2026-08-22'",
    ) == [(4,)]
    # the search index and the raw layer: the paper once, every title's listings kept in raw
    assert _rows(
        warehouse,
        "select count(distinct paper_id) from search.search_documents where paper_id in (?, ?, ?)",
        ids,
    ) == [(1,)]
    assert _rows(
        warehouse,
        "select count(distinct paper_id) from raw.sightings where paper_id in (?, ?, ?)",
        ids,
    ) == [(3,)]


def test_papers_sharing_boilerplate_sentences_stay_two(retitled):
    warehouse, _, _ = retitled
    assert _rows(
        warehouse,
        "select title, n_titles, n_listings from marts.papers where title in (?, ?) order by 1",
        [LEGAL_TITLE, MEDICAL_TITLE],
    ) == [(MEDICAL_TITLE, 1, 2), (LEGAL_TITLE, 1, 2)]


def test_a_retitled_copy_of_a_real_dump_adds_no_papers(retitled):
    warehouse, _, real = retitled
    if not real:
        pytest.skip("../shared/dumps is absent")
    copied = parse_dump(
        DumpFile(real[0].name, real[0].read_bytes(), dt.datetime.fromtimestamp(0, dt.UTC))
    ).sightings.height
    composed = 4
    # the real dumps hold 217 papers; the copy lists them again under new titles
    [(n_papers,)] = _rows(warehouse, "select count(*) from marts.papers")
    assert n_papers == 217 + composed
    [(n_titles, n_retitled)] = _rows(
        warehouse,
        "select count(*), count(*) filter (where title like '%: An Extended Study') "
        "from marts.paper_titles",
    )
    assert n_retitled == copied and n_titles == 217 + copied + len(TITLES) + 3
    # each copied paper's current title is the copy's (its latest listing)
    assert _rows(
        warehouse,
        "select count(*) from marts.papers where n_titles = 2 and title like '%: An Extended Study'",
    ) == [(copied,)]


def test_topic_labels_may_name_any_title_of_a_retitled_paper(retitled, tmp_path):
    from pipelines.errors import PapertrendsError
    from pipelines.quality.topic_eval import evaluate_warehouse

    warehouse, _, _ = retitled
    labels = tmp_path / "labels.csv"
    labels.write_text(f'title,topics\n"{TITLES[1]}",mixture_of_experts\n', encoding="utf-8")
    result = evaluate_warehouse(warehouse, labels)
    assert result.unmatched_titles == []
    assert result.figures_of("all").n_papers == 1
    # two of its titles labelled apart would count the paper twice: one line naming both
    labels.write_text(
        f'title,topics\n"{TITLES[0]}",mixture_of_experts\n"{TITLES[2]}",mixture_of_experts\n',
        encoding="utf-8",
    )
    with pytest.raises(PapertrendsError, match="are one \\(retitled\\) paper"):
        evaluate_warehouse(warehouse, labels)


def test_similar_papers_know_a_retitled_paper_by_any_of_its_titles(retitled):
    from pipelines.warehouse.similar import similar_to_title

    warehouse, _, _ = retitled
    for title in TITLES:
        current, neighbours = similar_to_title(warehouse, title)
        assert current == TITLES[2]
        assert not set(neighbours["title"]) & set(TITLES)
