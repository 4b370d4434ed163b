"""The Atom feeds beside the trend report (feed.xml, digest.xml): valid Atom as a feed reader
parses it (feedparser, no bozo), stable entry ids, listing dates, and content from the marts."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import duckdb
import feedparser

from pipelines.report.feeds import build_feeds
from tests.conftest import BIN

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)

FEED_PAPERS = """
    create table marts.feed_papers as select * from (values
        ('tag:papertrends,2026:paper/aaaa', 'aaaa', 'Experts <routed> & balanced',
         'We route tokens to experts; 5 < 7 & "quotes".', date '2026-02-27', 1,
         'mixture_of_experts', ['mixture_of_experts', 'efficient_training_inference'],
         'https://github.com/x/moe'),
        ('tag:papertrends,2026:paper/bbbb', 'bbbb', 'No code here', 'An abstract.',
         date '2026-02-26', 4, 'other', []::varchar[], 'javascript:alert(1)')
    ) as t(entry_id, paper_id, title, abstract, listing_date, position, primary_topic, topics,
           code_url)
"""
WEEKLY_DIGEST = """
    create table marts.weekly_digest as select
        'tag:papertrends,2026:digest/2026-02-23' as entry_id,
        date '2026-02-23' as week_start, date '2026-03-01' as week_end,
        date '2026-02-27' as updated_on, true as is_partial, 2::bigint as n_papers,
        [{'topic': 'mixture_of_experts', 'share': 0.5, 'share_change': 0.25}] as rising_topics,
        [{'term': 'expert <routing>', 'n_papers': 3::bigint, 'share_change': 0.1}] as rising_terms,
        [{'paper_id': 'aaaa', 'title': 'Experts <routed> & balanced', 'n_listings': 2::bigint,
          'code_url': 'https://github.com/x/moe'}] as top_papers
"""


def _marts(tmp_path: Path, empty: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts")
    con.execute(FEED_PAPERS)
    con.execute(WEEKLY_DIGEST)
    if empty:
        con.execute("delete from marts.feed_papers; delete from marts.weekly_digest")
    return con


def _parse(xml: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_papers_feed_has_one_entry_per_new_paper_with_topics_code_and_listing_date(tmp_path):
    feeds = build_feeds(_marts(tmp_path), NOW)
    parsed = _parse(feeds.papers_xml)
    assert parsed.feed.id == "tag:papertrends,2026:feed/papers"
    assert parsed.feed.updated == "2026-02-27T00:00:00+00:00"  # the latest listing date
    first, second = parsed.entries
    assert [first.id, second.id] == [
        "tag:papertrends,2026:paper/aaaa",
        "tag:papertrends,2026:paper/bbbb",
    ]
    assert first.title == "Experts <routed> & balanced"  # escaped in the XML, read back as text
    assert first.published == "2026-02-27T00:00:00+00:00" == first.updated
    assert [t.term for t in first.tags] == ["mixture_of_experts", "efficient_training_inference"]
    assert [link.href for link in first.links if link.rel == "related"] == [
        "https://github.com/x/moe"
    ]
    content = first.content[0].value
    assert "5 &lt; 7 &amp;" in content and "mixture of experts" in content
    # a code "link" that is not http(s) is neither linked nor shown
    assert not [link for link in second.get("links", []) if link.rel == "related"]
    assert "javascript" not in second.content[0].value and "tags" not in second


def test_digest_has_one_entry_per_week_with_rising_topics_terms_and_top_papers(tmp_path):
    parsed = _parse(build_feeds(_marts(tmp_path), NOW).digest_xml)
    (week,) = parsed.entries
    assert week.id == "tag:papertrends,2026:digest/2026-02-23"
    assert week.title == "Week of 2026-02-23 (so far): 2 papers"
    assert week.updated == "2026-02-27T00:00:00+00:00"
    content = week.content[0].value
    assert "mixture of experts: 50.0% of the week's papers (+25.0 points)" in content
    assert "expert &lt;routing&gt;: 3 papers" in content
    assert "Experts &lt;routed&gt; &amp; balanced (2 listings)" in content


def test_empty_marts_give_valid_feeds_without_entries(tmp_path):
    feeds = build_feeds(_marts(tmp_path, empty=True), NOW)
    for xml in (feeds.papers_xml, feeds.digest_xml):
        parsed = _parse(xml)
        assert parsed.entries == [] and parsed.feed.updated == "2026-03-01T12:00:00+00:00"


def test_a_real_run_writes_both_feeds_beside_the_report_with_stable_ids(real_run, tmp_path):
    reports = Path(real_run.env["PAPERTRENDS_REPORTS_DIR"])
    with duckdb.connect(str(real_run.warehouse), read_only=True) as con:
        papers = con.execute(
            "select entry_id, listing_date from marts.feed_papers "
            "order by listing_date desc, position, paper_id"
        ).fetchall()
        latest = con.execute("select max(listing_date) from marts.paper_sightings").fetchall()
        weeks = con.execute("select count(*) from marts.weekly_digest").fetchall()[0][0]
    feed = _parse((reports / "feed.xml").read_bytes())
    assert [e.id for e in feed.entries] == [entry_id for entry_id, _ in papers]
    assert len(set(e.id for e in feed.entries)) == len(papers) > 0
    assert {e.published[:10] for e in feed.entries} <= {f"{d:%Y-%m-%d}" for _, d in papers}
    assert feed.feed.updated.startswith(f"{latest[0][0]:%Y-%m-%d}")
    digest = _parse((reports / "digest.xml").read_bytes())
    assert len(digest.entries) == weeks > 0

    # written again (papertrends report): the same entries, so a reader shows nothing twice
    again = tmp_path / "again"
    result = subprocess.run(
        [str(BIN / "papertrends"), "report", "--out", str(again)],
        env=real_run.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (again / "feed.xml").read_bytes() == (reports / "feed.xml").read_bytes()
    assert [e.id for e in _parse((again / "digest.xml").read_bytes()).entries] == [
        e.id for e in digest.entries
    ]
