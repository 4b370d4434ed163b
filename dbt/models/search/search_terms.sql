-- The search index's words: one row per word, in how many papers it is (the document frequency
-- behind BM25's inverse document frequency) and how often it is written in all. A plain
-- aggregate of search_postings, recounted on every build: a paper changed or dropped moves the
-- counts of all its words, which a merge of the new rows alone cannot see.
select
    word,
    count(*) as n_documents,
    count(*) filter (where title_tf > 0) as n_titles,
    sum(title_tf + abstract_tf) as n_occurrences
from {{ ref('search_postings') }}
group by word
