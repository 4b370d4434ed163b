-- The search index holds every paper that has a word outside the stop words, and nothing else:
-- the papers of search_documents are those of marts.papers (less papers with no word at all), and
-- search_stats counts them. Rows returned are the differences.
with papers_with_words as (
    select distinct paper_id
    from (
        select
            paper_id,
            unnest({{ search_words("title || ' ' || abstract") }}) as word
        from {{ ref('papers') }}
    )
    where word not in (select word from {{ ref('stopwords') }})
),

missing as (
    select
        paper_id,
        'not indexed' as problem
    from papers_with_words
    anti join {{ ref('search_documents') }} using (paper_id)
),

extra as (
    select
        paper_id,
        'indexed but not a paper' as problem
    from {{ ref('search_documents') }}
    anti join {{ ref('papers') }} using (paper_id)
),

counted as (
    select
        null as paper_id,
        'search_stats.n_documents is not the number of indexed papers' as problem
    from {{ ref('search_stats') }}
    where n_documents <> (select count(*) from {{ ref('search_documents') }})
)

select * from missing
union all
select * from extra
union all
select * from counted
