-- The "Papers per listing" chart: one row per listing date, its distinct papers split into new
-- ones (first listed that day) and papers returning from an earlier listing.
select
    sightings.listing_date,
    count(distinct sightings.paper_id) filter (
        where papers.first_seen = sightings.listing_date
    ) as n_new,
    count(distinct sightings.paper_id) filter (
        where papers.first_seen < sightings.listing_date
    ) as n_returning
from {{ ref('paper_sightings') }} as sightings
inner join {{ ref('papers') }} as papers on sightings.paper_id = papers.paper_id
group by sightings.listing_date
