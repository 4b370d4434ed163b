-- One row per (topic, grain, period_start) for grain in listing, week, month, over every period
-- that has listings (zero rows included): papers listed, share of the period's papers, papers new
-- in the period, cumulative papers, change of share and a rolling growth measure.
with sightings as (
    select paper_id, listing_date from {{ ref('int_sightings__dated') }}
),

paper_topics as (
    select paper_id, topic from {{ ref('paper_topics') }}
),

topics as (
    select topic from {{ ref('topics') }}
),

grains as (
    select unnest(['listing', 'week', 'month']) as grain
),

-- each listing in each grain's period
periodised as (
    select
        grains.grain,
        case grains.grain
            when 'listing' then sightings.listing_date
            when 'week' then date_trunc('week', sightings.listing_date)::date
            else date_trunc('month', sightings.listing_date)::date
        end as period_start,
        sightings.paper_id
    from sightings
    cross join grains
),

periods as (
    select grain, period_start, count(distinct paper_id) as period_papers
    from periodised
    group by grain, period_start
),

first_periods as (
    select grain, paper_id, min(period_start) as first_period
    from periodised
    group by grain, paper_id
),

listed as (
    select periodised.grain, periodised.period_start, paper_topics.topic,
        count(distinct periodised.paper_id) as n_papers
    from periodised
    inner join paper_topics on periodised.paper_id = paper_topics.paper_id
    group by periodised.grain, periodised.period_start, paper_topics.topic
),

new_papers as (
    select first_periods.grain, first_periods.first_period as period_start, paper_topics.topic,
        count(*) as n_new_papers
    from first_periods
    inner join paper_topics on first_periods.paper_id = paper_topics.paper_id
    group by first_periods.grain, first_periods.first_period, paper_topics.topic
),

dense as (
    select
        topics.topic,
        periods.grain,
        periods.period_start,
        periods.period_papers,
        coalesce(listed.n_papers, 0) as n_papers,
        coalesce(new_papers.n_new_papers, 0) as n_new_papers
    from periods
    cross join topics
    left join listed
        on periods.grain = listed.grain and periods.period_start = listed.period_start
        and topics.topic = listed.topic
    left join new_papers
        on periods.grain = new_papers.grain and periods.period_start = new_papers.period_start
        and topics.topic = new_papers.topic
),

measured as (
    select
        topic,
        grain,
        period_start,
        n_papers,
        period_papers,
        n_papers / period_papers::double as share_of_listing,
        n_new_papers,
        cast(sum(n_new_papers) over topic_periods as bigint) as cumulative_papers,
        n_papers / period_papers::double
            - lag(n_papers / period_papers::double) over topic_periods as share_change,
        -- papers listed in the last 3 periods against the 3 periods before them, minus 1
        sum(n_papers) over (topic_periods rows between 2 preceding and current row)
            / nullif(sum(n_papers) over (topic_periods rows between 5 preceding and 3 preceding), 0)::double
            - 1 as rolling_growth
    from dense
    window topic_periods as (partition by topic, grain order by period_start)
)

select * from measured
