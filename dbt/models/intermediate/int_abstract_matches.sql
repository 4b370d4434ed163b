{{
    config(
        materialized='incremental',
        unique_key=['title_id', 'abstract_hash'],
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[
            "delete from {{ this }} where (title_id, abstract_hash) not in (select title_id, abstract_hash from {{ ref('int_abstract_sketches') }})",
        ]
    )
}}
-- One row per sketched text (int_abstract_sketches): the texts of other titles whose word
-- shingles it shares with a Jaccard similarity of retitle_min_jaccard or more (`matches`, empty
-- for nearly every text). Candidates come from the sketches (macros/shingles.sql); their
-- similarity is computed exactly from both texts.
--
-- Incremental: a build matches the texts sketched since its last build, and writes again the
-- rows of the older texts they match, so every row lists all of its text's matches, as a full
-- build would. A text no longer sketched is deleted (the post-hook); int_paper_aliases leaves
-- out matches with a text that is gone.
{%- set rules = 'jaccard=' ~ var('retitle_min_jaccard') ~ ';shared=' ~ var('retitle_min_shared')
    ~ ';holders=' ~ var('retitle_max_holders') ~ ';shingles=' ~ var('retitle_min_shingles') %}
{%- set watermark = incremental_watermark('matched_at', 'rules_version', rules) %}
with sketches as (
    select * from {{ ref('int_abstract_sketches') }}
),

{%- if watermark is not none %}

    new_texts as (
        select
            title_id,
            abstract_hash
        from sketches
        where sketched_at > '{{ watermark }}'::timestamp
    ),

    new_pairs as (
        {{ abstract_candidates('new_texts', 'sketches') }}
    ),

    -- the older texts a new one may match are matched again too (their lists gain it)
    todo as (
        select
            title_id,
            abstract_hash
        from new_texts
        union
        select
            other_title_id,
            other_abstract_hash
        from new_pairs
    ),
{%- else %}

    todo as (
        select
            title_id,
            abstract_hash
        from sketches
    ),
{%- endif %}

candidates as (
    {{ abstract_candidates('todo', 'sketches') }}
),

-- the text of each text involved, read back at the listing it was sketched from
involved as (
    select
        title_id,
        abstract_hash
    from candidates
    union
    select
        other_title_id,
        other_abstract_hash
    from candidates
),

worded as (
    select
        sketches.title_id,
        sketches.abstract_hash,
        {{ abstract_words('listings.abstract') }} as words
    from sketches
    semi join involved
        on sketches.title_id = involved.title_id and sketches.abstract_hash = involved.abstract_hash
    inner join {{ ref('stg_raw__sightings') }} as listings
        on sketches.dump_id = listings.dump_id and sketches.position = listings.position
),

shingled as (
    select
        title_id,
        abstract_hash,
        {{ shingle_hashes('words') }} as shingles
    from worded
),

scored as (
    select
        candidates.title_id,
        candidates.abstract_hash,
        candidates.other_title_id,
        candidates.other_abstract_hash,
        {{ shingle_jaccard('a.shingles', 'b.shingles') }} as jaccard
    from candidates
    inner join shingled as a
        on candidates.title_id = a.title_id and candidates.abstract_hash = a.abstract_hash
    inner join shingled as b
        on candidates.other_title_id = b.title_id
            and candidates.other_abstract_hash = b.abstract_hash
),

matches as (
    select
        title_id,
        abstract_hash,
        list(
            { 'title_id': other_title_id, 'abstract_hash': other_abstract_hash, 'jaccard': jaccard }
            order by other_title_id, other_abstract_hash
        ) as matches
    from scored
    where jaccard >= {{ var('retitle_min_jaccard') }}
    group by title_id, abstract_hash
),

final as (
    select
        todo.title_id,
        todo.abstract_hash,
        coalesce(matches.matches, []) as matches,
        '{{ rules }}' as rules_version,
        timezone('UTC', now()) as matched_at
    from todo
    left join matches
        on todo.title_id = matches.title_id and todo.abstract_hash = matches.abstract_hash
)

select * from final
