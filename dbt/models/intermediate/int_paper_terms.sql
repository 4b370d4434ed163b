-- depends_on: {{ ref('stopwords') }}
{{
    config(
        materialized='incremental',
        unique_key='paper_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns'
    )
}}
-- One row per (paper, key phrase): the distinct 1-3 word phrases in a paper's latest title and
-- abstract, as 64-bit ids (macro key_phrase_grams has the rules). Phrases never cross
-- punctuation; stop words (seed `stopwords`) and numbers may not start or end a phrase (so
-- "mixture of experts" and "chain of thought" are phrases, "of experts" is not); plurals are
-- folded in the key (term_id: "mixture of experts" = "mixture of expert") while surface_id keeps
-- the words as written; a hyphen after a prefix joins ("pre-trained" = "pretrained"), other
-- hyphens and slashes split words; URLs are ignored. term_trends turns the ids of the terms it
-- shows back into text.
-- Incremental on paper_id: only new papers, papers whose latest text changed, and every paper
-- when the extraction rules, stop words or DuckDB's version changed (key_phrase_version).
{%- set version = key_phrase_version() %}
{#- a table written before extraction_version existed is extracted again in full #}
{%- set versioned = is_incremental() and 'extraction_version' in (adapter.get_columns_in_relation(this) | map(attribute='name') | list) %}

with
{%- if versioned %}
-- papers whose current text has no phrases under this version yet (an anti join on the keys
-- alone: no distinct over the whole table, which holds about 200 rows per paper, and no titles
-- or abstracts in its hash table, which made it spill 2.5 GB at 10,000 dumps: 15 s -> 6 s)
todo as (
    select papers.paper_id
    from {{ ref('int_papers__deduped') }} as papers
    where not exists (
        select 1
        from {{ this }} as done
        where done.paper_id = papers.paper_id
            and done.text_hash = papers.text_hash
            and done.extraction_version = '{{ version }}'
    )
),
{%- endif %}

papers as (
    select papers.paper_id, papers.text_hash, papers.title, papers.abstract
    from {{ ref('int_papers__deduped') }} as papers
    {%- if versioned %}
    semi join todo on papers.paper_id = todo.paper_id
    {%- endif %}
),

grams as (
    {{ key_phrase_grams('papers') }}
),

-- once per (paper, term); a paper writing a term two ways ("expert", "experts") keeps one, and
-- how often the paper writes it (marts.terms: collocations and repeated words)
phrases as (
    select
        paper_key,
        term_id,
        min(surface_id) as surface_id,
        any_value(n_words) as n_words,
        count(*)::integer as n_occurrences
    from grams
    group by paper_key, term_id
),

final as (
    select
        papers.paper_id,
        papers.text_hash,
        phrases.term_id,
        phrases.surface_id,
        phrases.n_words,
        phrases.n_occurrences,
        '{{ version }}' as extraction_version,
        -- the batch: the uniqueness test checks the rows of the latest one
        '{{ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') }}'::timestamp as extracted_at
    from phrases
    inner join {{ ref('int_papers__deduped') }} as papers on phrases.paper_key = hash(papers.paper_id)
)

select * from final
