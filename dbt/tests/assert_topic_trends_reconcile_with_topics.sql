{{ config(meta={"dagster": {"ref": {"name": "topic_trends"}}}) }}
-- For every topic and grain, the papers new in each period add up to the topic's papers.
with trend_totals as (
    select
        topic,
        grain,
        sum(n_new_papers) as n_new_papers
    from {{ ref('topic_trends') }}
    group by topic, grain
)

select
    trend_totals.*,
    topics.n_papers
from trend_totals
inner join {{ ref('topics') }} as topics on trend_totals.topic = topics.topic
where trend_totals.n_new_papers <> topics.n_papers
