{{ config(materialized='view') }}
-- int_paper_terms one (paper, term) per row: its aligned lists unnested side by side; a term's
-- number of words sits in the top two bits of its id.
select
    paper_id,
    term_id,
    surface_id,
    n_occurrences,
    (term_id >> 62)::utinyint as n_words,
    first_seen,
    last_seen
from (
    select
        paper_id,
        first_seen,
        last_seen,
        unnest(term_ids) as term_id,
        unnest(surface_ids) as surface_id,
        unnest(n_occurrences) as n_occurrences
    from {{ ref('int_paper_terms') }}
)
