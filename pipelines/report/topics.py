"""One page per topic beside the trend report (``topics/<topic>.html``): the topic's share over
time, its distinctive terms and those emerging within it, its top papers of the latest month and
its papers with code. Read from the marts (``topics``, ``topic_trends``, ``topic_terms``,
``topic_papers``); self-contained like the main page: inline SVG and CSS, no script, nothing
fetched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from dataclasses import dataclass

import duckdb

from pipelines.report import charts
from pipelines.report.feeds import topic_label, web_url
from pipelines.report.style import facts_list, head, sections_nav_and_body

TOPICS_DIR = "topics"
TOP_TERMS = 15
GRAIN_WORDS = {"listing": "listing date"}  # how a grain reads in a sentence
# the marts a topic page reads: without them (a warehouse built by hand) there are no pages
TOPIC_MARTS = ("topics", "topic_trends", "topic_terms", "topic_papers")


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
    shares = _rows(
        con,
        "select topic, period_start, share_of_listing from marts.topic_trends "
        "where grain = $1 order by period_start",
        [grain or "month"],
    )
    periods = sorted({r["period_start"] for r in shares})
    terms = _rows(
        con,
        "select topic, term_rank, term, n_papers, share_of_topic, n_recent, "
        "is_emerging_in_topic from marts.topic_terms where term_rank <= $1 "
        "order by topic, term_rank",
        [TOP_TERMS],
    )
    papers = _rows(
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
    (present,) = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'marts' and list_contains($1, table_name)",
        [list(TOPIC_MARTS)],
    ).fetchall()[0]
    return present == len(TOPIC_MARTS)


def paged_topics(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The topics that get a page (those with papers, `other` aside), most papers first."""
    return _rows(
        con,
        "select topic, description, n_papers, share_of_papers, first_seen, last_seen, "
        "n_with_code from marts.topics where n_papers > 0 and topic <> 'other' "
        "order by n_papers desc, topic",
    )


def _rows(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(query, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


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
    emerging = [t["term"] for t in terms if t["is_emerging_in_topic"]]
    latest = [p for p in papers if p["list_name"] == "latest_month"]
    with_code = [p for p in papers if p["list_name"] == "with_code"]
    month = latest[0]["period_start"].strftime("%B %Y") if latest else "the latest month"
    if latest and latest[0]["is_partial"]:
        month += " (so far)"
    facts = [
        ("papers", f"{topic['n_papers']:,}"),
        ("share of papers", f"{topic['share_of_papers']:.1%}"),
        ("with code", f"{topic['n_with_code'] or 0:,}"),
        ("first seen", str(topic["first_seen"] or "")),
        ("last seen", str(topic["last_seen"] or "")),
    ]
    sections = [
        (
            "share",
            "Share over time",
            f"Papers listed each {GRAIN_WORDS.get(grain, grain)} that hold the topic.",
            chart,
        ),
        (
            "terms",
            "Distinctive terms",
            "The terms that characterise the topic (class-based TF-IDF, marts.topic_terms); "
            "emerging: rising among the topic's papers of the latest window.",
            _terms_table(terms),
        ),
        (
            "emerging",
            "Emerging within the topic",
            "Terms rising among the topic's latest papers against its earlier ones.",
            _list(emerging, "No term is emerging within the topic at the latest listing date."),
        ),
        (
            "latest",
            f"Top papers of {month}",
            "The topic's papers listed most in the latest month (marts.topic_papers).",
            _papers_table(latest, in_period=True)
            or _note("No paper of the topic was listed in the latest month."),
        ),
        (
            "code",
            "Papers with code",
            "The topic's papers with a code link, most listed first.",
            _papers_table(with_code, in_period=False)
            or _note("No paper of the topic links its code yet."),
        ),
    ]
    nav, body = sections_nav_and_body(sections)
    facts_html = facts_list(facts)
    return f"""<!doctype html>
<html lang="en">
{head(f"papertrends: {label}")}
<body>
<main>
<header>
<p class="meta"><a href="../index.html">Trend report</a> / topic</p>
<h1>{_e(label)}</h1>
<p class="lede">{_e(topic["description"] or "")}</p>
<p class="meta">Built {_e(built)} from the papertrends marts.</p>
<dl class="facts">{facts_html}</dl>
<nav aria-label="Sections">{nav}</nav>
</header>
{body}
<footer>Generated by papertrends from marts.topics, marts.topic_trends, marts.topic_terms and \
marts.topic_papers.</footer>
</main>
</body>
</html>
"""


def _terms_table(terms: list[dict]) -> str:
    if not terms:
        return _note("No term characterises the topic yet (marts.topic_terms).")
    rows = "".join(
        "<tr>"
        f'<td class="num">{t["term_rank"]}</td><td>{_e(t["term"])}</td>'
        f'<td class="num">{t["n_papers"]:,}</td><td class="num">{t["share_of_topic"]:.0%}</td>'
        f"<td>{'emerging' if t['is_emerging_in_topic'] else ''}</td>"
        "</tr>"
        for t in terms
    )
    return (
        '<table class="papers" id="topic-terms"><thead><tr><th scope="col" class="num">#</th>'
        '<th scope="col">Term</th><th scope="col" class="num">Papers</th>'
        '<th scope="col" class="num">Of the topic</th><th scope="col">Emerging</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _papers_table(papers: list[dict], in_period: bool) -> str | None:
    if not papers:
        return None
    count = "n_listings_in_period" if in_period else "n_listings"
    rows = "".join(
        "<tr>"
        f'<td class="num">{p["list_rank"]}</td><td>{_e(p["title"])}</td>'
        f'<td class="num">{p[count] or 0:,}</td><td class="date">{_e(p["first_seen"])}</td>'
        f"<td>{_code_link(p['code_url'])}</td>"
        "</tr>"
        for p in papers
    )
    heading = "Listings this month" if in_period else "Listings"
    return (
        '<table class="papers"><thead><tr><th scope="col" class="num">#</th>'
        f'<th scope="col">Title</th><th scope="col" class="num">{heading}</th>'
        '<th scope="col">First seen</th><th scope="col">Code</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _code_link(url: str | None) -> str:
    link = web_url(url)
    if link is None:
        return '<span class="muted">none</span>'
    return f'<a href="{_e(link)}" rel="noopener noreferrer">{_e(link.split("//", 1)[1])}</a>'


def _list(items: list[str], empty: str) -> str:
    if not items:
        return _note(empty)
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>"


def _note(message: str) -> str:
    return f'<p class="note">{_e(message)}</p>'


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
