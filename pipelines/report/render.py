"""The trend report page: small frames read from the marts, drawn into one self-contained HTML file.

The page needs nothing but itself: charts are inline SVG (``charts``), CSS sits in one ``<style>``
tag, no script, font or image is fetched, and a Content-Security-Policy says so to the browser.
The time grain follows the data: listing dates while there are at most ~40 of them, then weeks,
then months (``marts.topic_trends`` carries all three).
"""

import datetime as dt
import html
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import polars as pl

from pipelines.errors import OutputUnwritable, WarehouseUnusable, os_error_line
from pipelines.report import charts, feeds, topics
from pipelines.report.feeds import topic_label as _topic_label
from pipelines.report.style import facts_list, head, sections_nav_and_body
from pipelines.warehouse.connection import READER_WAIT_SECONDS, reader

# The finest grain with at most this many periods is drawn; past the last, months regardless.
GRAIN_MAX_PERIODS = {"listing": 40, "week": 60}
GRAIN_WORDS = {"listing": "listing date", "week": "week", "month": "month"}
TOP_TOPICS = 6
TOP_RISING = 12
TOP_TERMS = 15
TOP_RELISTED = 15
TOP_TRENDING = 10  # papers per period in "Top papers this week / month"
REQUIRED_MARTS = (
    "papers",
    "paper_sightings",
    "topic_trends",
    "rising_topics",
    "emerging_terms",
    "trending_papers",
)


@dataclass(frozen=True)
class RisingTopic:
    """One ranked row of marts.rising_topics, as the report shows it."""

    topic: str
    share_change: float  # the share of the latest window itself when previous_window_empty
    n_papers_latest: int
    n_papers_previous: int
    previous_window_empty: bool = False


@dataclass(frozen=True)
class Report:
    """A rendered page and what a caller may want to show elsewhere (Dagster metadata)."""

    html: str
    main_chart_svg: str | None
    main_chart_caption: str
    n_charts: int
    n_papers: int
    n_listings: int
    grain: str | None
    top_rising: tuple[RisingTopic, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReportResult:
    """Where the page was written, its main chart (SVG, or None with no data) and its size."""

    path: Path
    main_chart_svg: str | None
    main_chart_caption: str
    n_charts: int
    n_papers: int
    n_listings: int
    grain: str | None
    top_rising: tuple[RisingTopic, ...]
    feed_entries: int = 0  # entries of feed.xml (newly listed papers) and digest.xml (weeks)
    digest_entries: int = 0


@dataclass
class _Section:
    anchor: str
    heading: str
    lede: str
    body: str  # an SVG, a table or a note, already escaped


def write_report(
    warehouse: Path,
    out_dir: Path,
    now: dt.datetime | None = None,
    wait_seconds: float = READER_WAIT_SECONDS,
) -> ReportResult:
    """Render the report and its Atom feeds from the warehouse (read-only, waiting up to
    ``wait_seconds`` for a writer) and write ``out_dir/index.html``, ``feed.xml`` and
    ``digest.xml`` (when the warehouse has their marts), each atomically (temp file in the same folder, then rename), so a browser
    or a feed reader never sees half a file."""
    now = now or dt.datetime.now(dt.UTC)
    with reader(Path(warehouse), wait_seconds=wait_seconds) as con:
        report = build_report(con, now=now)
        built = feeds.build_feeds(con, now=now)
        pages = topics.build_topic_pages(con, report.grain, now=now)
    out_dir = Path(out_dir)
    target = out_dir / "index.html"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputUnwritable(os_error_line(err, "cannot write the trend report")) from err
    if built is not None:
        _write_atomically(out_dir / feeds.FEED_FILE, built.papers_xml, "cannot write the feed")
        _write_atomically(out_dir / feeds.DIGEST_FILE, built.digest_xml, "cannot write the feed")
    _write_topic_pages(out_dir / topics.TOPICS_DIR, pages)
    _write_atomically(target, report.html.encode("utf-8"), "cannot write the trend report")
    return ReportResult(
        path=target,
        main_chart_svg=report.main_chart_svg,
        main_chart_caption=report.main_chart_caption,
        n_charts=report.n_charts,
        n_papers=report.n_papers,
        n_listings=report.n_listings,
        grain=report.grain,
        top_rising=report.top_rising,
        feed_entries=built.n_papers if built is not None else 0,
        digest_entries=built.n_weeks if built is not None else 0,
    )


def _write_topic_pages(folder: Path, pages: Sequence[topics.TopicPage]) -> None:
    """Each topic's page into ``folder``; the pages of topics that have none now are removed."""
    if not pages and not folder.is_dir():
        return
    try:
        folder.mkdir(exist_ok=True)
    except OSError as err:
        raise OutputUnwritable(os_error_line(err, "cannot write the topic pages")) from err
    for page in pages:
        _write_atomically(folder / page.file_name, page.html.encode("utf-8"), "cannot write")
    kept = {page.file_name for page in pages}
    for stale in folder.glob("*.html"):
        if stale.name not in kept:
            stale.unlink(missing_ok=True)


def _write_atomically(target: Path, data: bytes, doing: str) -> None:
    """Write ``target`` through a temporary file beside it, renamed when whole."""
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f"{target.suffix}.tmp", dir=target.parent
        )
    except OSError as err:
        raise OutputUnwritable(os_error_line(err, doing)) from err
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private; the file is meant to be read
        os.replace(tmp_name, target)
    except OSError as err:  # named by the file, not by the temporary file beside it
        Path(tmp_name).unlink(missing_ok=True)
        reason = err.strerror or type(err).__name__
        raise OutputUnwritable(f"{target}: {doing}: {reason}") from err
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def render_report(con: duckdb.DuckDBPyConnection, now: dt.datetime | None = None) -> str:
    """The report page as one HTML string, read through ``con`` (a read-only connection)."""
    return build_report(con, now=now).html


def build_report(con: duckdb.DuckDBPyConnection, now: dt.datetime | None = None) -> Report:
    """Read the marts into small frames and build the page, its main chart and counts."""
    _require_marts(con)
    now = now or dt.datetime.now(dt.UTC)
    stats = _frame(
        con,
        """
        select
            (select count(*) from marts.papers) as n_papers,
            count(*) as n_listings,
            count(distinct dump_id) as n_dumps,
            count(distinct listing_date) as n_dates,
            min(listing_date) as first_date,
            max(listing_date) as last_date
        from marts.paper_sightings
        """,
    ).row(0, named=True)
    grain = choose_grain(
        dict(
            _frame(
                con,
                "select grain, count(distinct period_start) as n from marts.topic_trends "
                "group by grain",
            ).iter_rows()
        )
    )

    topic_share_svg = _topic_share_chart(con, grain) if grain else None
    rising, rising_svg, rising_lede = _rising_chart(con)
    terms_svg, terms_lede = _terms_chart(con, stats["last_date"], stats["n_dates"])
    listings_svg = _listings_chart(con)
    relisted_table = _relisted_table(con)
    trending_tables = [_trending_table(con, g) for g in ("week", "month")]
    trending = "".join(t for t in trending_tables if t)

    grain_words = GRAIN_WORDS.get(grain or "", "period")
    sections = [
        _Section(
            "topic-share",
            "Topic share over time",
            f"Share of each {grain_words}'s papers held by the {TOP_TOPICS} topics with the most "
            "papers (a paper can hold several topics). " + _grain_note(grain),
            topic_share_svg
            or _note("No topic trends yet: marts.topic_trends is empty (no listings loaded)."),
        ),
        _Section(
            "rising",
            "Rising topics",
            rising_lede,
            rising_svg
            or _note(
                "No topic has enough papers in the latest window to be ranked yet (see "
                "marts.rising_topics, column meets_support)."
            ),
        ),
        _Section(
            "terms",
            "Emerging terms",
            terms_lede,
            terms_svg
            or _note(
                "No term is in a burst at the latest listing date (see marts.emerging_terms "
                "and, for every term, marts.term_trends)."
            ),
        ),
        _Section(
            "listings",
            "Papers per listing",
            "Distinct papers on each listing date: new papers (first listed that day) and "
            "papers returning from an earlier listing.",
            listings_svg or _note("No listings loaded yet (marts.paper_sightings is empty)."),
        ),
        _Section(
            "trending",
            "Top papers this week and this month",
            f"The {TOP_TRENDING} papers listed most in the latest week and the latest month "
            "(marts.trending_papers): by listings in the period, then days on the list, then "
            "the best position on a page.",
            trending or _note("No listings loaded yet (marts.trending_papers is empty)."),
        ),
        _Section(
            "topics",
            "Topics",
            "Every topic with papers, most papers first; each links to its page: its share over "
            "time, distinctive and emerging terms, top papers of the latest month and papers "
            "with code.",
            _topics_table(con) or _note("No paper has a topic yet (marts.topics)."),
        ),
        _Section(
            "relisted",
            "Most re-listed papers",
            "Papers that kept trending: listed on the most listing pages, with their code.",
            relisted_table or _note("No paper has been listed more than once yet."),
        ),
    ]
    drawn = [s for s in (topic_share_svg, rising_svg, terms_svg, listings_svg) if s]
    page = _page(stats, now, sections)
    # The main chart answers "what is rising"; before any topic is ranked, the topic shares.
    main = sections[1] if rising_svg else sections[0]
    return Report(
        html=page,
        main_chart_svg=rising_svg or topic_share_svg,
        main_chart_caption=f"{main.heading}: {main.lede}",
        n_charts=len(drawn),
        n_papers=int(stats["n_papers"] or 0),
        n_listings=int(stats["n_listings"] or 0),
        grain=grain,
        top_rising=tuple(rising),
    )


def choose_grain(periods_by_grain: dict[str, int]) -> str | None:
    """The finest grain whose period count stays readable (see GRAIN_MAX_PERIODS), else month;
    None when there are no periods at all."""
    for grain, limit in GRAIN_MAX_PERIODS.items():
        if 0 < periods_by_grain.get(grain, 0) <= limit:
            return grain
    if periods_by_grain.get("month", 0) > 0:
        return "month"
    return next((g for g, n in periods_by_grain.items() if n > 0), None)


def _topic_share_chart(con: duckdb.DuckDBPyConnection, grain: str) -> str | None:
    periods = _frame(
        con,
        "select distinct period_start from marts.topic_trends where grain = $grain "
        "order by period_start",
        grain=grain,
    )["period_start"].to_list()
    top = _frame(
        con,
        """
        select topic from marts.topic_trends
        where grain = $grain and topic <> 'other'
        group by topic having sum(n_papers) > 0
        order by sum(n_papers) desc, topic limit $top
        """,
        grain=grain,
        top=TOP_TOPICS,
    )["topic"].to_list()
    if not periods or not top:
        return None
    shares = _frame(
        con,
        """
        select topic, period_start, share_of_listing from marts.topic_trends
        where grain = $grain and list_contains($topics, topic)
        """,
        grain=grain,
        topics=top,
    )
    by_key = {(r[0], r[1]): r[2] for r in shares.iter_rows()}
    series = [charts.Series(_topic_label(t), [by_key.get((t, p)) for p in periods]) for t in top]
    return charts.line_chart(
        [_period_label(p, grain) for p in periods],
        series,
        title=f"Share of papers per {GRAIN_WORDS[grain]} for the top {len(top)} topics",
        chart_id="chart-topic-share",
        positions=[p.toordinal() for p in periods],  # time axis: proportional to the days
        value_format=charts.percent,
    )


def _rising_chart(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[RisingTopic], str | None, str]:
    window = _frame(
        con,
        """
        select min(latest_window_start) as start, max(latest_window_end) as stop,
            bool_and(share_previous is null) as previous_empty, count(*) as n_topics
        from marts.rising_topics
        """,
    ).row(0, named=True)
    # With no listings in the window before, nothing can rise: the mart ranks by the latest
    # window's share then (its column ranked_by), and the chart shows that share, saying so.
    empty = bool(window["previous_empty"])
    value = "share_latest" if empty else "share_change"
    ranked = _frame(
        con,
        f"""
        select topic, {value}, n_papers_latest, n_papers_previous
        from marts.rising_topics
        where meets_support and rising_rank is not null and {value} is not null
        order by rising_rank, topic limit $top
        """,
        top=TOP_RISING,
    )
    rising = [
        RisingTopic(r[0], float(r[1]), int(r[2]), int(r[3] or 0), previous_window_empty=empty)
        for r in ranked.iter_rows()
    ]
    if window["start"] is None:
        return rising, None, "Topics whose share of papers grew most recently."
    days = (window["stop"] - window["start"]).days + 1
    lede = (
        f"Change of each topic's share of papers in the latest {days} days "
        f"({window['start']} to {window['stop']}) against the {days} days before, in "
        "percentage points. Only topics with enough papers in the latest window to meet the "
        "minimum support are ranked; n is their papers in the latest window."
    )
    if empty:
        lede = (
            f"The {days} days before the latest window ({window['start']} to {window['stop']}) "
            "hold no listings, so no topic can be said to rise: shown instead are the topics "
            "with the largest share of the latest window's papers (marts.rising_topics ranks "
            "by share_latest then, column ranked_by). n is their papers in the latest window."
        )
    if not rising:
        return rising, None, lede
    bars = [
        charts.Bar(
            _topic_label(r.topic),
            r.share_change,
            f"n={r.n_papers_latest:,}" + ("" if empty else f" (before {r.n_papers_previous:,})"),
        )
        for r in rising
    ]
    if empty:
        title = f"Largest topics, {window['start']} to {window['stop']} (nothing listed before)"
    else:
        title = f"Rising topics, {window['start']} to {window['stop']}: change of share"
    svg = charts.bar_chart(
        bars,
        title=title,
        chart_id="chart-rising",
        value_format=charts.percent if empty else charts.points,
    )
    return rising, svg, lede


def _terms_chart(
    con: duckdb.DuckDBPyConnection, latest: dt.date | None, n_dates: int
) -> tuple[str | None, str]:
    lede = (
        "Terms in a burst at the latest listing date (marts.emerging_terms): the share of each "
        "listing's papers that hold the term has risen above the term's own base share, by "
        "Kleinberg's two-state burst model over the listings of the last year; bars show the "
        "burst's strength, 'new' marks terms first seen in the latest four weeks."
    )
    if latest is None:
        return None, lede
    if n_dates <= 1:
        lede += " With a single listing date so far there is nothing earlier to compare with."
    candidates = _frame(
        con,
        """
        select term, n_papers_latest, strength, is_new, burst_start
        from marts.emerging_terms
        order by emerging_rank
        limit $limit
        """,
        limit=TOP_TERMS * 8,
    )
    terms = distinct_phrases(list(candidates.iter_rows()), TOP_TERMS)
    if not terms:
        return None, lede
    bars = [
        charts.Bar(
            term,
            float(strength),
            f"n={n:,} since {start:%b %-d}" + (" · new" if is_new else ""),
        )
        for term, n, strength, is_new, start in terms
    ]
    svg = charts.bar_chart(
        bars,
        title=f"Emerging terms at {latest:%Y-%m-%d}: burst strength",
        chart_id="chart-terms",
        value_format=charts.decimal,
    )
    return svg, lede


def distinct_phrases(rows: Sequence[tuple], limit: int) -> list[tuple]:
    """The first ``limit`` (term, n_papers, ...) rows, skipping a term that is part of, or
    contains, an already kept term held by as many papers: "molecular property prediction",
    "molecular property" and "property" on the same 16 papers are one finding, not three."""
    kept: list[tuple] = []
    for row in rows:
        words = tuple(row[0].split())
        if any(
            row[1] == other[1] and _is_subphrase(words, tuple(other[0].split())) for other in kept
        ):
            continue
        kept.append(row)
        if len(kept) == limit:
            break
    return kept


def _is_subphrase(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return any(long[i : i + len(short)] == short for i in range(len(long) - len(short) + 1))


def _listings_chart(con: duckdb.DuckDBPyConnection) -> str | None:
    per_date = _frame(
        con,
        """
        select
            sightings.listing_date,
            count(distinct sightings.paper_id) filter (
                where papers.first_seen = sightings.listing_date) as n_new,
            count(distinct sightings.paper_id) filter (
                where papers.first_seen < sightings.listing_date) as n_returning
        from marts.paper_sightings as sightings
        inner join marts.papers as papers on sightings.paper_id = papers.paper_id
        group by sightings.listing_date
        order by sightings.listing_date
        """,
    )
    if per_date.is_empty():
        return None
    return charts.column_chart(
        [d.isoformat() for d in per_date["listing_date"].to_list()],
        [
            charts.Series("new papers", per_date["n_new"].to_list()),
            charts.Series("returning papers", per_date["n_returning"].to_list()),
        ],
        title="Papers per listing date, new and returning",
        chart_id="chart-listings",
        value_format=charts.count,
        positions=[d.toordinal() for d in per_date["listing_date"].to_list()],
    )


def _relisted_table(con: duckdb.DuckDBPyConnection) -> str | None:
    papers = _frame(
        con,
        """
        select title, n_listings, first_seen, last_seen, primary_topic, code_url
        from marts.papers
        where n_listings > 1
        order by n_listings desc, last_seen desc, title limit $top
        """,
        top=TOP_RELISTED,
    )
    if papers.is_empty():
        return None
    rows = []
    for rank, (title, n, first, last, topic, code_url) in enumerate(papers.iter_rows(), 1):
        rows.append(
            "<tr>"
            f'<td class="num">{rank}</td>'
            f"<td>{_e(title)}</td>"
            f'<td class="num">{n:,}</td>'
            f'<td class="date">{_e(first)}</td><td class="date">{_e(last)}</td>'
            f"<td>{_e(_topic_label(topic or 'other'))}</td>"
            f"<td>{_code_link(code_url)}</td>"
            "</tr>"
        )
    return (
        '<table class="papers"><caption>Top re-listed papers</caption><thead><tr>'
        '<th scope="col" class="num">#</th><th scope="col">Title</th>'
        '<th scope="col" class="num">Listings</th><th scope="col">First seen</th>'
        '<th scope="col">Last seen</th><th scope="col">Primary topic</th>'
        '<th scope="col">Code</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )


def _trending_table(con: duckdb.DuckDBPyConnection, grain: str) -> str | None:
    """The top papers of the latest period of ``grain`` in marts.trending_papers."""
    papers = _frame(
        con,
        """
        select
            trending.period_start, trending.is_partial, trending.rank, papers.title,
            trending.n_listings, trending.days_on_list, trending.first_seen,
            papers.primary_topic, papers.code_url
        from marts.trending_papers as trending
        inner join marts.papers as papers on trending.paper_id = papers.paper_id
        where trending.grain = $grain
            and trending.period_start = (
                select max(period_start) from marts.trending_papers where grain = $grain
            )
            and trending.rank <= $top
        order by trending.rank
        """,
        grain=grain,
        top=TOP_TRENDING,
    )
    if papers.is_empty():
        return None
    start, partial = papers["period_start"][0], papers["is_partial"][0]
    label = (f"week of {start.isoformat()}" if grain == "week" else start.strftime("%B %Y")) + (
        " (so far)" if partial else ""
    )
    rows = []
    for _, _, rank, title, n, days, first, topic, code_url in papers.iter_rows():
        rows.append(
            "<tr>"
            f'<td class="num">{rank}</td>'
            f"<td>{_e(title)}</td>"
            f'<td class="num">{n:,}</td><td class="num">{days:,}</td>'
            f'<td class="date">{_e(first)}</td>'
            f"<td>{_e(_topic_label(topic or 'other'))}</td>"
            f"<td>{_code_link(code_url)}</td>"
            "</tr>"
        )
    caption = f"Top papers, {label}"
    return (
        f'<table class="papers" id="trending-{grain}"><caption>{_e(caption)}</caption>'
        '<thead><tr><th scope="col" class="num">#</th><th scope="col">Title</th>'
        '<th scope="col" class="num">Listings</th><th scope="col" class="num">Days</th>'
        '<th scope="col">First seen</th><th scope="col">Primary topic</th>'
        '<th scope="col">Code</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )


def _topics_table(con: duckdb.DuckDBPyConnection) -> str | None:
    """Every paged topic with a link to its page (topics/<topic>.html)."""
    if not topics.has_topic_marts(con):
        return None
    paged = topics.paged_topics(con)
    if not paged:
        return None
    rows = "".join(
        "<tr>"
        f'<td><a href="{topics.TOPICS_DIR}/{_e(topics.page_file_name(t["topic"]))}">'
        f"{_e(_topic_label(t['topic']))}</a></td>"
        f'<td class="num">{t["n_papers"]:,}</td><td class="num">{t["share_of_papers"]:.1%}</td>'
        f'<td class="num">{t["n_with_code"] or 0:,}</td>'
        "</tr>"
        for t in paged
    )
    return (
        '<table class="papers" id="topics"><thead><tr><th scope="col">Topic</th>'
        '<th scope="col" class="num">Papers</th><th scope="col" class="num">Share</th>'
        '<th scope="col" class="num">With code</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _page(stats: dict, now: dt.datetime, sections: Sequence[_Section]) -> str:
    first, last = stats["first_date"], stats["last_date"]
    span = f"{first} to {last}" if first and last and first != last else str(first or "none")
    facts = [
        ("papers", f"{stats['n_papers'] or 0:,}"),
        ("listings", f"{stats['n_listings'] or 0:,}"),
        ("dumps", f"{stats['n_dumps'] or 0:,}"),
        ("listing dates", f"{stats['n_dates'] or 0:,}"),
        ("date range", span),
    ]
    built = now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    nav, body = sections_nav_and_body([(s.anchor, s.heading, s.lede, s.body) for s in sections])
    facts_html = facts_list(facts)
    # A warehouse with no papers yet is valid (an empty landing folder, or only rejected
    # dumps): the page says so first, instead of five empty sections that look broken.
    empty = not stats["n_papers"]
    nothing_yet = (
        '<p class="note" id="nothing-yet" role="status">Nothing yet: the warehouse holds no '
        "papers. Save Daily Papers dumps into the landing folder and run "
        "<code>papertrends run</code>; rejected dumps are listed in raw.rejects.</p>"
        if empty
        else ""
    )
    return f"""<!doctype html>
<html lang="en">
{head(f"papertrends: what is rising in ML research ({last or 'nothing yet'})")}
<body>
<main>
<header>
<h1>What is rising in ML research</h1>
<p class="meta">Trend report built {_e(built)} from the papertrends marts.</p>
<dl class="facts">{facts_html}</dl>
{nothing_yet}
<nav aria-label="Sections">{nav}</nav>
</header>
{body}
<footer>Generated by papertrends from marts.topic_trends, marts.rising_topics, \
marts.emerging_terms, marts.trending_papers, marts.papers and marts.paper_sightings. Query them \
with <code>papertrends sql</code>; find a paper with <code>papertrends search</code>.</footer>
</main>
</body>
</html>
"""


def _require_marts(con: duckdb.DuckDBPyConnection) -> None:
    present = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    missing = [name for name in REQUIRED_MARTS if name not in present]
    if missing:
        raise WarehouseUnusable(
            "no marts to report on (missing marts." + ", marts.".join(missing) + "): "
            "run `papertrends run` or `papertrends build` first"
        )


def _frame(con: duckdb.DuckDBPyConnection, query: str, **params: object) -> pl.DataFrame:
    """A small polars frame of ``query`` with named ``$params``."""
    return con.sql(query, params=params or None).pl()


def _grain_note(grain: str | None) -> str:
    if grain == "listing":
        return "One point per listing date."
    if grain == "week":
        return "Too many listing dates to show one by one: one point per week (from Monday)."
    if grain == "month":
        return "Too many listing dates or weeks to show one by one: one point per month."
    return ""


def _period_label(day: dt.date, grain: str) -> str:
    return day.strftime("%Y-%m") if grain == "month" else day.isoformat()


def _code_link(url: str | None) -> str:
    if not url:
        return '<span class="muted">none</span>'
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return _e(url)
    text = parts.path.strip("/") or parts.netloc
    return f'<a href="{_e(url)}" rel="noopener noreferrer">{_e(text)}</a>'


def _note(message: str) -> str:
    return f'<p class="note">{_e(message)}</p>'


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
