-- sqlfluff:exclude_rules:layout.indent
-- (a Jinja block inside a where clause renders two ways, and the two want different indents)
-- depends_on: {{ ref('topic_taxonomy') }}
-- depends_on: {{ ref('topic_exclusions') }}
-- One row per (paper, topic): every topic a paper is assigned (multi-label), ranked, with the
-- terms that explain it and a confidence; a paper assigned no topic has the single topic 'other'.
-- The rules (README "How topics are matched"): a term's weight depends on its tier and field;
-- generic support terms never assign a topic alone; a topic named in the title must be
-- confirmed by the abstract, one only in the abstract must recur there; it must come close
-- enough to the paper's best topic. The primary topic is the paper's subject, not its means.
--
-- Incremental (delete+insert on paper_id): a build ranks again only the papers that
-- int_paper_topics matched since this table's last build (updated_at); all papers when the rules
-- changed (rules_version: this model's SQL, its topic_* vars and the taxonomy seeds). Papers no
-- longer listed are deleted (the post-hook). A full build gives the same table.
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
{%- set facets = "'" ~ var('topic_facets') | join("', '") ~ "'" %}
{%- set domains = "'" ~ var('topic_domains') | join("', '") ~ "'" %}
{%- set rule_vars = [] %}
{%- for name in ['topic_facets', 'topic_study_weight', 'topic_title_weight', 'topic_support_weight',
    'topic_abstract_hits_cap', 'topic_support_cap', 'topic_title_confirm_hits', 'topic_abstract_only_hits',
    'topic_lead_confirm_hits', 'topic_min_evidence', 'topic_lead_bonus', 'topic_domains', 'topic_domain_bonus', 'topic_relative_min', 'topic_max_topics'] %}
    {%- do rule_vars.append(name ~ '=' ~ var(name) | string) %}
{%- endfor %}
{%- set rules_version = local_md5(model.raw_code ~ taxonomy_version() ~ rule_vars | join(';')) %}
{%- set watermark = incremental_watermark('updated_at', 'rules_version', rules_version) %}
with todo as (
    select distinct paper_id
    from {{ ref('int_paper_topics') }}
    {%- if watermark is not none %}
        where matched_at > '{{ watermark }}'::timestamp
    {%- endif %}
),

matches as (
    select
        paper_id,
        topic,
        tier,
        -- the title's two parts weigh the same; each term once per field
        case when field = 'title_means' then 'title' else field end as field,
        term,
        sum(n_hits) as n_hits,
        bool_or(field = 'title') as in_title_head
    from {{ ref('int_paper_topics') }}
    where topic is not null
        {%- if watermark is not none %}
            and paper_id in (select paper_id from todo)
        {%- endif %}
    group by all
),

papers as (
    select paper_id from {{ ref('int_papers__deduped') }}
    {%- if watermark is not none %}
        where paper_id in (select paper_id from todo)
    {%- endif %}
),

weighted as (
    select
        paper_id,
        topic,
        term,
        field,
        tier,
        n_hits,
        in_title_head,
        -- strong evidence: a strong or title-tier term in the title, a strong term in the abstract
        (field = 'title' and tier in ('strong', 'title'))
        or (field = 'abstract' and tier in ('strong', 'study')) as is_strong,
        case
            when field = 'abstract_lead' then 0
            when tier = 'study' then {{ var('topic_study_weight') }}
            when
                field = 'title' and tier in ('strong', 'title')
                then {{ var('topic_title_weight') }}
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
        coalesce(sum(weight) filter (where is_strong and field = 'abstract'), 0)
            as abstract_evidence,
        coalesce(sum(weight) filter (where not is_strong), 0) as support_evidence,
        bool_or(is_strong and field = 'title') as in_title,
        bool_or(field = 'title' and tier = 'strong') as strong_in_title,
        coalesce(sum(n_hits) filter (where field = 'abstract' and tier = 'title'), 0)
            as abstract_title_hits,
        -- named in the title only after "via / with / using ...": the paper's means
        bool_or(is_strong and field = 'title')
        and not bool_or(is_strong and in_title_head) as means_only,
        bool_or(field = 'abstract_lead') as in_lead,
        list_sort(list_distinct(list(term) filter (where field <> 'abstract_lead')))
            as matched_terms
    from weighted
    group by paper_id, topic
),

candidates as (
    select
        *,
        strong_evidence + least(support_evidence, {{ var('topic_support_cap') }}) as evidence,
        (in_title and abstract_evidence >= {{ var('topic_title_confirm_hits') }})
        -- a title-tier term ("pre-training", "transfer") named in the title and recurring in
        -- the abstract as often as an abstract-only topic must
        or (in_title and abstract_title_hits >= {{ var('topic_abstract_only_hits') }})
        -- a facet named by a strong term in the title ("survey", "benchmark dataset") needs
        -- no confirmation: those terms say what kind of paper it is
        or (strong_in_title and topic in ({{ facets }}))
        or abstract_evidence >= {{ var('topic_abstract_only_hits') }}
        -- recurring less, but named in the abstract's first sentence as well
        or (in_lead and abstract_evidence >= {{ var('topic_lead_confirm_hits') }}) as confirmed
    from scored
    where strong_evidence >= {{ var('topic_min_evidence') }}
),

-- a topic is kept when confirmed; a paper with candidates but none confirmed keeps its best
kept as (
    select *
    from candidates
    qualify confirmed
        or (
            not bool_or(confirmed) over (partition by paper_id)
            and row_number()
                over (partition by paper_id order by evidence desc, in_title desc, topic)
            = 1
        )
),

ranked as (
    select
        *,
        max(evidence) over (partition by paper_id) as best_evidence,
        row_number()
            over (partition by paper_id order by evidence desc, in_title desc, topic)
            as evidence_rank
    from kept
),

assigned as (
    select
        *,
        row_number() over (
            partition by paper_id
            order by
                topic in ({{ facets }}),
                means_only,
                evidence
                + case when in_lead then {{ var('topic_lead_bonus') }} else 0 end
                + case
                    when topic in ({{ domains }}) then {{ var('topic_domain_bonus') }} else 0
                end desc,
                in_title desc,
                topic
        ) as topic_rank
    from ranked
    where (evidence >= {{ var('topic_relative_min') }} * best_evidence or topic in ({{ facets }}))
        and evidence_rank <= {{ var('topic_max_topics') }}
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
    select
        paper_id,
        topic,
        topic_rank::integer as topic_rank,
        topic_rank = 1 as is_primary,
        -- confidence in [0, 1): 0.5 at the minimum evidence, 0.75 at three times it
        (evidence / (evidence + {{ var('topic_min_evidence') }}))::double as score,
        evidence::double as evidence,
        matched_terms
    from assigned
    union all
    select
        paper_id,
        topic,
        topic_rank::integer,
        true as is_primary,
        score,
        evidence,
        matched_terms
    from unmatched
),

stamped as (
    select
        *,
        '{{ rules_version }}' as rules_version,
        timezone('UTC', now()) as updated_at
    from final
)

select * from stamped
