-- One row per listing: which paper was listed on which dump, on which date, at which position.
with sightings as (
    select * from {{ ref('int_sightings__dated') }}
),

final as (
    select
        paper_id,
        dump_id,
        title_id,
        listing_date,
        position
    from sightings
)

select * from final
