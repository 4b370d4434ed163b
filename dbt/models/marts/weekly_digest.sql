-- One row per week (ISO weeks, from Monday) of the latest var('digest_weeks') weeks with listings:
-- the entries of the weekly digest feed (digest.xml, written with the trend report). Each holds
-- the week's var('digest_items') most rising topics (topic_trends, week grain: the largest rise
-- in share of the week's listings against the week before, rises only), its most rising terms
-- (term_trends, week grain, the same rule, terms held by at least var('digest_min_papers') of
-- the week's papers) and its top papers (trending_papers, week grain, by rank). A week that is
-- not over at the latest listing date is partial; its entry is updated as the week goes on
-- (updated_on: its latest listing date).
with weeks as (
    select
        period_start as week_start,
        count(*) as n_papers,
        max(last_listed) as updated_on
    from {{ ref('int_sightings__periodised') }}
    where grain = 'week'
    group by period_start
    order by week_start desc
    limit {{ var('digest_weeks') }}
),

latest as (
    select max(updated_on) as latest_date from weeks
),

rising_topics as (
    select
        period_start as week_start,
        list(
            { 'topic': topic, 'share': share_of_listing, 'share_change': share_change }
            order by share_change desc, topic
        )[1:{{ var('digest_items') }}] as rising_topics
    from {{ ref('topic_trends') }}
    where grain = 'week' and share_change > 0
        and period_start in (select week_start from weeks)
    group by period_start
),

rising_terms as (
    select
        period_start as week_start,
        list(
            { 'term': term, 'n_papers': n_papers, 'share_change': share_change }
            order by share_change desc, term
        )[1:{{ var('digest_items') }}] as rising_terms
    from {{ ref('term_trends') }}
    where grain = 'week' and share_change > 0 and n_papers >= {{ var('digest_min_papers') }}
        and period_start in (select week_start from weeks)
    group by period_start
),

top_papers as (
    select
        trending.period_start as week_start,
        list(
            {
                'paper_id': trending.paper_id,
                'title': papers.title,
                'n_listings': trending.n_listings,
                'code_url': papers.code_url
            }
            order by trending.rank
        )[1:{{ var('digest_items') }}] as top_papers
    from {{ ref('trending_papers') }} as trending
    inner join {{ ref('papers') }} as papers on trending.paper_id = papers.paper_id
    where trending.grain = 'week' and trending.rank <= {{ var('digest_items') }}
        and trending.period_start in (select week_start from weeks)
    group by trending.period_start
)

select
    'tag:papertrends,2026:digest/' || strftime(weeks.week_start, '%Y-%m-%d') as entry_id,
    weeks.week_start,
    weeks.week_start + 6 as week_end,
    weeks.updated_on,
    weeks.updated_on < weeks.week_start + 6 and weeks.updated_on = latest.latest_date as is_partial,
    weeks.n_papers,
    coalesce(rising_topics.rising_topics, []) as rising_topics,
    coalesce(rising_terms.rising_terms, []) as rising_terms,
    coalesce(top_papers.top_papers, []) as top_papers
from weeks
cross join latest
left join rising_topics on weeks.week_start = rising_topics.week_start
left join rising_terms on weeks.week_start = rising_terms.week_start
left join top_papers on weeks.week_start = top_papers.week_start
