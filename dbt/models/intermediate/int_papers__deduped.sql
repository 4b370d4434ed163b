-- One row per paper: its latest title and abstract, when it was first and last listed.
with sightings as (
    select
        sightings.paper_id,
        sightings.title,
        sightings.abstract,
        dumps.listing_date,
        dumps.ingested_at,
        sightings.dump_id,
        sightings.position
    from {{ ref('stg_raw__sightings') }} as sightings
    inner join {{ ref('stg_raw__dumps') }} as dumps on sightings.dump_id = dumps.dump_id
    where dumps.status = 'loaded'
),

papers as (
    select
        paper_id,
        -- the latest listing wins: latest date, then latest ingested, then a stable tie-break
        arg_max(title, (listing_date, ingested_at, dump_id, -position)) as title,
        arg_max(abstract, (listing_date, ingested_at, dump_id, -position)) as abstract,
        min(listing_date) as first_seen,
        max(listing_date) as last_seen,
        count(*) as n_listings
    from sightings
    group by paper_id
),

final as (
    select
        paper_id,
        title,
        abstract,
        md5(title || chr(10) || abstract) as text_hash,
        first_seen,
        last_seen,
        n_listings,
        -- first GitHub or GitLab repository link; a trailing period ends the sentence, not the URL
        nullif(
            rtrim(
                regexp_extract(
                    abstract,
                    'https?://(?:www\.)?(?:github\.com|gitlab\.com)/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+'
                ),
                '.'
            ),
            ''
        ) as code_url
    from papers
)

select * from final
