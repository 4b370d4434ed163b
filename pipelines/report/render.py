"""The trend report page: the rows of its dbt models drawn into one self-contained HTML file.

Every section reads a report-ready model (``reports.report_*``, dbt/models/reports: the joins,
aggregations, rankings and limits are there), selected whole or by grain and rendered with the
Jinja2 template ``templates/report.html`` (``style``). The page needs nothing but itself: charts
are inline SVG (``charts``), the stylesheet is inlined, no script, font or image is fetched, and
a Content-Security-Policy says so to the browser. The time grain follows the data: listing dates
while there are at most ~40 of them, then weeks, then months (``reports.report_grains``).
"""

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.errors import OutputUnwritable, WarehouseUnusable, os_error_line
from pipelines.report import charts, feeds, read, style, topics
from pipelines.report.style import Section, topic_label
from pipelines.warehouse.connection import READER_WAIT_SECONDS, reader

# The finest grain with at most this many periods is drawn; past the last, months regardless.
GRAIN_MAX_PERIODS = {"listing": 40, "week": 60}
GRAIN_WORDS = {"listing": "listing date", "week": "week", "month": "month"}
# the models the page reads (dbt/models/reports); the topics table reads marts.topics when there
REQUIRED_MODELS = tuple(
    f"reports.report_{name}"
    for name in (
        "headline",
        "grains",
        "topic_share",
        "rising_window",
        "rising_topics",
        "emerging_terms",
        "listings",
        "relisted_papers",
        "trending_papers",
    )
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
    """Read the report's models (reports.report_*, built by dbt) and render the page, its main
    chart and counts."""
    _require_marts(con)
    now = now or dt.datetime.now(dt.UTC)
    (headline,) = read.rows(con, "select * from reports.report_headline")
    grain = choose_grain(
        {r["grain"]: r["n_periods"] for r in read.rows(con, "select * from reports.report_grains")}
    )

    topic_share_svg = _topic_share_chart(con, grain) if grain else None
    rising, rising_svg, rising_lede = _rising_chart(con)
    terms_svg, terms_lede = _terms_chart(con, headline["last_date"], headline["n_dates"])
    listings_svg = _listings_chart(con)
    trending = []  # (grain, its top papers) for the latest week and month that have any
    for g in ("week", "month"):
        papers = read.rows(
            con, "select * from reports.report_trending_papers where grain = $1 order by rank", [g]
        )
        if papers:
            trending.append((g, papers))

    grain_words = GRAIN_WORDS.get(grain or "", "period")
    sections = [
        Section(
            "topic-share",
            "Topic share over time",
            f"Share of each {grain_words}'s papers held by the {headline['top_topics']} topics "
            "with the most papers (a paper can hold several topics). " + _grain_note(grain),
        ),
        Section("rising", "Rising topics", rising_lede),
        Section("terms", "Emerging terms", terms_lede),
        Section(
            "listings",
            "Papers per listing",
            "Distinct papers on each listing date: new papers (first listed that day) and "
            "papers returning from an earlier listing.",
        ),
        Section(
            "trending",
            "Top papers this week and this month",
            f"The {headline['top_trending']} papers listed most in the latest week and the "
            "latest month (marts.trending_papers): by listings in the period, then days on the "
            "list, then the best position on a page.",
        ),
        Section(
            "topics",
            "Topics",
            "Every topic with papers, most papers first; each links to its page: its share over "
            "time, distinctive and emerging terms, top papers of the latest month and papers "
            "with code.",
        ),
        Section(
            "relisted",
            "Most re-listed papers",
            "Papers that kept trending: listed on the most listing pages, with their code.",
        ),
    ]
    page = style.render(
        "report.html",
        title=f"papertrends: what is rising in ML research ({headline['last_date'] or 'nothing yet'})",
        built=now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        sections=sections,
        headline=headline,
        svg={
            "topic_share": style.chart(topic_share_svg),
            "rising": style.chart(rising_svg),
            "terms": style.chart(terms_svg),
            "listings": style.chart(listings_svg),
        },
        trending=trending,
        topics=[
            dict(t, file_name=topics.page_file_name(t["topic"]))
            for t in (topics.paged_topics(con) if topics.has_topic_marts(con) else [])
        ],
        topics_dir=topics.TOPICS_DIR,
        relisted=read.rows(
            con, "select * from reports.report_relisted_papers order by relisted_rank"
        ),
    )
    drawn = [s for s in (topic_share_svg, rising_svg, terms_svg, listings_svg) if s]
    # The main chart answers "what is rising"; before any topic is ranked, the topic shares.
    main = sections[1] if rising_svg else sections[0]
    return Report(
        html=page,
        main_chart_svg=rising_svg or topic_share_svg,
        main_chart_caption=f"{main.heading}: {main.lede}",
        n_charts=len(drawn),
        n_papers=int(headline["n_papers"] or 0),
        n_listings=int(headline["n_listings"] or 0),
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
    shares = read.rows(
        con,
        "select * from reports.report_topic_share where grain = $1 "
        "order by topic_rank, period_start",
        [grain],
    )
    periods = sorted({r["period_start"] for r in shares})
    top = list(dict.fromkeys(r["topic"] for r in shares))  # in topic_rank order
    if not periods or not top:
        return None
    by_key = {(r["topic"], r["period_start"]): r["share_of_listing"] for r in shares}
    series = [charts.Series(topic_label(t), [by_key.get((t, p)) for p in periods]) for t in top]
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
    (window,) = read.rows(con, "select * from reports.report_rising_window")
    # With no listings in the window before, nothing can rise: the mart ranks by the latest
    # window's share then (its column ranked_by), and the chart shows that share, saying so.
    empty = window["previous_window_empty"]
    rising = [
        RisingTopic(
            r["topic"],
            float(r["shown_share"]),
            int(r["n_papers_latest"]),
            int(r["n_papers_previous"]),
            previous_window_empty=r["previous_window_empty"],
        )
        for r in read.rows(con, "select * from reports.report_rising_topics order by chart_rank")
    ]
    start, stop, days = window["window_start"], window["window_end"], window["window_days"]
    if start is None:
        return rising, None, "Topics whose share of papers grew most recently."
    lede = (
        f"Change of each topic's share of papers in the latest {days} days "
        f"({start} to {stop}) against the {days} days before, in "
        "percentage points. Only topics with enough papers in the latest window to meet the "
        "minimum support are ranked; n is their papers in the latest window."
    )
    if empty:
        lede = (
            f"The {days} days before the latest window ({start} to {stop}) "
            "hold no listings, so no topic can be said to rise: shown instead are the topics "
            "with the largest share of the latest window's papers (marts.rising_topics ranks "
            "by share_latest then, column ranked_by). n is their papers in the latest window."
        )
    if not rising:
        return rising, None, lede
    bars = [
        charts.Bar(
            topic_label(r.topic),
            r.share_change,
            f"n={r.n_papers_latest:,}" + ("" if empty else f" (before {r.n_papers_previous:,})"),
        )
        for r in rising
    ]
    if empty:
        title = f"Largest topics, {start} to {stop} (nothing listed before)"
    else:
        title = f"Rising topics, {start} to {stop}: change of share"
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
    terms = read.rows(con, "select * from reports.report_emerging_terms order by chart_rank")
    if not terms:
        return None, lede
    bars = [
        charts.Bar(
            t["term"],
            float(t["strength"]),
            f"n={t['n_papers_latest']:,} since {t['burst_start']:%b %-d}"
            + (" · new" if t["is_new"] else ""),
        )
        for t in terms
    ]
    svg = charts.bar_chart(
        bars,
        title=f"Emerging terms at {latest:%Y-%m-%d}: burst strength",
        chart_id="chart-terms",
        value_format=charts.decimal,
    )
    return svg, lede


def _listings_chart(con: duckdb.DuckDBPyConnection) -> str | None:
    per_date = read.rows(con, "select * from reports.report_listings order by listing_date")
    if not per_date:
        return None
    dates = [r["listing_date"] for r in per_date]
    return charts.column_chart(
        [d.isoformat() for d in dates],
        [
            charts.Series("new papers", [r["n_new"] for r in per_date]),
            charts.Series("returning papers", [r["n_returning"] for r in per_date]),
        ],
        title="Papers per listing date, new and returning",
        chart_id="chart-listings",
        value_format=charts.count,
        positions=[d.toordinal() for d in dates],
    )


def _require_marts(con: duckdb.DuckDBPyConnection) -> None:
    missing = read.missing(con, REQUIRED_MODELS)
    if missing:
        raise WarehouseUnusable(
            f"no marts to report on (missing {', '.join(missing)}): "
            "run `papertrends run` or `papertrends build` first"
        )


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
