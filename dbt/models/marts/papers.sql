-- sqlfluff:exclude_rules:layout.indent
-- (a Jinja block inside a where clause renders two ways, and the two want different indents)
{{
    config(
        materialized='incremental',
        unique_key='paper_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[
            "{{ delete_unlisted_papers(ref('int_papers__deduped')) }}",
            "create index if not exists papers_by_paper_id on {{ this }} (paper_id)",
        ]
    )
}}
-- One row per paper: latest title and abstract, listing history, code link, primary topic.
--
-- Incremental (delete+insert on paper_id): a build writes again only the papers whose
-- int_papers__deduped row or whose topics (paper_topics) were written since this table's last
-- build (updated_at); papers no longer listed are deleted (the post-hook). A full build gives the
-- same table. An index on paper_id (the second post-hook) lets a reader fetch a few papers by id
-- without scanning them all (`papertrends search` reads its best few papers by id).
{%- set watermark = incremental_watermark('updated_at') %}
with
{%- if watermark is not none %}
    todo as (
        select paper_id
        from {{ ref('int_papers__deduped') }}
        where updated_at > '{{ watermark }}'::timestamp
        union
        select paper_id
        from {{ ref('paper_topics') }}
        where updated_at > '{{ watermark }}'::timestamp
    ),
{%- endif %}

papers as (
    select * from {{ ref('int_papers__deduped') }}
    {%- if watermark is not none %}
        where paper_id in (select paper_id from todo)
    {%- endif %}
),

primary_topics as (
    -- paper_topics ranks each paper's topics: rank 1 is the primary one
    select
        paper_id,
        topic as primary_topic
    from {{ ref('paper_topics') }}
    where is_primary
        {%- if watermark is not none %}
            and paper_id in (select paper_id from todo)
        {%- endif %}
),

final as (
    select
        papers.paper_id,
        papers.title,
        papers.abstract,
        papers.first_seen,
        papers.last_seen,
        papers.n_listings,
        papers.n_titles,
        papers.code_url,
        primary_topics.primary_topic,
        timezone('UTC', now()) as updated_at
    from papers
    left join primary_topics on papers.paper_id = primary_topics.paper_id
)

select * from final
