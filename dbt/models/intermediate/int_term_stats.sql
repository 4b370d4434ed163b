-- depends_on: {{ ref('stopwords') }}
-- One row per key phrase held by at least var('term_min_papers') papers: how many papers hold it,
-- when they were listed, its words as most papers write them, and the ids of the shorter phrases
-- inside it. marts.terms admits the vocabulary from these rows; every count runs on the integer
-- ids of int_paper_terms and only the phrases' texts are extracted again, from one paper each.
with paper_terms as not materialized (
    select paper_id, term_id, surface_id, n_words, n_occurrences from {{ ref('int_paper_terms') }}
),

papers as (
    select paper_id, hash(paper_id) as paper_key, first_seen, last_seen
    from {{ ref('int_papers__deduped') }}
),

counted as (
    select
        paper_terms.term_id,
        any_value(paper_terms.n_words)::integer as n_words,
        count(*) as n_papers,
        sum(paper_terms.n_occurrences)::bigint as n_occurrences,
        count(*) filter (where paper_terms.n_occurrences >= 2) as n_papers_repeating,
        min(papers.first_seen) as first_seen,
        max(papers.last_seen) as last_seen
    from paper_terms
    inner join papers on paper_terms.paper_id = papers.paper_id
    group by paper_terms.term_id
    having count(*) >= {{ var('term_min_papers') }}
),

-- a term is shown as most papers write it ("mixture of experts"): its most frequent surface
-- form, and one paper that writes it so
shown_surface as (
    select term_id, surface_id, sample_paper_id
    from (
        select
            paper_terms.term_id,
            paper_terms.surface_id,
            min(paper_terms.paper_id) as sample_paper_id,
            row_number() over (
                partition by paper_terms.term_id order by count(*) desc, paper_terms.surface_id
            ) as surface_rank
        from paper_terms
        semi join counted on paper_terms.term_id = counted.term_id
        group by paper_terms.term_id, paper_terms.surface_id
    )
    where surface_rank = 1
),

-- the texts behind the ids: phrases extracted again from those sample papers only
sample_papers as (
    select paper_id, title, abstract
    from {{ ref('int_papers__deduped') }}
    where paper_id in (select sample_paper_id from shown_surface)
),

sample_grams as (
    {{ key_phrase_grams('sample_papers', with_text=true) }}
),

labels as (
    select
        shown_surface.term_id,
        any_value(sample_grams.term) as term_key,
        any_value(sample_grams.surface) as term
    from shown_surface
    inner join sample_grams
        on shown_surface.sample_paper_id = sample_grams.paper_id
        and shown_surface.term_id = sample_grams.term_id
        and shown_surface.surface_id = sample_grams.surface_id
    group by shown_surface.term_id
),

-- each term's folded words, and their ids as int_paper_terms hashes them
worded as (
    select
        counted.*,
        labels.term,
        labels.term_key,
        string_split(labels.term_key, ' ') as words,
        list_transform(string_split(labels.term_key, ' '), lambda w: hash(w)) as word_ids
    from counted
    inner join labels on counted.term_id = labels.term_id
),

final as (
    select
        term_id,
        term,
        term_key,
        n_words,
        n_papers,
        n_occurrences,
        n_papers_repeating,
        first_seen,
        last_seen,
        words,
        -- the phrases inside this one, as int_paper_terms ids (the same hashing of folded words):
        -- each word, and for three words the two pairs
        case n_words
            when 1 then []::ubigint[]
            when 2 then word_ids
            else [hash(word_ids[1], word_ids[2]), hash(word_ids[2], word_ids[3])] || word_ids
        end as inner_term_ids
    from worded
)

select * from final
