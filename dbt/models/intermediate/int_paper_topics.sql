-- depends_on: {{ ref('topic_taxonomy') }}
{{
    config(
        materialized='incremental',
        unique_key='paper_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns'
    )
}}
-- One row per (paper, matched topic, field, term): the topic terms found in each paper's text.
-- Incremental on paper_id: only papers that are new, whose latest text changed, or all papers
-- when the taxonomy changed (taxonomy_version) are matched again. delete+insert removes every
-- old row of a re-matched paper before inserting its new rows (many rows per paper_id).
{%- set taxonomy_version = taxonomy_version() %}

with papers as (
    select papers.paper_id, papers.text_hash, lower(papers.title) as title, lower(papers.abstract) as abstract
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

taxonomy as (
    select topic, patterns from {{ ref('topic_taxonomy') }}
),

-- one regex pass over each text finds the candidate terms of every topic at once
hits as (
    select paper_id, text_hash, 'title' as field, unnest(regexp_extract_all(title, '{{ all_topic_patterns() }}')) as term
    from papers
    union all
    select paper_id, text_hash, 'abstract' as field, unnest(regexp_extract_all(abstract, '{{ all_topic_patterns() }}')) as term
    from papers
),

-- map each distinct term to the topic(s) whose pattern it matches (few terms x few topics)
term_topics as (
    select terms.term, taxonomy.topic
    from (select distinct term from hits) as terms
    inner join taxonomy on regexp_full_match(terms.term, taxonomy.patterns)
),

matched as (
    select distinct
        papers.paper_id,
        papers.text_hash,
        '{{ taxonomy_version }}' as taxonomy_version,
        term_topics.topic,
        hits.field,
        hits.term
    from papers
    left join hits on papers.paper_id = hits.paper_id
    left join term_topics on hits.term = term_topics.term
)

select * from matched
