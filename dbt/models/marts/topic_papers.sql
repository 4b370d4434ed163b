-- Two short lists of papers per topic for its page in the trend report (topics/<topic>.html):
-- 'latest_month', the topic's papers listed in the latest month, ranked as in trending_papers
-- (listings in the month, days on the list, best position); 'with_code', the topic's papers
-- with a code link, most listed first (then the most recently listed, then title). The
-- var('topic_page_papers') first of each list. A paper is the topic's when paper_topics gives it
-- the topic (any rank, not only the primary one).
with paper_topics as (
    select
        paper_id,
        topic
    from {{ ref('paper_topics') }}
    where topic <> 'other'
),

papers as (
    select
        paper_id,
        title,
        first_seen,
        last_seen,
        n_listings,
        code_url
    from {{ ref('papers') }}
),

latest_month as (
    select
        paper_topics.topic,
        'latest_month' as list_name,
        row_number() over (partition by paper_topics.topic order by trending.rank) as list_rank,
        trending.paper_id,
        trending.period_start,
        trending.n_listings as n_listings_in_period,
        trending.is_partial
    from {{ ref('trending_papers') }} as trending
    inner join paper_topics on trending.paper_id = paper_topics.paper_id
    where trending.grain = 'month'
        and trending.period_start = (
            select max(period_start) from {{ ref('trending_papers') }}
            where grain = 'month'
        )
),

with_code as (
    select
        paper_topics.topic,
        'with_code' as list_name,
        row_number() over (
            partition by paper_topics.topic
            order by papers.n_listings desc, papers.last_seen desc, papers.title, papers.paper_id
        ) as list_rank,
        papers.paper_id,
        null::date as period_start,
        null::bigint as n_listings_in_period,
        null::boolean as is_partial
    from papers
    inner join paper_topics on papers.paper_id = paper_topics.paper_id
    where papers.code_url is not null
),

listed as (
    select * from latest_month
    where list_rank <= {{ var('topic_page_papers') }}
    union all
    select * from with_code
    where list_rank <= {{ var('topic_page_papers') }}
)

select
    listed.topic,
    listed.list_name,
    listed.list_rank::integer as list_rank,
    listed.paper_id,
    papers.title,
    papers.first_seen,
    papers.last_seen,
    papers.n_listings,
    papers.code_url,
    listed.period_start,
    listed.n_listings_in_period,
    listed.is_partial
from listed
inner join papers on listed.paper_id = papers.paper_id
