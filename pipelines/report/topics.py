"""One page per topic beside the trend report (``topics/<topic>.html``): the topic's share over
time, its distinctive terms and those emerging within it, its top papers of the latest month and
its papers with code. Read from the marts as they are (``topics``, ``topic_trends``,
``topic_terms``, ``topic_papers``: report-ready, selected by grain or rank at most) and rendered
with the Jinja2 template ``templates/topic.html``; self-contained like the main page: inline SVG
and CSS, no script, nothing fetched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

import duckdb

from pipelines.report import charts, read, style
from pipelines.report.style import Section, topic_label

TOPICS_DIR = "topics"
TOP_TERMS = 15
GRAIN_WORDS = {"listing": "listing date"}  # how a grain reads in a sentence
# the marts a topic page reads: without them (a warehouse built by hand) there are no pages
TOPIC_MARTS = ("marts.topics", "marts.topic_trends", "marts.topic_terms", "marts.topic_papers")


@dataclass(frozen=True)
class TopicPage:
    """One topic's page: the file name it is written under, in ``TOPICS_DIR``, and its HTML."""

    topic: str
    file_name: str
    html: str


def page_file_name(topic: str) -> str:
    """A file name for ``topic``'s page: the topic id when it is a plain slug (every taxonomy id
    is), otherwise a slug of it with a short hash, so two odd ids never share a page."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", topic.lower()).strip("-") or "topic"
    if slug != topic:
        slug += "-" + hashlib.sha256(topic.encode()).hexdigest()[:8]
    return f"{slug}.html"


def build_topic_pages(
    con: duckdb.DuckDBPyConnection, grain: str | None, now: dt.datetime
) -> list[TopicPage]:
    """A page for every topic with papers (none when the warehouse lacks the topic marts)."""
    if not has_topic_marts(con):
        return []
    topics = paged_topics(con)
    shares = read.rows(
        con,
        "select topic, period_start, share_of_listing from marts.topic_trends "
        "where grain = $1 order by period_start",
        [grain or "month"],
    )
    periods = sorted({r["period_start"] for r in shares})
    terms = read.rows(
        con,
        "select topic, term_rank, term, n_papers, share_of_topic, n_recent, "
        "is_emerging_in_topic from marts.topic_terms where term_rank <= $1 "
        "order by topic, term_rank",
        [TOP_TERMS],
    )
    papers = read.rows(
        con,
        "select topic, list_name, list_rank, title, first_seen, last_seen, n_listings, code_url, "
        "period_start, n_listings_in_period, is_partial from marts.topic_papers "
        "order by topic, list_name, list_rank",
    )
    built = now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        TopicPage(
            topic=t["topic"],
            file_name=page_file_name(t["topic"]),
            html=_page(
                t,
                grain or "month",
                periods,
                {
                    r["period_start"]: r["share_of_listing"]
                    for r in shares
                    if r["topic"] == t["topic"]
                },
                [r for r in terms if r["topic"] == t["topic"]],
                [r for r in papers if r["topic"] == t["topic"]],
                built,
            ),
        )
        for t in topics
    ]


def has_topic_marts(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse has every mart a topic page reads."""
    return not read.missing(con, TOPIC_MARTS)


def paged_topics(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The topics that get a page (those with papers, `other` aside), most papers first."""
    return read.rows(
        con,
        "select topic, description, n_papers, share_of_papers, first_seen, last_seen, "
        "n_with_code from marts.topics where n_papers > 0 and topic <> 'other' "
        "order by n_papers desc, topic",
    )


def _page(topic, grain, periods, shares, terms, papers, built) -> str:
    label = topic_label(topic["topic"])
    chart = charts.line_chart(
        [p.strftime("%Y-%m") if grain == "month" else p.isoformat() for p in periods],
        [charts.Series(label, [shares.get(p, 0.0) for p in periods])],
        title=f"Share of each {GRAIN_WORDS.get(grain, grain)}'s papers holding {label}",
        chart_id="chart-topic-share",
        positions=[p.toordinal() for p in periods],
        value_format=charts.percent,
    )
    latest = [p for p in papers if p["list_name"] == "latest_month"]
    month = latest[0]["period_start"].strftime("%B %Y") if latest else "the latest month"
    if latest and latest[0]["is_partial"]:
        month += " (so far)"
    sections = [
        Section(
            "share",
            "Share over time",
            f"Papers listed each {GRAIN_WORDS.get(grain, grain)} that hold the topic.",
        ),
        Section(
            "terms",
            "Distinctive terms",
            "The terms that characterise the topic (class-based TF-IDF, marts.topic_terms); "
            "emerging: rising among the topic's papers of the latest window.",
        ),
        Section(
            "emerging",
            "Emerging within the topic",
            "Terms rising among the topic's latest papers against its earlier ones.",
        ),
        Section(
            "latest",
            f"Top papers of {month}",
            "The topic's papers listed most in the latest month (marts.topic_papers).",
        ),
        Section(
            "code",
            "Papers with code",
            "The topic's papers with a code link, most listed first.",
        ),
    ]
    return style.render(
        "topic.html",
        title=f"papertrends: {label}",
        built=built,
        sections=sections,
        topic=topic,
        label=label,
        chart=style.chart(chart),
        terms=terms,
        emerging=[t["term"] for t in terms if t["is_emerging_in_topic"]],
        latest=latest,
        with_code=[p for p in papers if p["list_name"] == "with_code"],
    )
