with source as (
    select * from {{ source('raw', 'sightings') }}
),

renamed as (
    select
        dump_id,
        position,
        paper_id,
        title,
        abstract
    from source
)

select * from renamed
