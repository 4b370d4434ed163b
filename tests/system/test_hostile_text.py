"""Text from dumps never becomes markup or SQL (issue 23, item 5): titles holding `<script>`,
`]]>`, quotes, Markdown, a SQL fragment or a terminal escape go through a real `papertrends run` and come out as
text in the warehouse, the trend report and its topic pages, the feeds, the Dagster UI metadata
and the CLI."""

from __future__ import annotations

import datetime as dt
import html
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import feedparser
import pytest

from pipelines.report.feeds import xml_safe
from tests.conftest import BIN, isolated_env
from tests.dumpkit import compose_dump, write_dump

MTIME = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC).timestamp()
HOSTILE_TITLES = [
    '<script>alert("owned")</script>: Sparse Mixture of Experts Routing',
    "Closing ]]> the CDATA of a Mixture of Experts Router",
    "Quotes \"double\" and 'single' for Mixture of Experts Layers",
    "**Bold** _routing_ [link](https://evil.example) | pipe | for Mixture of Experts",
    "Robert'); DROP TABLE raw.dumps; -- Mixture of Experts at Scale",
    "Terminal \x1b[1mescape\x1b[0m codes in a Mixture of Experts Title",  # not XML at all
]


def _abstract(i: int) -> str:
    return (
        f"We route tokens to a few experts with hostile method number {i}. "
        + "Sparse mixture of experts models activate a subset of experts per token. " * 4
        + f"Code is at https://github.com/example/hostile{i}."
    )


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile_text")
    env = isolated_env(root)
    papers = [(title, _abstract(i)) for i, title in enumerate(HOSTILE_TITLES)]
    write_dump(Path(env["PAPERTRENDS_RAW_DIR"]), "hostile.txt", compose_dump(papers), MTIME)
    result = subprocess.run(
        [str(BIN / "papertrends"), "run"], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root, env


def test_titles_are_stored_as_written_and_sql_in_them_ran_nowhere(hostile_run):
    root, _ = hostile_run
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        titles = {t for (t,) in con.execute("select title from marts.papers").fetchall()}
        dumps = con.execute("select count(*) from raw.dumps").fetchall()[0][0]
    assert titles == set(HOSTILE_TITLES) and dumps == 1


def test_the_report_and_topic_pages_show_them_as_text(hostile_run):
    root, env = hostile_run
    reports = Path(env["PAPERTRENDS_REPORTS_DIR"])
    pages = [reports / "index.html", *sorted((reports / "topics").glob("*.html"))]
    assert len(pages) > 1
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text and "]]>" not in text, page.name
    moe = (reports / "topics" / "mixture_of_experts.html").read_text(encoding="utf-8")
    for title in HOSTILE_TITLES:  # its papers with code: every one of them, escaped
        assert html.escape(title, quote=True) in moe, title


def test_the_feeds_carry_them_as_text(hostile_run):
    _, env = hostile_run
    reports = Path(env["PAPERTRENDS_REPORTS_DIR"])
    feed = feedparser.parse((reports / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    # a control character XML cannot hold is dropped; everything else is the title as written
    assert {e.title for e in feed.entries} == {xml_safe(t) for t in HOSTILE_TITLES}
    digest = feedparser.parse((reports / "digest.xml").read_bytes())
    assert not digest.bozo
    content = digest.entries[0].content[0].value  # the top papers of the week, as HTML text
    assert "<script" not in content and html.escape(HOSTILE_TITLES[0]) in content


def test_the_dagster_metadata_previews_keep_them_as_text(hostile_run):
    _, env = hostile_run
    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    try:
        event = instance.get_latest_materialization_event(dg.AssetKey(["marts", "papers"]))
        preview = event.asset_materialization.metadata["preview"].value
    finally:
        instance.dispose()
    # a table's cells are text to Dagster's UI (neither HTML nor Markdown): the titles are
    # kept as written, one line each, cut to a cell's length
    assert isinstance(preview, dg.TableMetadataValue)
    titles = {r.data["title"] for r in preview.records}
    assert any("<script>" in t for t in titles), titles
    assert any("**Bold**" in t for t in titles) and any("| pipe |" in t for t in titles)


def test_the_cli_prints_them_and_binds_the_query(hostile_run):
    _, env = hostile_run

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "papertrends"), *args], env=env, capture_output=True, text=True, timeout=300
        )

    found = cli("search", "drop table robert", "--limit", "1")
    assert found.returncode == 0 and HOSTILE_TITLES[4] in found.stdout
    injected = cli("search", "'); drop table raw.dumps; --")
    assert injected.returncode == 0, injected.stderr
    csv = cli("sql", "select title from marts.papers order by title", "--csv")
    assert all(t.replace('"', '""') in csv.stdout for t in HOSTILE_TITLES)
    count = cli("sql", "select count(*) as n from raw.dumps", "--csv")
    assert count.stdout.splitlines() == ["n", "1"]
