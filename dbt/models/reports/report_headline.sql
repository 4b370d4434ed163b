-- One row: the facts at the top of the trend report (papers, listings, dumps, listing dates and
-- their range), and how many topics and papers its sections show (dbt vars, for their ledes).
-- On a warehouse with no listings yet: zero counts and null dates (the page says "Nothing yet").
with sightings as (
    select
        dump_id,
        listing_date
    from {{ ref('paper_sightings') }}
)

select
    (select count(*) from {{ ref('papers') }}) as n_papers,
    count(*) as n_listings,
    count(distinct dump_id) as n_dumps,
    count(distinct listing_date) as n_dates,
    min(listing_date) as first_date,
    max(listing_date) as last_date,
    {{ var('report_top_topics') }} as top_topics,
    {{ var('report_trending_papers') }} as top_trending
from sightings
