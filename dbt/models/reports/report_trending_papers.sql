-- The "Top papers this week and this month" tables: for grain week and month, the top
-- var('report_trending_papers') papers of the latest period of marts.trending_papers (ranked
-- there: listings in the period, then days on the list, then best position), with their title,
-- primary topic and code link.
with trending as (
    select * from {{ ref('trending_papers') }}
),

latest as (
    select
        grain,
        max(period_start) as period_start
    from trending
    group by grain
)

select
    trending.grain,
    trending.period_start,
    trending.is_partial,
    trending.rank,
    trending.paper_id,
    papers.title,
    trending.n_listings,
    trending.days_on_list,
    trending.first_seen,
    coalesce(papers.primary_topic, 'other') as primary_topic,
    papers.code_url
from trending
inner join latest on trending.grain = latest.grain and trending.period_start = latest.period_start
inner join {{ ref('papers') }} as papers on trending.paper_id = papers.paper_id
where trending.rank <= {{ var('report_trending_papers') }}
