{{
    config(
        materialized='incremental',
        unique_key='paper_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[
            "{{ delete_unlisted_papers(ref('similar_signatures')) }}",
            "{{ delete_stale_similar_pairs(ref('similar_signatures')) }}",
            "{{ create_similar_macros() }}",
        ]
    )
}}
-- For each paper, its similar_per_paper nearest papers (README "Similar papers"): the cosine of
-- their content-word vectors (search.similar_signatures), among the papers that share a MinHash
-- band with it, ranked by score (then paper_id); scores under similar_min_score are left out.
--
-- Incremental (delete+insert on paper_id): a build scores the papers signed since its last
-- build (new, or with a new text) against every paper, and writes again the list of each older
-- paper they enter (its list merged with them) and of each paper whose list held a paper that
-- changed or is gone (scored again); a pair scored before either paper's latest signature, or
-- with a paper that is gone, is deleted (the post-hooks). A score depends on the two papers
-- alone, so the lists are a full build's.
{%- set rules = 'n=' ~ var('similar_per_paper') ~ ';min=' ~ var('similar_min_score') %}
{%- set watermark = incremental_watermark('scored_at', 'rules_version', rules) %}
with signatures as (
    select paper_id, norm, band_keys, signed_at from {{ ref('similar_signatures') }}
),

{%- if watermark is not none %}

changed as (
    select paper_id from signatures where signed_at > '{{ watermark }}'::timestamp
),

-- scored again in full: the changed papers, and the papers whose list holds one of them or a
-- paper that is gone
todo as (
    select paper_id from changed
    union
    select distinct known.paper_id
    from {{ this }} as known
    where known.similar_paper_id in (select paper_id from changed)
        or known.similar_paper_id not in (select paper_id from signatures)
),
{%- else %}

todo as (
    select paper_id from signatures
),
{%- endif %}

buckets as (
    select paper_id, unnest(band_keys) as band_key, generate_subscripts(band_keys, 1) as band
    from signatures
),

-- each pair once, the smaller id first
candidates as (
    select distinct
        least(todo_buckets.paper_id, others.paper_id) as paper_a,
        greatest(todo_buckets.paper_id, others.paper_id) as paper_b
    from buckets as todo_buckets
    semi join todo on todo_buckets.paper_id = todo.paper_id
    inner join buckets as others
        on todo_buckets.band = others.band
        and todo_buckets.band_key = others.band_key
        and todo_buckets.paper_id <> others.paper_id
),

involved as (
    select paper_a as paper_id from candidates
    union
    select paper_b from candidates
),

weights as (
    select
        postings.paper_id,
        postings.word,
        {{ similar_weight('postings.title_tf', 'postings.abstract_tf') }} as weight
    from {{ ref('search_postings') }} as postings
    semi join involved on postings.paper_id = involved.paper_id
    where postings.word not in (select word from {{ ref('term_boilerplate') }})
),

-- the cosine, rounded so that a sum added up in another order ranks the same
scored as (
    select
        candidates.paper_a,
        candidates.paper_b,
        round(sum(a.weight * b.weight) / (any_value(sa.norm) * any_value(sb.norm)), 6) as score
    from candidates
    inner join weights as a on candidates.paper_a = a.paper_id
    inner join weights as b on candidates.paper_b = b.paper_id and a.word = b.word
    inner join signatures as sa on candidates.paper_a = sa.paper_id
    inner join signatures as sb on candidates.paper_b = sb.paper_id
    group by candidates.paper_a, candidates.paper_b
    having score >= {{ var('similar_min_score') }}
),

-- each pair both ways: the lists of the todo papers, and of the older papers a todo paper
-- enters (their kept list merged with it)
pairs as (
    select paper_a as paper_id, paper_b as similar_paper_id, score from scored
    union all
    select paper_b, paper_a, score from scored
    {%- if watermark is not none %}
    union all
    select known.paper_id, known.similar_paper_id, known.score
    from {{ this }} as known
    where known.paper_id not in (select paper_id from todo)
        and known.paper_id in (select paper_a from scored union select paper_b from scored)
    {%- endif %}
),

-- a kept pair of an older list may be scored again (its other paper was scored in full)
distinct_pairs as (
    select paper_id, similar_paper_id, max(score) as score
    from pairs
    group by paper_id, similar_paper_id
),

lists as (
    select
        paper_id,
        row_number() over (partition by paper_id order by score desc, similar_paper_id) as rank,
        similar_paper_id,
        score
    from distinct_pairs
    qualify rank <= {{ var('similar_per_paper') }}
),

final as (
    select
        paper_id,
        rank,
        similar_paper_id,
        score,
        '{{ rules }}' as rules_version,
        timezone('UTC', now()) as scored_at
    from lists
)

select * from final
