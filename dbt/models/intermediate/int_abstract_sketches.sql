{{
    config(
        materialized='incremental',
        unique_key=['title_id', 'abstract_hash'],
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[
            "delete from {{ this }} where dump_id not in (select dump_id from {{ ref('stg_raw__dumps') }} where status = 'loaded')",
        ]
    )
}}
-- One row per distinct abstract of each title (title_id is the raw layer's paper_id, the hash of
-- the normalised title): a bottom-k MinHash sketch of its word shingles, the k smallest shingle
-- hashes, which int_abstract_matches joins on to find near-duplicate abstracts under other titles.
--
-- Incremental: a build sketches the texts of the dumps ingested after the latest one this table
-- has seen, leaving out the texts it holds already. Each text keeps the first listing it was seen
-- in (dump_id, position), where int_abstract_matches reads it back; when that listing's file is
-- superseded, the text is sketched again from the title's listings still loaded, or deleted when
-- it is listed nowhere any more (the post-hook). A change of the shingle rules builds it in full.
{%- set rules = 'shingles=' ~ var('retitle_shingle_words') ~ ';k=' ~ var('retitle_sketch_size') %}
{%- set watermark = incremental_watermark('ingested_at', 'rules_version', rules) %}
with loaded_dumps as (
    select
        dump_id,
        ingested_at
    from {{ ref('stg_raw__dumps') }}
    where status = 'loaded'
),

{%- if watermark is not none %}

-- the texts this table holds whose first listing is gone: their titles are read again
    moved as (
        select distinct title_id
        from {{ this }}
        where dump_id not in (select dump_id from loaded_dumps)
    ),

    known as (
        select
            title_id,
            abstract_hash
        from {{ this }}
        where dump_id in (select dump_id from loaded_dumps)
    ),
{%- endif %}

listings as (
    select
        sightings.paper_id as title_id,
        md5(sightings.abstract) as abstract_hash,
        sightings.abstract,
        sightings.dump_id,
        sightings.position,
        loaded_dumps.ingested_at
    from {{ ref('stg_raw__sightings') }} as sightings
    inner join loaded_dumps on sightings.dump_id = loaded_dumps.dump_id
    {%- if watermark is not none %}
        where loaded_dumps.ingested_at > '{{ watermark }}'::timestamp
            or sightings.paper_id in (select title_id from moved)
    {%- endif %}
),

-- each text once, at the first listing it was seen in
texts as (
    select
        title_id,
        abstract_hash,
        arg_min(
            {
                'abstract': abstract,
                'dump_id': dump_id,
                'position': position,
                'ingested_at': ingested_at
            },
            (ingested_at, dump_id, position)
        ) as first_listing
    from listings
    group by title_id, abstract_hash
),

new_texts as (
    select texts.*
    from texts
    {%- if watermark is not none %}
        anti join known
            on texts.title_id = known.title_id and texts.abstract_hash = known.abstract_hash
    {%- endif %}
),

worded as (
    select
        title_id,
        abstract_hash,
        first_listing,
        {{ abstract_words('first_listing.abstract') }} as words
    from new_texts
),

shingled as (
    select
        title_id,
        abstract_hash,
        first_listing,
        {{ shingle_hashes('words') }} as shingles
    from worded
),

final as (
    select
        title_id,
        abstract_hash,
        first_listing.dump_id as dump_id,
        first_listing.position as position,
        first_listing.ingested_at as ingested_at,
        len(shingles) as n_shingles,
        list_slice(list_sort(shingles), 1, {{ var('retitle_sketch_size') }}) as sketch,
        '{{ rules }}' as rules_version,
        timezone('UTC', now()) as sketched_at
    from shingled
)

select * from final
