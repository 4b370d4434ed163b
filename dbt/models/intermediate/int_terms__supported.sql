-- depends_on: {{ ref('stopwords') }}
-- One row per term that term_trends shows: the var('term_max_terms') terms held by the most
-- papers (at least var('term_min_papers')), numbered by support, with their text. A table of its
-- own so that term_trends joins 2,000 known rows: as a CTE with a LIMIT, DuckDB could not
-- estimate it and joined the 100 million phrase rows first (minutes and gigabytes spilled at
-- 10,000 dumps).
with paper_terms as not materialized (
    select paper_id, term_id, surface_id, n_words from {{ ref('int_paper_terms') }}
),

-- the most supported terms; ties broken by term_id (an arbitrary but stable order)
supported as (
    select
        term_id,
        any_value(n_words)::bigint as n_words,
        count(*) as n_papers_total,
        row_number() over (order by count(*) desc, term_id) as term_no
    from paper_terms
    group by term_id
    having count(*) >= {{ var('term_min_papers') }}
    order by n_papers_total desc, term_id
    limit {{ var('term_max_terms', 2000) }}
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
        semi join supported on paper_terms.term_id = supported.term_id
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
    select shown_surface.term_id, any_value(sample_grams.term) as term_key, any_value(sample_grams.surface) as term
    from shown_surface
    inner join sample_grams
        on shown_surface.sample_paper_id = sample_grams.paper_id
        and shown_surface.term_id = sample_grams.term_id
        and shown_surface.surface_id = sample_grams.surface_id
    group by shown_surface.term_id
),

final as (
    select
        supported.term_id,
        supported.term_no,
        labels.term_key,
        labels.term,
        supported.n_words,
        supported.n_papers_total
    from supported
    left join labels on supported.term_id = labels.term_id
)

select * from final
