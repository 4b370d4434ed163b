"""The trend report's dbt models (dbt/models/reports) as views on a hand-made warehouse.

Unit tests of the report fill the marts by hand (dbt starts in seconds); the page reads the
report models over them. Those models are plain SQL with ``ref()`` and ``var()``: rendered here
with Jinja2, ``ref('x')`` as ``reports.x`` for a report model and ``marts.x`` otherwise, and the
vars of dbt_project.yml, they are the very queries dbt builds.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import jinja2
import yaml

PROJECT = Path(__file__).resolve().parents[1]
# a title and a topic that must stay text on the page (escaped, never markup)
TRICKY = '<script>alert("x")</script> & Co'
REPORT_MODELS = PROJECT / "dbt" / "models" / "reports"


def report_model_sql(name: str, **overrides: object) -> tuple[str, set[str]]:
    """The SQL of report model ``name`` as dbt would compile it (with the vars of
    dbt_project.yml, or ``overrides`` of them), and the report models it reads."""
    variables = yaml.safe_load((PROJECT / "dbt" / "dbt_project.yml").read_text())["vars"]
    variables.update(overrides)
    reads: set[str] = set()

    def ref(model: str) -> str:
        if model.startswith("report_"):
            reads.add(model)
            return f"reports.{model}"
        return f"marts.{model}"

    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(
        (REPORT_MODELS / f"{name}.sql").read_text(encoding="utf-8")
    )
    return template.render(ref=ref, var=variables.__getitem__), reads


def create_report_models(con: duckdb.DuckDBPyConnection) -> None:
    """Every report model as a view in schema ``reports``, each after the models it reads."""
    con.execute("create schema if not exists reports")
    pending = {path.stem: report_model_sql(path.stem) for path in REPORT_MODELS.glob("*.sql")}
    while pending:
        ready = [name for name, (_, reads) in pending.items() if not reads & pending.keys()]
        assert ready, f"report models that read each other: {sorted(pending)}"
        for name in sorted(ready):
            con.execute(f"create or replace view reports.{name} as {pending.pop(name)[0]}")


# a small warehouse: the documented mart columns, filled by hand (dbt is too slow for unit tests),
# and the report's models over them


def make_warehouse(path: Path, n_dates: int, papers_per_date: int = 6) -> Path:
    """A DuckDB file with marts.papers, paper_sightings, topic_trends, rising_topics and
    emerging_terms over ``n_dates`` daily listings (every paper is listed on two consecutive
    dates), and the report's models (schema reports) over them."""
    topics = ["mixture_of_experts", "diffusion_models", 'odd <topic> & "co"']
    dates = [dt.date(2026, 1, 5) + dt.timedelta(days=i) for i in range(n_dates)]
    half = papers_per_date // 2
    sightings = [
        (f"p{k:05d}", f"dump{i:04d}", day, pos + 1)
        for i, day in enumerate(dates)
        for pos, k in enumerate(range(i * half, i * half + papers_per_date))
    ]
    paper_ids = sorted({s[0] for s in sightings})
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        con.execute(
            "create table marts.paper_sightings (paper_id varchar, dump_id varchar, "
            "listing_date date, position integer)"
        )
        con.execute("create table paper_topics (paper_id varchar, topic varchar)")
        _insert(con, "marts.paper_sightings", sightings)
        _insert(con, "paper_topics", [(p, topics[int(p[1:]) % 3]) for p in paper_ids])
        con.execute(
            """
            create table marts.papers as
            select s.paper_id,
                case when s.paper_id = 'p00003' then $tricky else 'Paper ' || s.paper_id end
                    as title,
                'An abstract.' as abstract,
                min(listing_date) as first_seen, max(listing_date) as last_seen,
                count(*) as n_listings,
                case when right(s.paper_id, 1) in ('0', '2', '4')
                    then 'https://github.com/org/' || s.paper_id end as code_url,
                any_value(t.topic) as primary_topic
            from marts.paper_sightings as s join paper_topics as t using (paper_id)
            group by s.paper_id
            """,
            {"tricky": TRICKY},
        )
        con.execute(
            """
            create table marts.topic_trends as
            with grains as (select unnest(['listing', 'week', 'month']) as grain),
            periodised as (
                select grain, case grain when 'listing' then listing_date
                    when 'week' then date_trunc('week', listing_date)::date
                    else date_trunc('month', listing_date)::date end as period_start, paper_id
                from marts.paper_sightings cross join grains
            ),
            periods as (
                select grain, period_start, count(distinct paper_id) as period_papers
                from periodised group by all
            ),
            listed as (
                select grain, period_start, topic, count(distinct paper_id) as n_papers
                from periodised join paper_topics using (paper_id) group by all
            )
            select t.topic, p.grain, p.period_start, coalesce(l.n_papers, 0) as n_papers,
                p.period_papers, coalesce(l.n_papers, 0) / p.period_papers::double
                    as share_of_listing,
                0::bigint as n_new_papers, 0::hugeint as cumulative_papers,
                null::double as share_change, null::double as rolling_growth
            from periods as p cross join (select distinct topic from paper_topics) as t
            left join listed as l using (grain, period_start, topic)
            """
        )
        # the ranking rule of dbt's trending_papers (its unit test checks it there)
        con.execute(
            """
            create table marts.trending_papers as
            with grains as (select unnest(['week', 'month']) as grain),
            counted as (
                select grain, case grain when 'week' then date_trunc('week', listing_date)::date
                    else date_trunc('month', listing_date)::date end as period_start, paper_id,
                    count(*) as n_listings, count(distinct listing_date) as days_on_list,
                    min(position) as best_position
                from marts.paper_sightings cross join grains group by all
            )
            select c.grain, c.period_start, c.paper_id,
                row_number() over (partition by c.grain, c.period_start
                    order by c.n_listings desc, c.days_on_list desc, c.best_position,
                    c.paper_id) as rank,
                c.n_listings, c.days_on_list, c.best_position, p.first_seen,
                c.period_start = max(c.period_start) over (partition by c.grain) as is_partial
            from counted as c join marts.papers as p using (paper_id)
            """
        )
        con.execute(
            "create table marts.rising_topics (topic varchar, latest_window_start date, "
            "latest_window_end date, n_papers_latest bigint, n_papers_previous bigint, "
            "share_latest double, share_previous double, meets_support boolean, "
            "share_change double, growth_ratio double, rising_rank bigint)"
        )
        con.execute(
            "create table marts.emerging_terms (emerging_rank integer, term varchar, "
            "term_key varchar, n_words integer, burst_start date, strength double, "
            "n_papers_latest bigint, n_papers bigint, first_seen date, is_new boolean, "
            "base_share double, example_titles varchar[])"
        )
        if dates:
            end = dates[-1]
            start = end - dt.timedelta(days=27)
            _insert(
                con,
                "marts.rising_topics",
                [
                    (topics[0], start, end, 7, 3, 0.5, 0.3, True, 0.2, 1.67, 1),
                    (topics[2], start, end, 4, 5, 0.3, 0.35, True, -0.05, 0.86, 2),
                    # the largest rise, but too few papers: never drawn
                    (topics[1], start, end, 2, 0, 0.4, 0.1, False, 0.3, 4.0, None),
                ],
            )
            terms = [
                ("mixture of experts", 6, 12.5, False),
                ("experts", 6, 9.0, False),  # the same papers: folded into the above
                ('tricky <term> & "q"', 4, 3.5, True),
            ]
            _insert(
                con,
                "marts.emerging_terms",
                [
                    (
                        rank,
                        term,
                        term,
                        len(term.split()),
                        dates[0],
                        strength,
                        n,
                        n + 2,
                        dates[0],
                        is_new,
                        0.1,
                        ["Paper p00001"],
                    )
                    for rank, (term, n, strength, is_new) in enumerate(terms, start=1)
                ],
            )
        create_report_models(con)
    finally:
        con.close()
    return path


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """One multi-row INSERT (executemany runs row by row, far slower)."""
    if rows:
        row = "(" + ", ".join("?" for _ in rows[0]) + ")"
        params = [value for r in rows for value in r]
        con.execute(f"insert into {table} values " + ", ".join(row for _ in rows), params)
