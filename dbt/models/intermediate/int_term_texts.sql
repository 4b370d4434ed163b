{{
    config(
        materialized='incremental',
        unique_key='surface_id',
        incremental_strategy='delete+insert',
        post_hook="delete from {{ this }} where extraction_version <> (select max(extraction_version) from {{ ref('int_paper_terms') }})"
    )
}}
-- The texts behind the phrase ids: every surface int_paper_terms has written, gathered from the
-- new_surfaces of its batches (each batch writes the texts of the surfaces it met first).
-- Incremental: the batches extracted since the latest one here; the post-hook drops the rows of
-- an older extraction version (their ids mean nothing under the new one).
with batches as (
    select
        extraction_version,
        extracted_at,
        unnest(new_surfaces) as s
    from {{ ref('int_paper_terms') }}
    {%- if is_incremental() %}
        where extracted_at
            > (select coalesce(max(extracted_at), '-infinity'::timestamp) from {{ this }})
    {%- endif %}
),

surfaces as (
    select
        s.surface_id,
        any_value(s.term_id) as term_id,
        any_value(s.surface) as surface,
        any_value(s.term) as term,
        max(extraction_version) as extraction_version,
        max(extracted_at) as extracted_at
    from batches
    group by s.surface_id
)

select surfaces.*
from surfaces
{%- if is_incremental() %}
    anti join {{ this }} as known on surfaces.surface_id = known.surface_id
{%- endif %}
