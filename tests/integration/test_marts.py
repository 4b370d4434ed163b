"""The dbt marts, built by the real pipeline (papertrends run) and by dbt by hand from dbt/."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import dbt_by_hand, isolated_env
from tests.dumpkit import SHARED_DUMPS, compose_dump, write_dump

BIN = Path(sys.executable).parent
needs_shared = pytest.mark.skipif(not SHARED_DUMPS.is_dir(), reason="../shared/dumps is absent")


def _env(tmp: Path, raw: Path) -> dict[str, str]:
    return {**isolated_env(tmp), "PAPERTRENDS_RAW_DIR": str(raw)}


def _papertrends(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(BIN / "papertrends"), *args], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode in (0, 3), result.stderr
    return result


def _query(warehouse: Path, sql: str):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def real_warehouse(real_run) -> Path:
    """The warehouse of the session's one `papertrends run` on ../shared/dumps."""
    assert real_run.result.returncode == 0, real_run.result.stderr
    return real_run.warehouse


@needs_shared
def test_real_dumps_give_217_papers_and_222_sightings(real_warehouse):
    assert _query(real_warehouse, "select count(*) from marts.papers") == [(217,)]
    assert _query(real_warehouse, "select count(*) from marts.paper_sightings") == [(222,)]
    assert _query(
        real_warehouse,
        "select count(*) from marts.papers p join (select paper_id, count(*) n "
        "from marts.paper_sightings group by 1) s using (paper_id) where p.n_listings <> s.n",
    ) == [(0,)]


@needs_shared
def test_at_least_95_percent_of_real_papers_get_a_real_topic(real_warehouse):
    (share,) = _query(
        real_warehouse,
        "select avg(case when primary_topic <> 'other' then 1.0 else 0 end) from marts.papers",
    )[0]
    assert share >= 0.95
    (n_topics,) = _query(
        real_warehouse, "select count(*) from marts.topics where topic <> 'other'"
    )[0]
    assert n_topics >= 25


@needs_shared
def test_mixture_of_experts_is_a_top_term(real_warehouse):
    top = [
        term
        for (term,) in _query(
            real_warehouse,
            "select term from marts.term_trends where grain = 'month' and n_words > 1 "
            "group by term order by sum(n_papers) desc limit 10",
        )
    ]
    assert "mixture of experts" in top
    assert (
        _query(
            real_warehouse,
            "select count(*) from marts.paper_topics where topic = 'mixture_of_experts'",
        )[0][0]
        >= 40
    )


@needs_shared
def test_every_grain_is_unique_and_trends_reconcile(real_warehouse):
    grains = {
        "papers": "paper_id",
        "paper_sightings": "dump_id, position",
        "paper_titles": "title_id",
        "paper_topics": "paper_id, topic",
        "topics": "topic",
        "topic_trends": "topic, grain, period_start",
        "term_trends": "term, grain, period_start",
        "terms": "term_key",
        "emerging_terms": "term_key",
        "topic_terms": "topic, term_key",
        "rising_topics": "topic",
    }
    for table, key in grains.items():
        duplicated = _query(
            real_warehouse,
            f"select {key}, count(*) from marts.{table} group by {key} having count(*) > 1",
        )
        assert duplicated == [], table
    mismatches = _query(
        real_warehouse,
        "select t.topic, t.grain from marts.topic_trends t join marts.topics using (topic) "
        "group by t.topic, t.grain, topics.n_papers having sum(t.n_new_papers) <> topics.n_papers",
    )
    assert mismatches == []
    grains = {g for (g,) in _query(real_warehouse, "select distinct grain from marts.topic_trends")}
    assert grains == {"listing", "week", "month"}


@needs_shared
def test_code_urls_are_github_or_gitlab_links_from_the_abstract(real_warehouse):
    rows = _query(
        real_warehouse, "select abstract, code_url from marts.papers where code_url is not null"
    )
    assert len(rows) >= 20
    for abstract, url in rows:
        assert url.startswith(("https://github.com/", "http://github.com/", "https://gitlab.com/"))
        assert url in abstract and not url.endswith(".")


MTIME = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC).timestamp()
ABSTRACT = (
    "We study {subject} in depth. "
    + "Our experiments cover many settings and datasets. " * 6
    + "Results are strong."
)


def _paper(title: str, subject: str) -> tuple[str, str]:
    return title, ABSTRACT.format(subject=subject)


def test_marts_on_composed_dumps_label_topics_and_reconcile(tmp_path):
    """Works without ../shared: dumps composed here, built by `papertrends run` then rebuilt."""
    raw = tmp_path / "raw"
    moe = _paper("SwitchMoE: Sparse Mixture of Experts at Scale", "mixture of experts routing")
    lora = _paper("TinyLoRA: Parameter-Efficient Fine-Tuning", "low-rank adaptation")
    both = _paper("MoLoRA: Mixture of Experts meets LoRA", "mixture of experts and lora adapters")
    plain = _paper("On the Colour of Teapots", "teapot colour perception in kitchens")
    write_dump(raw, "day1.txt", compose_dump([moe, lora], date="Feb 2"), MTIME)
    write_dump(raw, "day2.txt", compose_dump([moe, both, plain], date="Mar 2"), MTIME)
    env = _env(tmp_path, raw)
    _papertrends(env, "run")
    warehouse = tmp_path / "warehouse.duckdb"

    labels = dict(
        _query(
            warehouse,
            "select p.title, list_sort(list(t.topic)) from marts.papers p "
            "join marts.paper_topics t using (paper_id) group by p.title",
        )
    )
    assert "mixture_of_experts" in labels["SwitchMoE: Sparse Mixture of Experts at Scale"]
    assert "parameter_efficient_fine_tuning" in labels["TinyLoRA: Parameter-Efficient Fine-Tuning"]
    assert {"mixture_of_experts", "parameter_efficient_fine_tuning"} <= set(
        labels["MoLoRA: Mixture of Experts meets LoRA"]
    )
    assert labels["On the Colour of Teapots"] == ["other"]
    assert _query(
        warehouse,
        "select n_listings, first_seen, last_seen from marts.papers where title like 'SwitchMoE%'",
    ) == [(2, dt.date(2026, 2, 2), dt.date(2026, 3, 2))]
    moe_trend = _query(
        warehouse,
        "select period_start, n_papers, n_new_papers, cumulative_papers from marts.topic_trends "
        "where topic = 'mixture_of_experts' and grain = 'month' order by period_start",
    )
    assert moe_trend == [(dt.date(2026, 2, 1), 1, 1, 1), (dt.date(2026, 3, 1), 2, 1, 2)]

    # A rebuild (incremental models) changes nothing.
    before = _query(warehouse, "select * from marts.paper_topics order by all")
    _papertrends(env, "build")
    assert _query(warehouse, "select * from marts.paper_topics order by all") == before


def test_dbt_build_and_docs_generate_work_by_hand_from_dbt_folder(tmp_path):
    raw = tmp_path / "raw"
    write_dump(
        raw, "day1.txt", compose_dump([_paper("GraphMoE: Experts on Graphs", "graphs")]), MTIME
    )
    env = _env(tmp_path, raw)
    _papertrends(env, "ingest")
    for command in (["build"], ["docs", "generate"]):
        dbt_by_hand(env, tmp_path / "target", *command)
    assert (tmp_path / "target" / "catalog.json").exists()
    assert _query(tmp_path / "warehouse.duckdb", "select count(*) from marts.papers") == [(1,)]


def _terms(warehouse: Path) -> dict[str, tuple]:
    """The candidate key phrases (held by term_min_papers or more) with their key and counts."""
    return {
        term: (term_key, n_words, n_papers)
        for term, term_key, n_words, n_papers in _query(
            warehouse, "select term, term_key, n_words, n_papers from intermediate.int_term_stats"
        )
    }


TERM_TABLES = (
    # counts kept up to date by difference must equal counts made again (updated_at aside)
    "(select * exclude (updated_at) from intermediate.int_surface_counts)",
    "intermediate.int_term_stats",
    "marts.terms",
    "(select * exclude (updated_at) from marts.term_trends)",
    "marts.topic_terms",
)


def test_key_phrases_follow_the_rules_and_incremental_builds_match_a_full_refresh(tmp_path):
    """Key phrases on composed dumps: hyphens, plurals, stop words, punctuation and URLs; then a
    changed abstract and a new paper, built incrementally, give what a full refresh gives."""
    raw = tmp_path / "raw"
    pad = " Our experiments cover many settings and datasets." * 6  # abstracts are long
    papers = [
        (
            "Sparse Mixture-of-Experts Routing",
            "We scale mixture of experts layers; see https://github.com/moe/routing-kernels. "
            "Pre-trained language models route tokens." + pad,
        ),
        (
            "Mixtures of Experts for Vision",
            "Mixture of experts (vision), with pretrained language models as teachers." + pad,
        ),
        (
            "Routing in a Mixture of Experts",
            "Our mixture of experts beats dense baselines. Pre-trained language models again."
            + pad,
        ),
    ]
    write_dump(raw, "day1.txt", compose_dump(papers, date="Feb 2"), MTIME)
    env = {**_env(tmp_path, raw)}
    _papertrends(env, "run")
    warehouse = tmp_path / "warehouse.duckdb"

    terms = _terms(warehouse)
    # plurals fold into one key, shown as most papers write it; hyphens split or join
    assert terms["mixture of experts"] == ("mixture of expert", 3, 3)
    assert terms["pretrained language models"][:2] == ("pretrained language model", 3)
    assert terms["pretrained language models"][2] == 3
    assert "routing" not in terms  # two papers only: below term_min_papers (3)
    # stop words neither start nor end a phrase; URLs and phrases across punctuation are gone
    assert not [t for t in terms if t.split()[0] in {"of", "a", "in"} or t.endswith(" of")]
    assert not [t for t in terms if "github" in t or "kernels" in t]
    assert "experts vision" not in terms and "layers see" not in terms

    # Day 2: the first paper's abstract changes (its text is extracted again), a new paper joins.
    changed = (papers[0][0], "Mixture of experts layers, rewritten: sparse gating networks." + pad)
    new = [
        ("Gating Networks for Sparse Experts", "Sparse gating networks pick experts." + pad),
        ("Cheap Sparse Gating Networks", "We prune sparse gating network weights." + pad),
    ]
    write_dump(raw, "day2.txt", compose_dump([changed, *new], date="Mar 2"), MTIME)
    _papertrends(env, "run")
    incremental = {t: _query(warehouse, f"select * from {t} order by all") for t in TERM_TABLES}
    # the rewritten paper counts its previous phrases out, the new ones in
    assert _query(
        warehouse,
        "select change, count(*) from intermediate.int_paper_terms group by all order by all",
    ) == [("changed", 1), ("new", 4)]
    terms = _terms(warehouse)
    assert "pretrained language models" not in terms  # the rewritten abstract dropped it: 2 left
    assert terms["sparse gating networks"] == ("sparse gating network", 3, 3)
    assert _query(
        warehouse,
        "select min(first_seen), max(last_seen) from intermediate.int_term_stats "
        "where term_key = 'sparse gating network'",
    ) == [(dt.date(2026, 2, 2), dt.date(2026, 3, 2))]

    dbt_by_hand(env, tmp_path / "target", "build", "--full-refresh", "--select", "int_paper_terms+")
    for table in TERM_TABLES:
        assert _query(warehouse, f"select * from {table} order by all") == incremental[table]

    # the data tests fail on a paper stored twice, a phrase stored twice for one paper, and lists
    # that no longer line up
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into intermediate.int_paper_terms "
            "select * replace (term_ids || term_ids[1:1] as term_ids) "
            "from intermediate.int_paper_terms limit 1"
        )
    test = dbt_by_hand(env, tmp_path / "t", "test", "--select", "int_paper_terms", expect=1)
    for failing in (
        "unique_int_paper_terms_paper_id",
        "list_elements_unique_int_paper_terms",
        "list_lengths_match_int_paper_terms",
    ):
        assert f"FAIL 1 {failing}" in test.stdout, test.stdout[-2000:]
