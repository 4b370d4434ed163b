with source as (
    select * from {{ source('raw', 'dumps') }}
),

renamed as (
    select
        dump_id,
        file_name,
        sha256,
        n_bytes,
        listing_date,
        listing_date_source,
        status,
        duplicate_of,
        n_sightings,
        n_rejects,
        reason,
        ingested_at
    from source
)

select * from renamed
