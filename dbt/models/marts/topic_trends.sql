-- depends_on: {{ ref('stg_raw__dumps') }}, {{ ref('int_paper_aliases') }}, {{ ref('int_sightings__dated') }}
{{
    config(
        materialized='incremental',
        unique_key=['topic', 'grain', 'period_start'],
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[
            "{{ delete_unlisted_periods(ref('int_sightings__periodised'), ref('topics')) }}",
        ]
    )
}}
-- One row per (topic, grain, period_start) for grain in listing, week, month, over every period
-- that has listings (zero rows included): papers listed, share of the period's papers, papers new
-- in the period, cumulative papers, change of share and a rolling growth measure.
--
-- Incremental by period: a build computes again, per grain, the periods from the first one that
-- changed on: a period overlapping the run's month window (dbt vars window_start, window_end,
-- passed by Dagster from the run's month partitions), a period whose paper count moved or that is
-- new, a period of a paper whose topics changed since the last build (updated_at of
-- paper_topics), a period of a listing date whose dumps changed since (a dump ingested, or the
-- other versions of its file), and the period after one that lost all its listings. Every later period is computed again too
-- (cumulative_papers runs over them); the five periods before the first give share_change and
-- rolling_growth their context, and cumulative_papers starts from the papers first listed before
-- them. Rows of periods or topics that are gone are deleted (the post-hook). A full build
-- computes everything; both give the same table (tests/integration/test_incremental.py).
{%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list
    if is_incremental() else [] %}
{%- set incremental = is_incremental() and 'updated_at' in columns %}
with paper_topics as (
    select
        paper_id,
        topic
    from {{ ref('paper_topics') }}
),

topics as (
    select topic from {{ ref('topics') }}
),

-- each paper listed in each grain's period
periodised as (
    select
        grain,
        period_start,
        paper_id
    from {{ ref('int_sightings__periodised') }}
),

periods as (
    select
        grain,
        period_start,
        count(distinct paper_id) as period_papers,
        row_number() over (partition by grain order by period_start) as period_no
    from periodised
    group by grain, period_start
),

first_periods as (
    select
        grain,
        paper_id,
        min(period_start) as first_period
    from periodised
    group by grain, paper_id
),

{%- if incremental %}

    known as (
        select
            grain,
            period_start,
            any_value(period_papers) as period_papers
        from {{ this }}
        group by grain, period_start
    ),

    -- papers whose topics changed: their periods' topic counts did
    retopicked as (
        select paper_id
        from {{ ref('paper_topics') }}
        where updated_at > (select max(updated_at) from {{ this }})
    ),

    -- listing dates whose papers may have changed (dumps ingested since the last build): a period
    -- whose set of papers changed without its count moving holds one of them
    relisted_dates as (
        {{ listing_dates_changed_since('(select max(updated_at) from ' ~ this ~ ')') }}
    ),

    moved as (
        select
            periods.grain,
            periods.period_no
        from periods
        left join known on periods.grain = known.grain and periods.period_start = known.period_start
        where known.period_start is null or known.period_papers <> periods.period_papers
        -- the run's months, and the weeks overlapping them
            or {{ overlaps_run_window(
            'periods.period_start', period_end('periods.grain', 'periods.period_start')
        ) }}
        union
        select
            periods.grain,
            periods.period_no
        from periodised
        semi join retopicked on periodised.paper_id = retopicked.paper_id
        inner join periods
            on periodised.grain = periods.grain and periodised.period_start = periods.period_start
        union
        select
            periods.grain,
            periods.period_no
        from periods
        semi join relisted_dates
            on periods.period_start
                = {{ period_start('periods.grain', 'relisted_dates.listing_date') }}
        union
        -- a period that lost all its listings (a dump superseded) changes what follows it
        select
            periods.grain,
            min(periods.period_no)
        from known
        inner join
            periods
            on known.grain = periods.grain and known.period_start < periods.period_start
        where not exists (
                select 1 from periods as still
                where still.grain = known.grain and still.period_start = known.period_start
            )
        group by periods.grain, known.period_start
    ),

    first_moved as (
        select
            grain,
            min(period_no) as first_no
        from moved
        group by grain
    ),

    -- the periods computed: from five before the first moved one (context), written from it on
    scope as (
        select
            periods.grain,
            periods.period_start,
            periods.period_no,
            periods.period_no >= first_moved.first_no as is_written
        from periods
        inner join first_moved on periods.grain = first_moved.grain
        where periods.period_no >= first_moved.first_no - 5
    ),

{%- else %}

    scope as (
        select
            grain,
            period_start,
            period_no,
            true as is_written
        from periods
    ),

{%- endif %}

scope_start as (
    select
        grain,
        min(period_start) as first_period
    from scope
    group by grain
),

-- papers of each topic first listed before the computed periods: where cumulative_papers starts
earlier_papers as (
    select
        first_periods.grain,
        paper_topics.topic,
        count(*) as n_papers
    from first_periods
    inner join scope_start on first_periods.grain = scope_start.grain
    inner join paper_topics on first_periods.paper_id = paper_topics.paper_id
    where first_periods.first_period < scope_start.first_period
    group by first_periods.grain, paper_topics.topic
),

listed as (
    select
        periodised.grain,
        periodised.period_start,
        paper_topics.topic,
        count(distinct periodised.paper_id) as n_papers
    from periodised
    semi join
        scope
        on periodised.grain = scope.grain and periodised.period_start = scope.period_start
    inner join paper_topics on periodised.paper_id = paper_topics.paper_id
    group by periodised.grain, periodised.period_start, paper_topics.topic
),

new_papers as (
    select
        first_periods.grain,
        first_periods.first_period as period_start,
        paper_topics.topic,
        count(*) as n_new_papers
    from first_periods
    semi join
        scope
        on first_periods.grain = scope.grain and first_periods.first_period = scope.period_start
    inner join paper_topics on first_periods.paper_id = paper_topics.paper_id
    group by first_periods.grain, first_periods.first_period, paper_topics.topic
),

dense as (
    select
        topics.topic,
        scope.grain,
        scope.period_start,
        scope.is_written,
        periods.period_papers,
        coalesce(listed.n_papers, 0) as n_papers,
        coalesce(new_papers.n_new_papers, 0) as n_new_papers,
        coalesce(earlier_papers.n_papers, 0) as n_earlier_papers
    from scope
    inner join periods on scope.grain = periods.grain and scope.period_start = periods.period_start
    cross join topics
    left join listed
        on scope.grain = listed.grain and scope.period_start = listed.period_start
            and topics.topic = listed.topic
    left join new_papers
        on scope.grain = new_papers.grain and scope.period_start = new_papers.period_start
            and topics.topic = new_papers.topic
    left join
        earlier_papers
        on scope.grain = earlier_papers.grain and topics.topic = earlier_papers.topic
),

measured as (
    select
        topic,
        grain,
        period_start,
        is_written,
        n_papers,
        period_papers,
        n_papers / period_papers::double as share_of_listing,
        n_new_papers,
        cast(n_earlier_papers + sum(n_new_papers) over topic_periods as bigint)
            as cumulative_papers,
        n_papers / period_papers::double
        - lag(n_papers / period_papers::double) over topic_periods as share_change,
        -- papers listed in the last 3 periods against the 3 periods before them, minus 1
        sum(n_papers) over (topic_periods rows between 2 preceding and current row)
        / nullif(
            sum(n_papers) over (topic_periods rows between 5 preceding and 3 preceding), 0
        )::double
        - 1 as rolling_growth
    from dense
    window topic_periods as (partition by topic, grain order by period_start)
)

select
    topic,
    grain,
    period_start,
    n_papers,
    period_papers,
    share_of_listing,
    n_new_papers,
    cumulative_papers,
    share_change,
    rolling_growth,
    timezone('UTC', now()) as updated_at
from measured
where is_written
