"""The trend report: pure SVG charts and the page rendered from small hand-made marts (no dbt start:
the report's dbt models are views over them, tests/reportkit.py), the Dagster asset's metadata,
and one headless-Chromium check that the page is self-contained."""

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET

import duckdb
import pytest

from pipelines.errors import WarehouseUnusable
from pipelines.report import charts
from pipelines.report.render import build_report, choose_grain, render_report, write_report
from pipelines.warehouse.connection import reader
from tests.reportkit import TRICKY, make_warehouse, report_model_sql

SVG = "{http://www.w3.org/2000/svg}"
NOW = dt.datetime(2026, 9, 10, 8, 30, tzinfo=dt.UTC)


def svgs_in(page: str) -> list[ET.Element]:
    """Every inline <svg> of the page, parsed as XML (so each must be well-formed on its own)."""
    found, start = [], page.find("<svg")
    while start != -1:
        end = page.index("</svg>", start) + len("</svg>")
        found.append(ET.fromstring(page[start:end]))
        start = page.find("<svg", end)
    return found


def tick_labels(svg: ET.Element, axis: str) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text") if t.get("class") == f"{axis}-tick"]


# --------------------------------------------------------------------------------------------
# charts.py


def test_every_chart_is_well_formed_svg_with_role_and_title():
    drawn = [
        charts.line_chart(
            ["2026-01-01", "2026-01-02"],
            [charts.Series("a", [0.1, 0.2])],
            title="Lines",
            chart_id="c1",
        ),
        charts.bar_chart([charts.Bar("a", 0.1, "n=3")], title="Bars", chart_id="c2"),
        charts.column_chart(
            ["2026-01-01"], [charts.Series("new", [3])], title="Columns", chart_id="c3"
        ),
        charts.empty_chart(title="Empty", chart_id="c4", message="nothing"),
        charts.line_chart([], [], title="No data", chart_id="c5"),
        charts.bar_chart([], title="No bars", chart_id="c6"),
    ]
    for svg in drawn:
        root = ET.fromstring(svg)
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        title = root.find(f"{SVG}title")
        assert title is not None and title.text
        assert root.get("aria-labelledby", "").startswith(title.get("id"))
        assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")


def test_labels_titles_and_names_are_escaped():
    nasty = 'a<b & "c"'
    drawn = [
        charts.line_chart([nasty], [charts.Series(nasty, [0.5])], title=nasty, chart_id="x1"),
        charts.bar_chart([charts.Bar(nasty, 1.0, nasty)], title=nasty, chart_id="x2"),
        charts.column_chart([nasty], [charts.Series(nasty, [2])], title=nasty, chart_id="x3"),
    ]
    for svg in drawn:
        assert nasty not in svg and "a&lt;b &amp; &quot;c&quot;" in svg
        root = ET.fromstring(svg)
        assert root.find(f"{SVG}title").text == nasty
        assert any((t.text or "").startswith("a<b") for t in root.iter(f"{SVG}text"))


def test_one_period_draws_points_and_a_bar_not_empty_lines():
    line = ET.fromstring(
        charts.line_chart(
            ["2026-09-09"],
            [charts.Series("a", [0.4]), charts.Series("b", [0.1])],
            title="One period",
            chart_id="one",
        )
    )
    assert len(list(line.iter(f"{SVG}circle"))) == 2
    assert not list(line.iter(f"{SVG}polyline"))
    assert tick_labels(line, "x") == ["2026-09-09"]
    columns = ET.fromstring(
        charts.column_chart(
            ["2026-09-09"], [charts.Series("new", [90])], title="One", chart_id="one-c"
        )
    )
    series = next(g for g in columns.iter(f"{SVG}g") if g.get("class") == "series")
    assert len(list(series.iter(f"{SVG}rect"))) == 1


def test_a_thousand_periods_keep_a_bounded_number_of_tick_labels():
    days = [(dt.date(2023, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(1000)]
    values = [0.1 + (i % 7) / 100 for i in range(1000)]
    line = ET.fromstring(
        charts.line_chart(days, [charts.Series("a", values)], title="Many", chart_id="many")
    )
    columns = ET.fromstring(
        charts.column_chart(
            days, [charts.Series("new", [i % 50 for i in range(1000)])], title="M", chart_id="m"
        )
    )
    for root in (line, columns):
        x_labels = tick_labels(root, "x")
        assert 2 <= len(x_labels) <= charts.MAX_X_TICKS
        assert x_labels[0] == days[0] and x_labels[-1] == days[-1]
        assert len(tick_labels(root, "y")) <= charts.MAX_Y_TICKS + 2
    # no per-point markers on a thousand periods: one polyline carries the line
    assert not list(line.iter(f"{SVG}circle")) and len(list(line.iter(f"{SVG}polyline"))) == 1


def test_missing_values_break_the_line():
    root = ET.fromstring(
        charts.line_chart(
            ["a", "b", "c", "d", "e"],
            [charts.Series("s", [0.1, 0.2, None, 0.3, 0.4])],
            title="Gap",
            chart_id="gap",
        )
    )
    assert len(list(root.iter(f"{SVG}polyline"))) == 2


def test_negative_bars_go_left_of_the_zero_line():
    root = ET.fromstring(
        charts.bar_chart(
            [charts.Bar("up", 0.2), charts.Bar("down", -0.1)], title="Both", chart_id="both"
        )
    )
    up, down = (next(g.iter(f"{SVG}rect")) for g in root.iter(f"{SVG}g") if g.get("class") == "bar")
    assert float(down.get("x")) + float(down.get("width")) <= float(up.get("x")) + 0.5


def test_tick_helpers_stay_bounded_and_cover_the_range():
    assert charts.tick_indices(0) == [] and charts.tick_indices(1) == [0]
    for n in (2, 7, 40, 41, 1000, 100_000):
        ticks = charts.tick_indices(n)
        assert ticks[0] == 0 and ticks[-1] == n - 1 and len(ticks) <= charts.MAX_X_TICKS
    for low, high in ((0, 0.7), (-0.12, 0.7), (0, 0), (0, 1234), (3, 3)):
        ticks = charts.nice_ticks(low, high)
        assert ticks[0] <= min(low, high) and ticks[-1] >= max(low, high)
        assert len(ticks) <= charts.MAX_Y_TICKS + 2
    assert charts.nice_ticks(0, 1, min_step=1.0) == [0, 1]


# --------------------------------------------------------------------------------------------
# render.py


def test_report_shows_counts_charts_and_relisted_papers_with_code(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb", n_dates=3)
    with reader(warehouse) as con:
        report = build_report(con, now=NOW)
    page = report.html
    assert page.startswith("<!doctype html>")
    assert "2026-09-10 08:30 UTC" in page
    for fact in ("<dd>12</dd>", "<dd>18</dd>", "<dd>3</dd>", "2026-01-05 to 2026-01-07"):
        assert fact in page  # papers, listings, dumps and listing dates, date range
    assert report.grain == "listing" and report.n_charts == 4
    roots = svgs_in(page)
    assert len(roots) == 4 and all(r.get("role") == "img" for r in roots)
    assert report.main_chart_svg is not None and report.main_chart_svg in page
    assert report.main_chart_caption.startswith("Rising topics")
    # rising: only topics meeting support, in rank order
    assert [r.topic for r in report.top_rising] == ["mixture_of_experts", 'odd <topic> & "co"']
    assert "diffusion models" not in report.main_chart_svg
    # emerging terms: in rank order, sub-phrases on the same papers folded
    terms = next(r for r in roots if r.get("id") == "chart-terms")
    labels = [t.text for t in terms.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert labels == ["mixture of experts", 'tricky <term> & "q"']
    # most re-listed papers, escaped, with links to their code
    assert TRICKY not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert '<a href="https://github.com/org/p00004"' in page
    assert "<script" not in page
    assert 'http-equiv="Content-Security-Policy" content="default-src &#x27;none&#x27;' in page


def test_report_shows_the_top_papers_of_the_latest_week_and_month(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb", n_dates=10)  # 5 to 14 January: two weeks
    with reader(warehouse) as con:
        page = build_report(con, now=NOW).html
        expected = {
            grain: [
                html.escape(title)
                for (title,) in con.execute(
                    "select p.title from marts.trending_papers t join marts.papers p "
                    "using (paper_id) where t.grain = ? and t.period_start = (select "
                    "max(period_start) from marts.trending_papers where grain = ?) "
                    "order by t.rank",
                    [grain, grain],
                ).fetchall()
            ]
            for grain in ("week", "month")
        }
    for grain, caption in (("week", "week of 2026-01-12"), ("month", "January 2026")):
        table = page.split(f'id="trending-{grain}"', 1)[1].split("</table>", 1)[0]
        assert f"<caption>Top papers, {caption} (so far)</caption>" in table
        shown = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]*)</td>', table)
        assert [int(rank) for rank, _ in shown] == list(range(1, 11))  # the top 10, in order
        assert [title for _, title in shown] == expected[grain][:10]
    assert len(expected["month"]) > 10


def test_grain_follows_the_number_of_periods():
    assert choose_grain({"listing": 3, "week": 1, "month": 1}) == "listing"
    assert choose_grain({"listing": 40, "week": 6, "month": 2}) == "listing"
    assert choose_grain({"listing": 200, "week": 29, "month": 7}) == "week"
    assert choose_grain({"listing": 1000, "week": 143, "month": 33}) == "month"
    assert choose_grain({}) is None
    assert choose_grain({"listing": 0, "week": 0, "month": 0}) is None


def test_many_listing_dates_are_drawn_per_week(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb", n_dates=120, papers_per_date=4)
    with reader(warehouse) as con:
        report = build_report(con, now=NOW)
    assert report.grain == "week"
    share = next(r for r in svgs_in(report.html) if r.get("id") == "chart-topic-share")
    assert len(tick_labels(share, "x")) <= charts.MAX_X_TICKS
    assert "one point per week" in report.html


def test_a_single_listing_renders_points(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb", n_dates=1)
    with reader(warehouse) as con:
        report = build_report(con, now=NOW)
    share = next(r for r in svgs_in(report.html) if r.get("id") == "chart-topic-share")
    assert list(share.iter(f"{SVG}circle")) and not list(share.iter(f"{SVG}polyline"))
    assert "nothing earlier to compare with" in report.html
    assert "No paper has been listed more than once yet." in report.html
    assert 'id="nothing-yet"' not in report.html  # one listing is something


def test_empty_marts_give_explanatory_notes_instead_of_charts(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb", n_dates=0)
    with reader(warehouse) as con:
        report = build_report(con, now=NOW)
    assert report.n_charts == 0 and report.main_chart_svg is None and report.grain is None
    assert "<svg" not in report.html
    assert report.html.count('class="note"') == 8  # one per section, and "nothing yet" first
    assert 'id="nothing-yet"' in report.html and "(nothing yet)</title>" in report.html
    assert "marts.topic_trends is empty" in report.html


def test_missing_marts_is_a_one_line_error(tmp_path):
    path = tmp_path / "raw_only.duckdb"
    duckdb.connect(str(path)).close()
    with reader(path) as con, pytest.raises(WarehouseUnusable, match="run `papertrends run`"):
        render_report(con)


def test_write_report_replaces_the_page_atomically(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb", n_dates=3)
    out = tmp_path / "reports"
    first = write_report(warehouse, out, now=NOW)
    second = write_report(warehouse, out, now=NOW + dt.timedelta(hours=1))
    assert first.path == second.path == out / "index.html"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]  # no temp file left
    assert "09:30 UTC" in second.path.read_text(encoding="utf-8")
    assert second.path.stat().st_mode & 0o777 == 0o644
    assert second.n_charts == 4 and second.main_chart_svg


def test_emerging_terms_fold_subphrases_held_by_the_same_papers():
    """reports.report_emerging_terms keeps a term unless it is part of, or contains, a term kept
    before it on as many papers; at most var('report_emerging_terms') terms."""
    rows = [
        ("molecular property prediction", 16),
        ("molecular property", 16),  # part of the first, same papers: folded
        ("property", 16),  # part of the first too
        ("property", 20),  # on other papers: kept
        ("graph", 16),
        ("graph neural network", 16),  # holds a kept term of the same papers: folded
        ("mixture  of experts", 9),  # words apart by any white space
        ("of experts", 9),
    ]
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.emerging_terms as select * from (values "
        + ", ".join(f"({rank}, ?, ?, 1.5, false, date '2026-01-05')" for rank in range(len(rows)))
        + ") as t(emerging_rank, term, n_papers_latest, strength, is_new, burst_start)",
        [value for row in rows for value in row],
    )
    sql, _ = report_model_sql("report_emerging_terms")
    kept = con.execute(f"select term, n_papers_latest from ({sql}) order by chart_rank").fetchall()
    assert kept == [rows[0], rows[3], rows[4], rows[6]]
    one, _ = report_model_sql("report_emerging_terms", report_emerging_terms=1)
    assert con.execute(f"select term from ({one})").fetchall() == [(rows[0][0],)]


def test_time_axes_are_proportional_to_time():
    import re as _re
    import xml.etree.ElementTree as ET

    from pipelines.report import charts

    days = [dt.date(2026, 6, 3), dt.date(2026, 8, 30), dt.date(2026, 9, 14)]  # 88 and 15 apart
    labels = [d.isoformat() for d in days]
    line = charts.line_chart(
        labels,
        [charts.Series("moe", [0.1, 0.2, 0.3])],
        title="t",
        chart_id="c",
        positions=[d.toordinal() for d in days],
    )
    xs = [float(c.get("cx")) for c in ET.fromstring(line).findall(".//{*}circle")]
    assert (xs[1] - xs[0]) / (xs[2] - xs[1]) == pytest.approx(88 / 15, rel=1e-3)
    columns = charts.column_chart(
        labels,
        [charts.Series("new", [3, 4, 5])],
        title="t",
        chart_id="c",
        positions=[d.toordinal() for d in days],
    )
    centres = [
        float(r.get("x")) + float(r.get("width")) / 2
        for r in ET.fromstring(columns).findall(".//{*}rect")
        if r.find("{*}title") is not None
    ]
    assert (centres[1] - centres[0]) / (centres[2] - centres[1]) == pytest.approx(88 / 15, 1e-3)
    # without positions the categories stay evenly spaced
    even = charts.line_chart(
        labels, [charts.Series("moe", [0.1, 0.2, 0.3])], title="t", chart_id="c"
    )
    xs = [float(c.get("cx")) for c in ET.fromstring(even).findall(".//{*}circle")]
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])
    assert _re.search(r"2026-09-14", line)
