"""The vocabulary of terms, their trends, emerging terms (bursts) and topic terms."""

from __future__ import annotations

import datetime as dt
import importlib.util
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.synth.generator import PlantedPhrase, write_dumps
from tests.conftest import isolated_env
from tests.dumpkit import PROJECT, SHARED_DUMPS

BIN = Path(sys.executable).parent
needs_shared = pytest.mark.skipif(not SHARED_DUMPS.is_dir(), reason="../shared/dumps is absent")
PLANTS = (
    PlantedPhrase("spectral gossip routing", start_dump=30, share=0.3),
    PlantedPhrase("quantum adapter fusion", start_dump=34, share=0.5),
)
# words the issue names as not meaning anything on their own
GENERIC = {
    "models",
    "model",
    "large",
    "language",
    "tasks",
    "language models",
    "parameter",
    "training",
    "data",
    "large language",
    "learning",
    "state",
    "art",
    "state of the art",
    "high",
    "design",
    "propose",
    "results",
    "performance",
    "framework",
    "method",
    "approach",
}


def _bursts_module():
    path = PROJECT / "dbt" / "models" / "intermediate" / "int_term_bursts.py"
    spec = importlib.util.spec_from_file_location("int_term_bursts", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _run(root: Path, raw: Path) -> Path:
    env = {**isolated_env(root), "PAPERTRENDS_RAW_DIR": str(raw)}
    result = subprocess.run(
        [str(BIN / "papertrends"), "run"], env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr
    return root / "warehouse.duckdb"


# --- the burst automaton alone ----------------------------------------------------------------


def _listings(counts: dict[int, list[int]], per_day: int = 100) -> pl.DataFrame:
    start = dt.date(2026, 3, 1)
    return pl.DataFrame(
        [
            (term, start + dt.timedelta(days=day), n, per_day)
            for term, series in counts.items()
            for day, n in enumerate(series)
        ],
        schema={
            "term_id": pl.UInt64,
            "listing_date": pl.Date,
            "n_papers": pl.Int64,
            "listing_papers": pl.Int64,
        },
        orient="row",
    )


def test_burst_automaton_finds_a_jump_and_its_start_but_not_a_steady_share():
    bursts = _bursts_module().bursts
    steady = [5, 6, 4, 5, 5, 6, 4, 5, 6, 5, 4, 5]
    jump = [1, 0, 1, 1, 0, 1, 1, 0, 9, 11, 10, 12]  # from day 8 on
    faded = [0, 1, 0, 12, 11, 10, 0, 1, 0, 1, 0, 0]  # a burst that is over
    result = bursts(_listings({1: steady, 2: jump, 3: faded}), s=2.0, gamma=2.0)
    by_term = {row["term_id"]: row for row in result.iter_rows(named=True)}
    assert not by_term[1]["bursting"] and by_term[1]["burst_start"] is None
    assert by_term[2]["bursting"] and by_term[2]["burst_start"] == dt.date(2026, 3, 9)
    assert by_term[2]["strength"] > 10
    assert not by_term[3]["bursting"]
    assert bursts(_listings({}), s=2.0, gamma=2.0).height == 0


# --- planted bursts in synthetic dumps ---------------------------------------------------------


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[Path, Path, list[Path]]:
    """40 synthetic dumps with two planted phrases; warehouses before (30 dumps) and after."""
    root = tmp_path_factory.mktemp("planted")
    paths = write_dumps(root / "all", 40, seed=3, plants=PLANTS)
    before_raw = root / "before_raw"
    before_raw.mkdir()
    for path in paths[:30]:
        (before_raw / path.name).write_bytes(path.read_bytes())
    before = _run(root / "before", before_raw)
    after = _run(root / "after", root / "all")
    return before, after, paths


def test_planted_phrases_are_absent_before_they_start_and_steady_vocabulary_is_not_flagged(planted):
    before, _, _ = planted
    terms = {t for (t,) in _query(before, "select term from marts.terms")}
    assert not {p.phrase for p in PLANTS} & terms
    assert _query(before, "select term from marts.emerging_terms") == []
    assert len(terms) > 100  # the steady vocabulary is there, it just does not burst


def test_planted_phrases_rank_top_from_their_start_and_nothing_else_emerges(planted):
    _, after, paths = planted
    rows = _query(
        after,
        "select term, emerging_rank, burst_start, is_new, n_papers_latest from marts.emerging_terms "
        "order by emerging_rank",
    )
    assert {r[0] for r in rows} == {p.phrase for p in PLANTS}
    assert sorted(r[1] for r in rows) == [1, 2]
    dates = dict(
        _query(
            after,
            "select file_name, listing_date from raw.dumps where status = 'loaded'",
        )
    )
    for plant in PLANTS:
        term, _, burst_start, is_new, n_latest = next(r for r in rows if r[0] == plant.phrase)
        assert burst_start == dates[paths[plant.start_dump].name]
        assert is_new and n_latest > 10
    titles = _query(after, "select example_titles from marts.emerging_terms")
    assert all(1 <= len(t) <= 3 for (t,) in titles)


def test_boilerplate_generic_words_and_fragments_never_become_terms(planted):
    _, after, _ = planted
    boilerplate = set(pl.read_csv(PROJECT / "dbt" / "seeds" / "term_boilerplate.csv")["word"])
    stop = {
        w.strip() for w in (PROJECT / "dbt" / "seeds" / "stopwords.csv").read_text().split()[1:]
    }
    terms = pl.DataFrame(
        _query(after, "select term, term_key, n_words, n_papers from marts.terms"),
        schema=["term", "term_key", "n_words", "n_papers"],
        orient="row",
    )
    assert not GENERIC & set(terms["term"])
    for key in terms["term_key"]:
        content = [w for w in key.split() if w not in stop]
        assert not set(content) <= boilerplate, key
    # fragments: no term is held mostly inside one longer candidate phrase (computed here from
    # the candidates' words, independently of the model's inner ids)
    candidates = _query(
        after, "select term_key, n_papers from intermediate.int_term_stats where n_words > 1"
    )
    counts = dict(zip(terms["term_key"], terms["n_papers"], strict=True))
    for longer, n_longer in candidates:
        words = longer.split()
        inner = {
            " ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)
        }
        for phrase in inner - {longer}:
            if phrase in counts:
                assert n_longer < 0.8 * counts[phrase], (phrase, longer)


def test_term_trends_hold_week_and_month_with_shares_and_the_partial_period(planted):
    _, after, _ = planted
    grains = {g for (g,) in _query(after, "select distinct grain from marts.term_trends")}
    assert grains == {"week", "month"}
    (latest,) = _query(after, "select max(listing_date) from marts.paper_sightings")[0]
    partial = _query(
        after,
        "select distinct grain, period_start from marts.term_trends where is_partial order by 1",
    )
    # the latest listing is a Friday in mid-February: its week and its month are not over
    assert [g for g, _ in partial] == ["month", "week"]
    assert all(start <= latest for _, start in partial)
    # share_change and smoothed_share recomputed for one term from its own rows
    rows = _query(
        after,
        "select period_start, share_of_listing, share_change, smoothed_share from marts.term_trends "
        "where term = 'spectral gossip routing' and grain = 'week' order by 1",
    )
    weeks = [
        r[0]
        for r in _query(
            after,
            "select distinct date_trunc('week', listing_date)::date from marts.paper_sightings order by 1",
        )
    ]
    share = {r[0]: r[1] for r in rows}
    for start, value, change, smoothed in rows:
        i = weeks.index(start)
        previous = [share.get(w, 0.0) for w in weeks[max(0, i - 2) : i]]
        assert change == pytest.approx(value - previous[-1])
        assert smoothed == pytest.approx((value + sum(previous)) / (len(previous) + 1))


# --- the real dumps ----------------------------------------------------------------------------


@needs_shared
def test_real_dumps_top_terms_are_specific(real_run):
    assert real_run.result.returncode == 0, real_run.result.stderr
    top = [
        t
        for (t,) in _query(
            real_run.warehouse, "select term from marts.terms order by n_papers desc, term limit 30"
        )
    ]
    assert len(top) == 30
    assert not GENERIC & set(top)
    assert "mixture of experts" in top[:15]
    assert {"lora", "low rank adaptation", "low-rank adaptation"} & set(top[:15])


@needs_shared
def test_real_dumps_topic_terms_characterise_their_topics(real_run):
    def top(topic: str) -> list[str]:
        return [
            t
            for (t,) in _query(
                real_run.warehouse,
                f"select term from marts.topic_terms where topic = '{topic}' and term_rank <= 10 "
                "order by term_rank",
            )
        ]

    assert {"mixture of experts", "moe"} & set(top("mixture_of_experts"))
    assert {"lora", "peft", "low rank adaptation"} & set(top("parameter_efficient_fine_tuning"))
    assert {"quantization", "pruning", "compression"} & set(top("quantization_compression"))
