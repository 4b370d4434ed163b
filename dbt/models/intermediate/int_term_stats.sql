-- One row per key phrase held by at least var('term_min_papers') papers: how many papers hold it,
-- when they were listed, its words as most papers write them, and the ids of the shorter phrases
-- inside it. marts.terms admits the vocabulary from these rows. The counts are int_surface_counts'
-- (kept up to date by difference), summed over the ways the phrase is written: a paper writes
-- each term in one way (int_paper_terms), so the sums count papers once. The texts come from
-- int_term_texts.
with surfaces as (
    select
        counts.*,
        texts.surface,
        texts.term as term_key
    from {{ ref('int_surface_counts') }} as counts
    inner join {{ ref('int_term_texts') }} as texts on counts.surface_id = texts.surface_id
),

counted as (
    select
        term_id,
        (term_id >> 62)::integer as n_words,
        sum(n_papers)::bigint as n_papers,
        sum(n_occurrences)::bigint as n_occurrences,
        sum(n_papers_repeating)::bigint as n_papers_repeating,
        min(first_seen) as first_seen,
        max(last_seen) as last_seen,
        -- shown as most papers write it ("mixture of experts" rather than "mixture of expert");
        -- between forms as common, the longer ("adapters" rather than "adapter")
        arg_max(surface, (n_papers, length(surface), surface)) as term,
        any_value(term_key) as term_key
    from surfaces
    group by term_id
    having sum(n_papers) >= {{ var('term_min_papers') }}
),

-- the term id of every folded text, to find the phrases inside a phrase
term_keys as (
    select distinct
        term,
        term_id
    from {{ ref('int_term_texts') }}
),

worded as (
    select
        counted.*,
        string_split(counted.term_key, ' ') as words
    from counted
),

-- the phrases inside each phrase: each word, and for three words the two pairs
inner_texts as (
    select
        term_id,
        unnest(
            case n_words
                when 1 then []::varchar[]
                when 2 then words
                else [words[1] || ' ' || words[2], words[2] || ' ' || words[3]] || words
            end
        ) as inner_text
    from worded
),

inner_ids as (
    select
        inner_texts.term_id,
        list(term_keys.term_id order by term_keys.term_id) as inner_term_ids
    from inner_texts
    inner join term_keys on inner_texts.inner_text = term_keys.term
    group by inner_texts.term_id
),

final as (
    select
        worded.term_id,
        worded.term,
        worded.term_key,
        worded.n_words,
        worded.n_papers,
        worded.n_occurrences,
        worded.n_papers_repeating,
        worded.first_seen,
        worded.last_seen,
        worded.words,
        coalesce(inner_ids.inner_term_ids, []::ubigint[]) as inner_term_ids
    from worded
    left join inner_ids on worded.term_id = inner_ids.term_id
)

select * from final
