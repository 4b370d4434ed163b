{{
    config(
        materialized='incremental',
        unique_key='paper_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[
            "{{ delete_unlisted_papers(ref('search_postings')) }}",
        ]
    )
}}
-- The search index's documents: one row per indexed paper, the lengths BM25 normalises by (words
-- of its title and of its abstract, stop words left out). Incremental: only the papers that
-- search_postings wrote since this table's last build are counted again; a paper without
-- postings any more is deleted (the post-hook).
{%- set watermark = incremental_watermark('indexed_at') %}
select
    paper_id,
    any_value(title_words) as title_words,
    any_value(abstract_words) as abstract_words,
    max(indexed_at) as indexed_at
from {{ ref('search_postings') }}
{%- if watermark is not none %}
    where paper_id in (
            select paper_id
            from {{ ref('search_postings') }}
            where indexed_at > '{{ watermark }}'::timestamp
        )
{%- endif %}
group by paper_id
