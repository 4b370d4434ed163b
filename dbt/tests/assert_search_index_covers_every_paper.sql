-- The search index holds every paper that has a word outside the stop words, and nothing else:
-- the papers of search_documents are those of marts.papers (less papers with no word at all), and
-- search_stats counts them. Rows returned are the differences.
--
-- Only the papers without a document have their words cut again (to tell a paper with no word
-- from one the index lost): a key anti join finds them, so the test costs a join of paper ids,
-- not a pass of the search rules over every abstract (that took 6.5 s at 1,000 dumps).
with unindexed as (
    select
        papers.paper_id,
        papers.title,
        papers.abstract
    from {{ ref('papers') }} as papers
    anti join {{ ref('search_documents') }} using (paper_id)
),

missing as (
    select distinct
        paper_id,
        'not indexed' as problem
    from (
        select
            paper_id,
            unnest({{ search_words("title || ' ' || abstract") }}) as word
        from unindexed
    )
    where word not in (select word from {{ ref('stopwords') }})
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
