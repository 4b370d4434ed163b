{{
    config(
        materialized='incremental',
        unique_key='paper_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[
            "{{ delete_unlisted_papers(ref('search_postings')) }}",
        ]
    )
}}
-- One row per indexed paper: what marts.similar_papers compares it by (README "Similar papers").
-- A paper is a vector of its content words: the search index's words (stop words left out,
-- plurals folded) without the background words of the term_boilerplate seed ("model",
-- "propose", "results"), each weighing 1 + ln(tf), a title occurrence counting
-- search_title_weight times. `norm` is the vector's length. `band_keys` are its locality-
-- sensitive hashes: a MinHash signature of its similar_top_words heaviest words, in
-- similar_bands bands of similar_band_rows hashes; two papers are compared when a band's key is
-- the same for both (papers sharing many of their heaviest words nearly always are).
--
-- Every figure here depends on the paper alone (no corpus statistic such as an IDF), so a paper
-- is signed once. Incremental: only the papers search_postings wrote since this table's last
-- build are signed again; papers no longer indexed are deleted (the post-hook).
{%- set rules = 'top=' ~ var('similar_top_words') ~ ';bands=' ~ var('similar_bands')
    ~ ';rows=' ~ var('similar_band_rows') ~ ';title=' ~ var('search_title_weight') %}
{%- set watermark = incremental_watermark('indexed_at', 'rules_version', rules) %}
{%- set n_hashes = var('similar_bands') * var('similar_band_rows') %}
with postings as (
    select paper_id, word, title_tf, abstract_tf, indexed_at
    from {{ ref('search_postings') }}
    where word not in (select word from {{ ref('term_boilerplate') }})
    {%- if watermark is not none %}
        and paper_id in (
            select paper_id from {{ ref('search_postings') }}
            where indexed_at > '{{ watermark }}'::timestamp
        )
    {%- endif %}
),

weighted as (
    select
        paper_id,
        word,
        {{ similar_weight('title_tf', 'abstract_tf') }} as weight,
        indexed_at
    from postings
),

top_words as (
    select paper_id, word
    from weighted
    qualify row_number() over (partition by paper_id order by weight desc, word)
        <= {{ var('similar_top_words') }}
),

-- hash j of the signature: the smallest of the words' j-th hashes
minhashes as (
    select top_words.paper_id, seeds.j, min(hash(top_words.word, seeds.j)) as minhash
    from top_words
    cross join range({{ n_hashes }}) as seeds(j)
    group by top_words.paper_id, seeds.j
),

bands as (
    select
        paper_id,
        j // {{ var('similar_band_rows') }} as band,
        hash(list(minhash order by j)) as band_key
    from minhashes
    group by paper_id, band
),

vectors as (
    select paper_id, sqrt(sum(weight * weight)) as norm, max(indexed_at) as indexed_at
    from weighted
    group by paper_id
),

final as (
    select
        vectors.paper_id,
        vectors.norm,
        list(bands.band_key order by bands.band) as band_keys,
        '{{ rules }}' as rules_version,
        vectors.indexed_at,
        timezone('UTC', now()) as signed_at
    from vectors
    inner join bands on vectors.paper_id = bands.paper_id
    group by vectors.paper_id, vectors.norm, vectors.indexed_at
)

select * from final
