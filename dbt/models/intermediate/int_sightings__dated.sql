-- One row per listing of a paper on a loaded dump, with the dump's listing date (no texts: kept
-- narrow). paper_id is the paper's: a retitled paper's listings under any of its titles carry
-- the id of its first title (int_paper_aliases), title_id the listed title's own (the raw
-- layer's paper_id). Should a dump list one paper under two of its titles, its first place
-- counts: one listing per paper and dump.
with sightings as (
    select * from {{ ref('stg_raw__sightings') }}
),

loaded_dumps as (
    select
        dump_id,
        listing_date,
        ingested_at
    from {{ ref('stg_raw__dumps') }}
    where status = 'loaded'
),

aliases as (
    select
        title_id,
        paper_id
    from {{ ref('int_paper_aliases') }}
),

dated as (
    select
        coalesce(aliases.paper_id, sightings.paper_id) as paper_id,
        sightings.paper_id as title_id,
        sightings.dump_id,
        loaded_dumps.listing_date,
        sightings.position,
        loaded_dumps.ingested_at,
        aliases.paper_id is not null as is_aliased
    from sightings
    inner join loaded_dumps on sightings.dump_id = loaded_dumps.dump_id
    left join aliases on sightings.paper_id = aliases.title_id
),

final as (
    select * exclude (is_aliased) from dated
    where not is_aliased
    union all
    select * exclude (is_aliased)
    from dated
    where is_aliased
    qualify row_number() over (partition by paper_id, dump_id order by position) = 1
)

select * from final
