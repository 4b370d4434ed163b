-- One row per paper: latest title and abstract, listing history, code link, primary topic.
with papers as (
    select * from {{ ref('int_papers__deduped') }}
),

primary_topics as (
    select
        paper_id,
        -- the highest score wins; ties go to the alphabetically first topic
        arg_min(topic, (-score, topic)) as primary_topic
    from {{ ref('paper_topics') }}
    group by paper_id
),

final as (
    select
        papers.paper_id,
        papers.title,
        papers.abstract,
        papers.first_seen,
        papers.last_seen,
        papers.n_listings,
        papers.code_url,
        primary_topics.primary_topic
    from papers
    left join primary_topics on papers.paper_id = primary_topics.paper_id
)

select * from final
