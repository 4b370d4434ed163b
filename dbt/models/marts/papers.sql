-- One row per paper: latest title and abstract, listing history, code link, primary topic.
with papers as (
    select * from {{ ref('int_papers__deduped') }}
),

primary_topics as (
    -- paper_topics ranks each paper's topics: rank 1 is the primary one
    select paper_id, topic as primary_topic
    from {{ ref('paper_topics') }}
    where is_primary
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
