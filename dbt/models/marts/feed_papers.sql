-- One row per paper first listed on one of the latest var('feed_listing_dates') listing dates:
-- the entries of the papers feed (feed.xml, written with the trend report), newest first. The
-- entry id is a tag URI of the paper_id, which stays the paper's through retitles, so a feed
-- reader shows each paper once.
with sightings as (
    select
        paper_id,
        listing_date,
        position
    from {{ ref('paper_sightings') }}
),

latest_dates as (
    select distinct listing_date
    from sightings
    order by listing_date desc
    limit {{ var('feed_listing_dates') }}
),

new_papers as (
    select
        paper_id,
        title,
        abstract,
        first_seen,
        code_url,
        primary_topic
    from {{ ref('papers') }}
    where first_seen in (select listing_date from latest_dates)
),

first_positions as (
    select
        sightings.paper_id,
        min(sightings.position) as position
    from sightings
    inner join new_papers
        on sightings.paper_id = new_papers.paper_id
            and sightings.listing_date = new_papers.first_seen
    group by sightings.paper_id
),

topics as (
    select
        paper_id,
        list(topic order by topic_rank) as topics
    from {{ ref('paper_topics') }}
    where paper_id in (select paper_id from new_papers)
    group by paper_id
)

select
    'tag:papertrends,2026:paper/' || new_papers.paper_id as entry_id,
    new_papers.paper_id,
    new_papers.title,
    new_papers.abstract,
    new_papers.first_seen as listing_date,
    first_positions.position,
    new_papers.primary_topic,
    coalesce(topics.topics, []::varchar[]) as topics,
    new_papers.code_url
from new_papers
left join first_positions on new_papers.paper_id = first_positions.paper_id
left join topics on new_papers.paper_id = topics.paper_id
