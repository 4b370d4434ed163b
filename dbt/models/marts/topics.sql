-- One row per topic of the taxonomy (plus 'other'): how many papers it holds and since when.
with taxonomy as (
    select
        topic,
        description
    from {{ ref('topic_taxonomy') }}
    union all
    select
        'other' as topic,
        'Papers that match no topic of the taxonomy.' as description
),

paper_topics as (
    select * from {{ ref('paper_topics') }}
),

papers as (
    select * from {{ ref('int_papers__deduped') }}
),

totals as (
    select count(*) as n_papers from papers
),

per_topic as (
    select
        paper_topics.topic,
        count(distinct paper_topics.paper_id) as n_papers,
        min(papers.first_seen) as first_seen,
        max(papers.last_seen) as last_seen,
        count(distinct case when papers.code_url is not null then papers.paper_id end)
            as n_with_code
    from paper_topics
    inner join papers on paper_topics.paper_id = papers.paper_id
    group by paper_topics.topic
),

final as (
    select
        taxonomy.topic,
        taxonomy.description,
        coalesce(per_topic.n_papers, 0) as n_papers,
        -- an empty warehouse holds no papers: every share is 0, not NULL (0 of 0 papers)
        coalesce(coalesce(per_topic.n_papers, 0) / nullif(totals.n_papers, 0)::double, 0.0)
            as share_of_papers,
        per_topic.first_seen,
        per_topic.last_seen,
        coalesce(per_topic.n_with_code, 0) as n_with_code
    from taxonomy
    cross join totals
    left join per_topic on taxonomy.topic = per_topic.topic
)

select * from final
