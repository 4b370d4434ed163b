{{
    config(
        post_hook=[
            "{{ create_search_macros() }}",
        ]
    )
}}
-- The search index's statistics, one row: the number of indexed papers and the average lengths
-- of their titles and abstracts, with the BM25F parameters (vars search_k1, search_b,
-- search_title_weight) the query macros were created with. Its post-hook creates the macros
-- marts.search_scores(query) and marts.search_papers(query, n := 10) (macros/search.sql).
select
    count(*) as n_documents,
    coalesce(avg(title_words), 0)::double as avg_title_words,
    coalesce(avg(abstract_words), 0)::double as avg_abstract_words,
    {{ var('search_k1') }}::double as k1,
    {{ var('search_b') }}::double as b,
    {{ var('search_title_weight') }}::double as title_weight
from {{ ref('search_documents') }}
-- (the terms must be built before the macros that read them are used, and the papers and their
-- topics before the post-hook creates them: DuckDB binds a table macro's tables when it is
-- created, and a first build with two threads could reach this model before marts.papers)
-- depends_on: {{ ref('search_terms') }}
-- depends_on: {{ ref('papers') }}
-- depends_on: {{ ref('paper_topics') }}
