"""The Atom feeds written beside the trend report, from two report-ready marts (dbt builds them):

* ``feed.xml``: one entry per newly listed paper (``marts.feed_papers``): its title, abstract,
  topics (as Atom categories), code link and listing date;
* ``digest.xml``: one entry per week (``marts.weekly_digest``): its rising topics, rising terms
  and top papers.

Entry ids are the marts' ``entry_id`` (tag URIs of a paper_id or a week), so a feed reader shows
each paper and each week once, however often the feeds are written. Dates are listing dates
(midnight UTC): the feeds change only when the listings do. Written with feedgen.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

import duckdb
from feedgen.feed import FeedGenerator
from lxml import etree

from pipelines.report import read
from pipelines.report.style import topic_label, web_url

FEED_FILE, DIGEST_FILE = "feed.xml", "digest.xml"
FEED_ID = "tag:papertrends,2026:feed/papers"
DIGEST_ID = "tag:papertrends,2026:feed/digest"
AUTHOR = {"name": "papertrends"}
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class Feeds:
    """The two feeds as Atom documents, and how many entries each holds."""

    papers_xml: bytes
    digest_xml: bytes
    n_papers: int
    n_weeks: int


def build_feeds(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> Feeds | None:
    """Both feeds from ``marts.feed_papers`` and ``marts.weekly_digest`` (read on ``con``); None
    when the warehouse has no such marts (one built by hand without them)."""
    if read.missing(con, ("marts.feed_papers", "marts.weekly_digest")):
        return None
    papers = _rows(
        con,
        "select entry_id, title, abstract, listing_date, primary_topic, topics, code_url "
        "from marts.feed_papers order by listing_date desc, position nulls last, paper_id",
    )
    weeks = _rows(
        con,
        "select entry_id, week_start, week_end, updated_on, is_partial, n_papers, "
        "rising_topics, rising_terms, top_papers from marts.weekly_digest "
        "order by week_start desc",
    )
    return Feeds(
        papers_xml=_papers_feed(papers, now),
        digest_xml=_digest_feed(weeks, now),
        n_papers=len(papers),
        n_weeks=len(weeks),
    )


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[dict]:
    """The rows of ``query``, every string in them fit for XML (see ``xml_safe``)."""
    return [xml_safe(row) for row in read.rows(con, query)]


# Characters XML 1.0 cannot hold, even escaped: C0 controls but tab, newline and carriage return,
# lone surrogates, U+FFFE and U+FFFF. The parser keeps a few controls in a dump's text (up to 1%
# of its characters); lxml refuses them, so one would stop the feeds and the page with them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """``value`` with the characters XML cannot hold removed from every string in it (lists,
    dicts and the structs DuckDB returns as dicts included)."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, dict):
        return {k: xml_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [xml_safe(v) for v in value]
    return value


def _feed(feed_id: str, title: str, subtitle: str, self_href: str) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.subtitle(subtitle)
    feed.author(AUTHOR)
    feed.link(href="index.html", rel="alternate", type="text/html")
    feed.link(href=self_href, rel="self", type="application/atom+xml")
    feed.language("en")
    feed.generator("papertrends (feedgen)")
    return feed


def _papers_feed(rows: list[dict], now: dt.datetime) -> bytes:
    feed = _feed(
        FEED_ID,
        "papertrends: newly listed papers",
        "Papers first listed on the latest listing dates, with their topics and code.",
        FEED_FILE,
    )
    feed.updated(_moment(max((r["listing_date"] for r in rows), default=None), now))
    code_links: dict[str, str] = {}
    for row in rows:
        entry = feed.add_entry(order="append")
        entry.id(row["entry_id"])
        entry.title(row["title"])
        day = _moment(row["listing_date"], now)
        entry.published(day)
        entry.updated(day)
        topics = list(row["topics"] or [])
        for topic in topics:
            entry.category(term=topic, label=topic_label(topic))
        code = web_url(row["code_url"])
        if code:
            entry.link(href=code, rel="related", title="code")
            code_links[row["entry_id"]] = code
        details = [html.escape(f"Listed {row['listing_date']:%Y-%m-%d}")]
        if topics:
            details.append(html.escape("topics: " + ", ".join(topic_label(t) for t in topics)))
        if code:
            details.append(f'<a href="{html.escape(code)}">code</a>')
        entry.content(
            f"<p>{html.escape(row['abstract'] or '')}</p><p>{' | '.join(details)}</p>",
            type="html",
        )
    return _related_links(feed.atom_str(pretty=True), code_links)


def _related_links(xml: bytes, links: dict[str, str]) -> bytes:
    """``xml`` with each entry's code link marked ``rel="related"``: feedgen 1.0 drops the rel
    and title of an entry's links (its Atom writer reads them from the new element instead of
    the link's data), and a link without rel means "alternate" (the entry itself) in Atom."""
    if not links:
        return xml
    root = etree.fromstring(xml)
    for entry in root.iterfind(f"{ATOM}entry"):
        href = links.get(entry.findtext(f"{ATOM}id"))
        for link in entry.iterfind(f"{ATOM}link"):
            if href is not None and link.get("href") == href and link.get("rel") is None:
                link.set("rel", "related")
                link.set("title", "code")
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def _digest_feed(rows: list[dict], now: dt.datetime) -> bytes:
    feed = _feed(
        DIGEST_ID,
        "papertrends: weekly digest",
        "One entry per week: rising topics, rising terms and the week's top papers.",
        DIGEST_FILE,
    )
    feed.updated(_moment(max((r["updated_on"] for r in rows), default=None), now))
    for row in rows:
        entry = feed.add_entry(order="append")
        entry.id(row["entry_id"])
        so_far = " (so far)" if row["is_partial"] else ""
        entry.title(f"Week of {row['week_start']:%Y-%m-%d}{so_far}: {row['n_papers']} papers")
        entry.published(_moment(row["week_start"], now))
        entry.updated(_moment(row["updated_on"], now))
        entry.content(_digest_html(row), type="html")
    return feed.atom_str(pretty=True)


def _digest_html(row: dict) -> str:
    def items(values: list[str]) -> str:
        if not values:
            return "<p>None this week.</p>"
        return "<ol>" + "".join(f"<li>{v}</li>" for v in values) + "</ol>"

    topics = [
        f"{html.escape(topic_label(t['topic']))}: {t['share']:.1%} of the week's papers "
        f"(+{t['share_change'] * 100:.1f} points)"
        for t in row["rising_topics"] or []
    ]
    terms = [
        f"{html.escape(t['term'])}: {t['n_papers']} papers (+{t['share_change'] * 100:.1f} points)"
        for t in row["rising_terms"] or []
    ]
    papers = [
        html.escape(p["title"])
        + f" ({p['n_listings']} listing{'s' if p['n_listings'] != 1 else ''})"
        + (
            f' <a href="{html.escape(web_url(p["code_url"]))}">code</a>'
            if web_url(p["code_url"])
            else ""
        )
        for p in row["top_papers"] or []
    ]
    return (
        f"<p>{row['n_papers']} papers listed from {row['week_start']:%Y-%m-%d} to "
        f"{row['week_end']:%Y-%m-%d}{' (the week is not over)' if row['is_partial'] else ''}.</p>"
        f"<h3>Rising topics</h3>{items(topics)}"
        f"<h3>Rising terms</h3>{items(terms)}"
        f"<h3>Top papers</h3>{items(papers)}"
    )


def _moment(day: dt.date | None, now: dt.datetime) -> dt.datetime:
    """A listing date as midnight UTC (``now`` when there is none: an empty feed)."""
    if day is None:
        return now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
