-- depends_on: {{ ref('topic_taxonomy') }}
-- depends_on: {{ ref('topic_exclusions') }}
{{
    config(
        materialized='incremental',
        unique_key='paper_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns'
    )
}}
-- One row per (paper, topic, field, term): the taxonomy terms found in each paper's title and
-- abstract, how often, and the tier of the term for that topic (strong, title, support; see the
-- topic_taxonomy seed). Phrases of the topic_exclusions seed ("human experts", "our code is
-- available") are blanked out before matching. Incremental on paper_id: only papers that are new,
-- whose latest text changed, or all papers when the taxonomy or exclusions changed
-- (taxonomy_version) are matched again; delete+insert removes every old row of a re-matched paper.
{%- set taxonomy_version = taxonomy_version() %}

with cleaned as (
    select
        papers.paper_id,
        papers.text_hash,
        regexp_replace(lower(papers.title), '{{ topic_exclusions() }}', ' ', 'g') as title,
        regexp_replace(lower(papers.abstract), '{{ topic_exclusions() }}', ' ', 'g') as abstract
    from {{ ref('int_papers__deduped') }} as papers
    {% if is_incremental() %}
    left join (
        select distinct paper_id, text_hash, taxonomy_version from {{ this }}
    ) as done on papers.paper_id = done.paper_id
    where done.paper_id is null
        or done.text_hash <> papers.text_hash
        or done.taxonomy_version <> '{{ taxonomy_version }}'
    {% endif %}
),

-- the title split at its first "via / with / using / through / by / leveraging / based on": a
-- topic named only after it is the paper's means ("8-bit Optimizers via Block-wise
-- Quantization"), which paper_topics ranks after its subject; and the abstract's first
-- sentence, where the paper says what field it is in
papers as (
    select
        paper_id,
        text_hash,
        case
            when regexp_matches(title, '\b(?:via|with|using|through|by|leveraging|based on)\b')
                then regexp_extract(title, '^(.*?)\b(?:via|with|using|through|by|leveraging|based on)\b', 1)
            else title
        end as title_head,
        case
            when regexp_matches(title, '\b(?:via|with|using|through|by|leveraging|based on)\b')
                then regexp_extract(title, '^.*?(\b(?:via|with|using|through|by|leveraging|based on)\b.*)$', 1)
            else ''
        end as title_means,
        abstract,
        split_part(abstract, '. ', 1) as abstract_lead
    from cleaned
),

taxonomy as (
    select topic, patterns, title_patterns, support_patterns from {{ ref('topic_taxonomy') }}
),

-- one regex pass over each text finds the candidate terms of every topic at once
hits as (
    select paper_id, text_hash, 'title' as field, unnest(regexp_extract_all(title_head, '{{ all_topic_patterns() }}')) as term
    from papers
    union all
    select paper_id, text_hash, 'title_means' as field, unnest(regexp_extract_all(title_means, '{{ all_topic_patterns() }}')) as term
    from papers
    union all
    select paper_id, text_hash, 'abstract_lead' as field, unnest(regexp_extract_all(abstract_lead, '{{ all_topic_patterns() }}')) as term
    from papers
    union all
    select paper_id, text_hash, 'abstract' as field, unnest(regexp_extract_all(abstract, '{{ all_topic_patterns() }}')) as term
    from papers
),

counted as (
    select paper_id, text_hash, field, term, count(*) as n_hits
    from hits
    group by paper_id, text_hash, field, term
),

-- each distinct term's topics and its tier there (few terms x few topics); a term is strong for a
-- topic if it matches the topic's patterns, else title-tier, else support
term_topics as (
    select
        terms.term,
        taxonomy.topic,
        case
            when regexp_full_match(terms.term, taxonomy.patterns) then 'strong'
            when taxonomy.title_patterns is not null and regexp_full_match(terms.term, taxonomy.title_patterns) then 'title'
            else 'support'
        end as tier
    from (select distinct term from counted) as terms
    inner join taxonomy
        on regexp_full_match(terms.term, taxonomy.patterns)
        or (taxonomy.title_patterns is not null and regexp_full_match(terms.term, taxonomy.title_patterns))
        or (taxonomy.support_patterns is not null and regexp_full_match(terms.term, taxonomy.support_patterns))
),

matched as (
    select
        papers.paper_id,
        papers.text_hash,
        '{{ taxonomy_version }}' as taxonomy_version,
        term_topics.topic,
        term_topics.tier,
        counted.field,
        counted.term,
        counted.n_hits
    from papers
    left join counted on papers.paper_id = counted.paper_id
    left join term_topics on counted.term = term_topics.term
)

select * from matched
