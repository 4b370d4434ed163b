"""Search: the BM25F index dbt builds (models/search) and the query macros it creates, through
``papertrends search`` and SQL. Composed dumps check the rules (title over abstract, plural and
hyphen folding, stop words, filters, bound parameters, incremental upkeep); the real dumps check
quality against queries written blind (tests/labels/search_queries.csv)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.text import search as search_index
from pipelines.text.keyphrases import fold_plural
from pipelines.warehouse.search import search
from tests.conftest import BIN, dbt_by_hand, isolated_env
from tests.dumpkit import LABELS, SHARED_DUMPS, compose_dump, write_dump

QUERIES = LABELS / "search_queries.csv"
MTIME = dt.datetime(2025, 3, 10, tzinfo=dt.UTC).timestamp()
FILLER = (
    "The method is evaluated on several public datasets and compared with strong baselines. "
    "Results are reported with confidence intervals over five seeds. "
)

PAPERS = {
    # the query words in the title, once each in the abstract
    "title": (
        "Teapot Routing for Sparse Mixture-of-Experts Models",
        "We route tokens among mixture-of-experts layers with a teapot gate. " + FILLER * 2,
    ),
    # the same words only in the abstract, more often
    "abstract": (
        "A Study of Gates in Kettles",
        "Kettles are compared. Teapot routing sends tokens to experts; teapot routing is cheap "
        "and mixture of experts models like it. " + FILLER * 2,
    ),
    # plurals and hyphens written one way, queried the other
    "folding": (
        "Pre-trained Walrus Studies",
        "Walrus studies of pre-trained classes and approaches to glaciers on the tundra. "
        + FILLER * 2,
    ),
    "diffusion": (
        "Latent Diffusion Models for Glacier Images",
        "Diffusion models generate glacier images; our latent diffusion model denoises glacier "
        "photographs with a diffusion sampler. " + FILLER * 2,
    ),
}
# the second dump: a new paper and a rewritten abstract ("folding" loses the tundra)
NEW_PAPER = (
    "Narwhal Embeddings for Retrieval",
    "Narwhal embeddings retrieve documents for a retriever. " + FILLER * 2,
)
REWRITTEN = (
    PAPERS["folding"][0],
    "Seal studies of pre-trained classes and approaches to glaciers. " + FILLER * 2,
)


def _run(env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(BIN / "papertrends"), "run"], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def search_env(tmp_path_factory) -> dict[str, object]:
    """Two runs: the four papers (a copy of that warehouse is kept), then a second dump with a
    new paper and one rewritten abstract."""
    root = tmp_path_factory.mktemp("search")
    raw = root / "raw"
    env = {**isolated_env(root), "PAPERTRENDS_RAW_DIR": str(raw)}
    write_dump(raw, "day1.txt", compose_dump(list(PAPERS.values()), date="Mar 2, 2025"), MTIME)
    _run(env)
    first = root / "first.duckdb"
    shutil.copyfile(root / "warehouse.duckdb", first)
    # named by its date, its date line without a year, saved (modified) a year later: the name
    # gives the year (README "Listing date")
    write_dump(
        raw,
        "daily papers 2025-03-09.txt",
        compose_dump([NEW_PAPER, REWRITTEN], date="Mar 9"),
        MTIME + 365 * 86400,
    )
    _run(env)
    return {"env": env, "first": first, "second": root / "warehouse.duckdb"}


def _titles(warehouse: Path, query: str, **filters) -> list[str]:
    return search(warehouse, query, **filters)["title"].to_list()


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "papertrends"), "search", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- the rules ------------------------------------------------------------------------------


def test_title_matches_weigh_more_than_abstract_matches(search_env):
    titles = _titles(search_env["first"], "teapot routing experts")
    assert titles[:2] == [PAPERS["title"][0], PAPERS["abstract"][0]]


def test_plurals_and_hyphens_fold_as_the_terms_do(search_env):
    first = search_env["first"]
    assert _titles(first, "walrus study pretrained class approach")[0] == PAPERS["folding"][0]
    assert _titles(first, "Walrus Study, PRE-TRAINED")[0] == PAPERS["folding"][0]
    # "mixture-of-experts" in the text, "mixture of expert" in the query
    assert _titles(first, "mixture of expert")[0] == PAPERS["title"][0]


def test_the_query_is_read_as_the_index_and_the_terms_read_text(search_env):
    words = [
        "models",
        "studies",
        "classes",
        "approaches",
        "bias",
        "series",
        "loss",
        "species",
        "analysis",
        "gpus",
        "boxes",
        "focus",
        "llms",
        "has",
        "gas",
    ]
    with duckdb.connect(str(search_env["first"]), read_only=True) as con:
        (folded,) = con.execute("select marts.search_words(?)", [" ".join(words)]).fetchone()
        (cut,) = con.execute(
            "select marts.search_words('Mixture-of-Experts, pre-trained; see https://x.org/a.b')"
        ).fetchone()
    expected = pl.Series(words).to_frame("w").select(fold_plural(pl.col("w")))["w"].to_list()
    assert folded == expected
    assert cut == ["mixture", "of", "expert", "pretrained", "see"]


TRICKY_TEXTS = [
    "Mixture-of-Experts (MoE) with 8x7B params; GPT-4o+ beats LLaMA-2-70B on C++ & Q/A.",
    "Pre-trained, re-ranked and co-trained: multi-modal non-linear sub-word semi-supervised.",
    "See https://github.com/org/repo-name_v2 and http://x.y/z?a=b for code, café naïve über.",
    "Studies' classes; approaches... analyses—boxes–gases “quoted” 3D/4D 1.5x 10^6 α-β",
    "",
]


def _polars_words(texts: list[str]) -> list[list[str]]:
    words = search_index.words(pl.col("text")).list.eval(fold_plural(pl.element()))
    return pl.DataFrame({"text": texts}).select(words)["text"].to_list()


def _sql_words(warehouse: Path, texts: list[str]) -> list[list[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [con.execute("select marts.search_words(?)", [t]).fetchone()[0] for t in texts]


def test_the_index_and_the_query_macro_cut_text_alike(search_env):
    """pipelines.text.search cuts the papers (polars), the macro search_words the queries (SQL):
    they must agree word for word, or a query would miss what the index holds."""
    assert _polars_words(TRICKY_TEXTS) == _sql_words(search_env["first"], TRICKY_TEXTS)


@pytest.mark.skipif(not SHARED_DUMPS.is_dir(), reason="../shared/dumps is absent")
def test_the_index_and_the_query_macro_agree_on_every_real_title_and_abstract(real_run):
    with duckdb.connect(str(real_run.warehouse), read_only=True) as con:
        texts = [
            t
            for row in con.execute("select title, abstract from marts.papers").fetchall()
            for t in row
        ]
    assert len(texts) == 2 * 217
    assert _polars_words(texts) == _sql_words(real_run.warehouse, texts)


def test_stop_words_alone_find_nothing_and_say_so(search_env):
    assert search(search_env["first"], "the of and with").is_empty()
    shown = _cli({**search_env["env"], "PAPERTRENDS_WAREHOUSE": str(search_env["first"])}, "of the")
    assert shown.returncode == 0
    assert "no paper matches 'of the'" in shown.stdout


def test_filters_topic_since_and_limit(search_env):
    second = search_env["second"]
    assert _titles(second, "glacier", topic="diffusion_models") == [PAPERS["diffusion"][0]]
    assert set(_titles(second, "glacier")) == {PAPERS["diffusion"][0], PAPERS["folding"][0]}
    # listed on 2 March only, or again on 9 March
    assert _titles(second, "glacier", since=dt.date(2025, 3, 5)) == [PAPERS["folding"][0]]
    assert len(_titles(second, "glacier models", limit=1)) == 1


def test_query_text_is_a_bound_parameter(search_env):
    first = search_env["first"]
    for hostile in ["'); drop table marts.papers; --", "teapot' or 1=1 --", "$query", "\\'"]:
        search(first, hostile)  # no error: the text is data
    assert search(first, "teapot' or '1'='1")["title"].to_list()[:1] == [PAPERS["title"][0]]
    with duckdb.connect(str(first), read_only=True) as con:
        assert con.execute("select count(*) from marts.papers").fetchone() == (4,)


def test_cli_prints_rank_score_title_topic_dates_and_code(search_env):
    env = {**search_env["env"], "PAPERTRENDS_WAREHOUSE": str(search_env["second"])}
    shown = _cli(env, "narwhal embeddings", "--limit", "3")
    assert shown.returncode == 0, shown.stderr
    first_line, details = shown.stdout.splitlines()[:2]
    assert first_line.split()[0] == "1"
    assert first_line.endswith(NEW_PAPER[0])
    assert "retrieval_rag" in details and "listed 2025-03-09" in details
    as_csv = _cli(env, "glacier", "--csv", "--since", "2025-03-01")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert list(rows[0]) == [
        "rank",
        "score",
        "title",
        "primary_topic",
        "first_seen",
        "last_seen",
        "code_url",
        "paper_id",
    ]
    assert [r["rank"] for r in rows] == ["1", "2"]


def test_cli_errors_are_one_line(search_env, tmp_path):
    env = {**search_env["env"], "PAPERTRENDS_WAREHOUSE": str(search_env["second"])}
    unknown = _cli(env, "glacier", "--topic", "teapots")
    assert unknown.returncode == 1
    assert unknown.stderr.strip().splitlines() == [
        "papertrends: error: unknown topic 'teapots' "
        '(see `papertrends sql "select topic from marts.topics"`)'
    ]
    missing = _cli({**env, "PAPERTRENDS_WAREHOUSE": str(tmp_path / "none.duckdb")}, "glacier")
    assert missing.returncode == 1
    assert "no warehouse there yet" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    bad_date = _cli(env, "glacier", "--since", "March")
    assert bad_date.returncode == 64


# --- incremental upkeep ---------------------------------------------------------------------


def test_a_new_dump_indexes_only_its_new_and_changed_papers(search_env):
    first, second = search_env["first"], search_env["second"]
    assert _titles(second, "narwhal")[:1] == [NEW_PAPER[0]]
    assert _titles(first, "tundra") == [PAPERS["folding"][0]]
    assert _titles(second, "tundra") == []  # the rewritten abstract lost it
    assert _titles(second, "seal")[:1] == [PAPERS["folding"][0]]
    stamps = (
        "select p.title, max(s.indexed_at) from search.search_postings s "
        "join marts.papers p using (paper_id) group by p.title"
    )
    with duckdb.connect(str(first), read_only=True) as con:
        before = dict(con.execute(stamps).fetchall())
    with duckdb.connect(str(second), read_only=True) as con:
        after = dict(con.execute(stamps).fetchall())
        (n_documents,) = con.execute("select n_documents from search.search_stats").fetchone()
    with duckdb.connect(str(second), read_only=True) as con:
        dated = con.execute(
            "select listing_date, listing_date_source from raw.dumps where file_name = ?",
            ["daily papers 2025-03-09.txt"],
        ).fetchone()
    assert dated == (dt.date(2025, 3, 9), "file_name")
    untouched = [PAPERS["title"][0], PAPERS["abstract"][0], PAPERS["diffusion"][0]]
    assert {t: after[t] for t in untouched} == {t: before[t] for t in untouched}
    assert after[PAPERS["folding"][0]] > before[PAPERS["folding"][0]]
    assert n_documents == 5


def test_a_new_index_version_cuts_every_paper_again_into_an_emptied_index(search_env, tmp_path):
    """Postings written under other rules (or an older layout, before doc_id) are all cut again:
    the build empties the index first (a delete+insert of every posting runs out of memory on a
    large archive), and ends with the same postings, each with doc_id = its paper_id as an
    integer."""
    columns = "paper_id, word, title_tf, abstract_tf, title_words, abstract_words, index_version"
    with duckdb.connect(str(search_env["second"]), read_only=True) as con:
        built = con.execute(f"select {columns} from search.search_postings order by all").fetchall()
    old = tmp_path / "old.duckdb"
    shutil.copyfile(search_env["second"], old)
    with duckdb.connect(str(old)) as con:
        con.execute("update search.search_postings set index_version = 'older rules'")
        con.execute("alter table search.search_postings drop column doc_id")
        (stamp,) = con.execute("select max(indexed_at) from search.search_postings").fetchone()
    env = {**search_env["env"], "PAPERTRENDS_WAREHOUSE": str(old)}
    result = subprocess.run(
        [str(BIN / "papertrends"), "build"], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(old), read_only=True) as con:
        rebuilt = con.execute(
            f"select {columns} from search.search_postings order by all"
        ).fetchall()
        (stale, bad_ids) = con.execute(
            "select count(*) filter (where indexed_at <= ?), "
            "count(*) filter (where doc_id is null or format('{:016x}', doc_id) <> paper_id) "
            "from search.search_postings",
            [stamp],
        ).fetchone()
    assert rebuilt == built
    assert (stale, bad_ids) == (0, 0)
    assert _titles(old, "narwhal")[:1] == [NEW_PAPER[0]]


def test_the_postings_tests_read_this_builds_rows_in_a_window_and_every_row_without(
    search_env, tmp_path
):
    """The uniqueness and relationship tests of search_postings (tens of millions of rows on a
    large archive) read only the rows this build wrote when dbt builds a run's month window,
    and the whole table otherwise (macros/get_where_subquery.sql)."""
    planted = tmp_path / "planted.duckdb"
    shutil.copyfile(search_env["second"], planted)
    with duckdb.connect(str(planted)) as con:
        # a duplicate written by an earlier build: the row copied with its own indexed_at
        con.execute(
            "insert into search.search_postings "
            "select * from search.search_postings order by paper_id, word limit 1"
        )
    window = {"window_start": "2025-03-01", "window_end": "2025-04-01"}

    def dbt_test(variables: dict[str, str], expect: int) -> str:
        variables = {**variables, "papertrends_warehouse": str(planted)}
        return dbt_by_hand(
            search_env["env"],
            tmp_path / "target",
            "test",
            "--select",
            "search_postings,test_type:data",
            "--vars",
            json.dumps(variables),
            expect=expect,
        ).stdout

    assert "PASS=5" in dbt_test(window, expect=0)  # the old rows are not read
    whole = dbt_test({}, expect=1)
    assert "FAIL 1 unique_combination_search_postings_paper_id__word" in whole
    # a duplicate among the rows of this build (written after the dbt command started)
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=1)
    with duckdb.connect(str(planted)) as con:
        con.execute(
            "insert into search.search_postings by name select * replace (? as indexed_at) "
            "from search.search_postings order by paper_id desc, word limit 1",
            [later],
        )
        con.execute(
            "insert into search.search_postings by name select * replace (? as indexed_at) "
            "from search.search_postings order by paper_id desc, word limit 1",
            [later],
        )
    windowed = dbt_test(window, expect=1)
    assert "FAIL 1 unique_combination_search_postings_paper_id__word" in windowed


def test_the_coverage_test_finds_a_paper_the_index_lost_but_not_one_without_words(
    search_env, tmp_path
):
    """assert_search_index_covers_every_paper cuts the words of the unindexed papers only: a
    paper whose document is gone fails it, a paper with stop words alone does not."""
    planted = tmp_path / "planted.duckdb"
    shutil.copyfile(search_env["second"], planted)
    with duckdb.connect(str(planted)) as con:
        (lost,), (wordless,) = con.execute(
            "select paper_id from marts.papers order by paper_id limit 2"
        ).fetchall()
        con.execute(
            "update marts.papers set title = 'The', abstract = 'of the' where paper_id = ?",
            [wordless],
        )
        con.execute(
            "delete from search.search_documents where paper_id in (?, ?)", [lost, wordless]
        )
        con.execute("update search.search_stats set n_documents = n_documents - 2")

    def coverage(expect: int) -> str:
        return dbt_by_hand(
            search_env["env"],
            tmp_path / "target",
            "test",
            "--select",
            "assert_search_index_covers_every_paper",
            "--store-failures",
            "--vars",
            json.dumps({"papertrends_warehouse": str(planted)}),
            expect=expect,
        ).stdout

    assert "FAIL 1 assert_search_index_covers_every_paper" in coverage(expect=1)
    with duckdb.connect(str(planted), read_only=True) as con:
        (schema,) = con.execute(
            "select schema_name from duckdb_tables() "
            "where table_name = 'assert_search_index_covers_every_paper'"
        ).fetchone()
        failures = con.execute(
            f"select paper_id, problem from {schema}.assert_search_index_covers_every_paper"
        ).fetchall()
    assert failures == [(lost, "not indexed")]


def test_no_index_yet_is_a_clear_error(tmp_path):
    bare = tmp_path / "bare.duckdb"
    with duckdb.connect(str(bare)) as con:
        con.execute("create schema marts")
    env = {**isolated_env(tmp_path), "PAPERTRENDS_WAREHOUSE": str(bare)}
    shown = _cli(env, "glacier")
    assert shown.returncode == 1
    assert "no search index yet (run `papertrends build` to make one)" in shown.stderr


# --- quality on the real dumps --------------------------------------------------------------


def _queries(split: str) -> list[dict[str, str]]:
    with QUERIES.open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["split"] == split]


@pytest.mark.skipif(not SHARED_DUMPS.is_dir(), reason="../shared/dumps is absent")
def test_blind_queries_find_their_paper_in_the_top_three(real_run):
    """The 20 test queries (written from the papers before search existed, never tuned on):
    at least 18 have their paper in the top 3."""
    assert real_run.result.returncode == 0, real_run.result.stderr
    queries = _queries("test")
    assert len(queries) == 20
    misses = [
        (q["query"], q["title"], _titles(real_run.warehouse, q["query"], limit=3))
        for q in queries
        if q["title"] not in _titles(real_run.warehouse, q["query"], limit=3)
    ]
    assert len(misses) <= 2, misses


def _full_ranking(warehouse: Path, query: str, limit: int, topic=None, since=None) -> list[str]:
    """The best ``limit`` by scoring every paper that holds a query word (marts.search_scores)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(
            """
            select scores.paper_id
            from marts.search_scores($query) as scores
            inner join marts.papers as papers on scores.paper_id = papers.paper_id
            where ($since is null or papers.last_seen >= $since)
                and ($topic is null or scores.paper_id in (
                    select paper_id from marts.paper_topics where topic = $topic))
            order by scores.score desc, scores.paper_id
            limit $limit
            """,
            params={"query": query, "limit": limit, "topic": topic, "since": since},
        ).fetchall()
    return [row[0] for row in rows]


@pytest.mark.skipif(not SHARED_DUMPS.is_dir(), reason="../shared/dumps is absent")
def test_the_pruned_search_finds_what_scoring_every_paper_finds(real_run):
    """`papertrends search` scores a common word only for the papers that can still reach the
    best n (marts.search_best): on every written query, queries of common words alone and of a
    rare word among common ones, with and without filters, its best n are the best n of
    marts.search_scores, in the same order."""
    warehouse = real_run.warehouse
    queries = [q["query"] for q in _queries("test") + _queries("dev")] + [
        "model",
        "language models large training data",
        "large language model reasoning benchmark",
        "tasks results performance models method",
        "nighttime model training",
        "teapot",
    ]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        since = con.execute("select max(last_seen) from marts.papers").fetchone()[0]
        # the best n papers' titles are read by index, not by a scan
        assert con.execute(
            "select count(*) from duckdb_indexes() "
            "where schema_name = 'marts' and table_name = 'papers' and expressions like '%paper_id%'"
        ).fetchone() == (1,)
    cases = [(q, n, None, None) for q in queries for n in (3, 10)] + [
        (q, 10, topic, day)
        for q in queries[-8:]
        for topic, day in [
            ("language_model_pretraining", None),
            (None, since),
            ("agents_planning", since),
        ]
    ]
    differing = []
    for query, n, topic, day in cases:
        found = search(warehouse, query, limit=n, topic=topic, since=day)["paper_id"].to_list()
        if found != _full_ranking(warehouse, query, n, topic, day):
            differing.append((query, n, topic, day))
    assert not differing
