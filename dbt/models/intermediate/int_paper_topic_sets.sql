{{
    config(
        materialized='incremental',
        unique_key='paper_id',
        incremental_strategy='delete+insert',
        post_hook=["{{ delete_unlisted_papers(ref('int_papers__deduped')) }}"]
    )
}}
-- One row per paper: its topics (marts.paper_topics without 'other', in name order) and the
-- topics it had before its latest change, so that int_topic_term_counts can count a paper whose
-- topics changed out by what it had counted in. Incremental (delete+insert on paper_id): a build
-- reads only the papers paper_topics wrote since this table's latest (topics_at); a paper no
-- longer listed is deleted (the post-hook).
{%- set watermark = incremental_watermark('topics_at') %}
with changed as (
    select
        paper_id,
        coalesce(list(topic order by topic) filter (where topic <> 'other'), []) as topics,
        max(updated_at) as topics_at
    from {{ ref('paper_topics') }}
    {%- if watermark is not none %}
        where paper_id in (
                select paper_id
                from {{ ref('paper_topics') }}
                where updated_at > '{{ watermark }}'::timestamp
            )
    {%- endif %}
    group by paper_id
),

final as (
    select
        changed.paper_id,
        changed.topics,
        {%- if is_incremental() %}
            known.topics as previous_topics,
            known.updated_at as previous_updated_at,
        {%- else %}
            null::varchar[] as previous_topics,
            null::timestamp as previous_updated_at,
        {%- endif %}
        changed.topics_at,
        timezone('UTC', now()) as updated_at
    from changed
    {%- if is_incremental() %}
        left join {{ this }} as known on changed.paper_id = known.paper_id
    {%- endif %}
)

select * from final
