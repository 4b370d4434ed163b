-- One row per (paper, topic): every topic a paper is assigned (multi-label), ranked, with the
-- terms that explain it and a confidence; a paper assigned no topic has the single topic 'other'.
-- The rules (README "Topics"): a term's weight depends on its tier and field; a topic needs strong
-- evidence of its own (generic support terms alone never assign it), and must come close enough
-- to the paper's best topic.
with matches as (
    select * from {{ ref('int_paper_topics') }} where topic is not null
),

papers as (
    select paper_id from {{ ref('int_papers__deduped') }}
),

weighted as (
    select
        paper_id,
        topic,
        term,
        field,
        -- strong evidence: a strong or title-tier term in the title, a strong term in the abstract
        (field = 'title' and tier in ('strong', 'title')) or (field = 'abstract' and tier = 'strong') as is_strong,
        case
            when field = 'title' and tier in ('strong', 'title') then {{ var('topic_title_weight') }}
            when field = 'title' then 2 * {{ var('topic_support_weight') }}
            when tier = 'strong' then least(n_hits, {{ var('topic_abstract_hits_cap') }})
            else {{ var('topic_support_weight') }} * least(n_hits, 2)
        end as weight
    from matches
),

scored as (
    select
        paper_id,
        topic,
        coalesce(sum(weight) filter (where is_strong), 0) as strong_evidence,
        coalesce(sum(weight) filter (where not is_strong), 0) as support_evidence,
        bool_or(is_strong and field = 'title') as in_title,
        list_sort(list_distinct(list(term))) as matched_terms
    from weighted
    group by paper_id, topic
),

candidates as (
    select
        *,
        strong_evidence + least(support_evidence, {{ var('topic_support_cap') }}) as evidence
    from scored
    where strong_evidence >= {{ var('topic_min_evidence') }}
),

ranked as (
    select
        *,
        max(evidence) over (partition by paper_id) as best_evidence,
        row_number() over (partition by paper_id order by evidence desc, in_title desc, topic) as topic_rank
    from candidates
),

assigned as (
    select
        paper_id,
        topic,
        topic_rank::integer as topic_rank,
        matched_terms,
        evidence::double as evidence,
        -- confidence in [0, 1): 0.5 at the minimum evidence, 0.75 at three times it
        (evidence / (evidence + {{ var('topic_min_evidence') }}))::double as score
    from ranked
    where evidence >= {{ var('topic_relative_min') }} * best_evidence
        and topic_rank <= {{ var('topic_max_topics') }}
),

unmatched as (
    select
        papers.paper_id,
        'other' as topic,
        1 as topic_rank,
        []::varchar[] as matched_terms,
        0.0::double as evidence,
        0.0::double as score
    from papers
    anti join assigned on papers.paper_id = assigned.paper_id
),

final as (
    select paper_id, topic, topic_rank, topic_rank = 1 as is_primary, score, evidence, matched_terms from assigned
    union all
    select paper_id, topic, topic_rank, true as is_primary, score, evidence, matched_terms from unmatched
)

select * from final
