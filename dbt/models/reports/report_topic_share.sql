-- The "Topic share over time" chart, per grain: the var('report_top_topics') topics with the most
-- papers listed over the grain's periods ('other' aside, ties by name), each with its share of
-- every period's papers (null where marts.topic_trends has no row for it: a gap in the line).
with trends as (
    select
        grain,
        topic,
        period_start,
        n_papers,
        share_of_listing
    from {{ ref('topic_trends') }}
),

periods as (
    select distinct
        grain,
        period_start
    from trends
),

top_topics as (
    select
        grain,
        topic,
        row_number() over (partition by grain order by sum(n_papers) desc, topic) as topic_rank
    from trends
    where topic <> 'other'
    group by grain, topic
    having sum(n_papers) > 0
    qualify topic_rank <= {{ var('report_top_topics') }}
)

select
    top_topics.grain,
    top_topics.topic_rank,
    top_topics.topic,
    periods.period_start,
    trends.share_of_listing
from top_topics
inner join periods on top_topics.grain = periods.grain
left join trends
    on top_topics.grain = trends.grain
        and top_topics.topic = trends.topic
        and periods.period_start = trends.period_start
