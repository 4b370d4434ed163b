{{ config(materialized='view') }}
-- One row per (grain, period_start, paper_id): each paper listed in a period of each grain
-- (listing: its listing date; week: from Monday; month), with its listings there. The one place
-- that puts listings into periods: topic_trends, term_trends, trending_papers and weekly_digest
-- count from it. A view: each trend model reads the periods it needs (DuckDB pushes a filter on
-- grain below the grouping), nothing is stored twice.
with sightings as (
    select
        paper_id,
        listing_date,
        position
    from {{ ref('int_sightings__dated') }}
),

grains as (
    select unnest(['listing', 'week', 'month']) as grain
)

select
    grains.grain,
    {{ period_start('grains.grain', 'sightings.listing_date') }} as period_start,
    sightings.paper_id,
    count(*) as n_listings,
    count(distinct sightings.listing_date) as days_on_list,
    min(sightings.position) as best_position,
    max(sightings.listing_date) as last_listed
from sightings
cross join grains
group by all
