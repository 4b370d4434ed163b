{{
    config(
        materialized='incremental',
        unique_key='paper_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[
            "{{ delete_unlisted_papers(ref('int_papers__deduped')) }}",
        ]
    )
}}
-- One row per title a paper was listed under: a retitled paper (README "Retitled papers") has
-- one row per title, every other paper one. The title as its latest listing under it wrote it,
-- first and last listing dates and listings under that title, and whether it is the title
-- marts.papers shows (the paper's latest listing's).
--
-- Incremental (delete+insert on paper_id): only the papers int_papers__deduped wrote since this
-- table's last build are written again; papers no longer listed are deleted (the post-hook).
{%- set watermark = incremental_watermark('updated_at') %}
with papers as (
    select
        paper_id,
        latest_dump_id,
        latest_position
    from {{ ref('int_papers__deduped') }}
    {%- if watermark is not none %}
        where updated_at > '{{ watermark }}'::timestamp
    {%- endif %}
),

sightings as (
    select sightings.*
    from {{ ref('int_sightings__dated') }} as sightings
    {%- if watermark is not none %}
        semi join papers on sightings.paper_id = papers.paper_id
    {%- endif %}
),

titles as (
    select
        paper_id,
        title_id,
        min(listing_date) as first_seen,
        max(listing_date) as last_seen,
        count(*) as n_listings,
        arg_max(
            { 'dump_id': dump_id, 'position': position },
            (listing_date, ingested_at, dump_id, -position)
        ) as latest_listing
    from sightings
    group by paper_id, title_id
),

final as (
    select
        titles.paper_id,
        titles.title_id,
        texts.title,
        titles.first_seen,
        titles.last_seen,
        titles.n_listings,
        titles.latest_listing.dump_id = papers.latest_dump_id
        and titles.latest_listing.position = papers.latest_position as is_current,
        timezone('UTC', now()) as updated_at
    from titles
    inner join papers on titles.paper_id = papers.paper_id
    inner join {{ ref('stg_raw__sightings') }} as texts
        on titles.latest_listing.dump_id = texts.dump_id
            and titles.latest_listing.position = texts.position
)

select * from final
