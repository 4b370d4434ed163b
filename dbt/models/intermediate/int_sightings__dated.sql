-- One row per listing on a loaded dump, with the dump's listing date (no texts: kept narrow).
with sightings as (
    select * from {{ ref('stg_raw__sightings') }}
),

loaded_dumps as (
    select dump_id, listing_date, ingested_at
    from {{ ref('stg_raw__dumps') }}
    where status = 'loaded'
),

dated as (
    select
        sightings.paper_id,
        sightings.dump_id,
        loaded_dumps.listing_date,
        sightings.position,
        loaded_dumps.ingested_at
    from sightings
    inner join loaded_dumps on sightings.dump_id = loaded_dumps.dump_id
)

select * from dated
