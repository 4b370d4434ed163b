with source as (
    select * from {{ source('raw', 'rejects') }}
),

renamed as (
    select
        file_name,
        sha256,
        line_no,
        reason,
        excerpt,
        rejected_at
    from source
)

select * from renamed
