-- One row per title a paper was listed under (marts.paper_titles), with the paper's current
-- title: `papertrends similar "TITLE"` finds the paper any of its titles names.
with titles as (
    select * from {{ ref('paper_titles') }}
),

papers as (
    select * from {{ ref('papers') }}
),

final as (
    select
        titles.title_id,
        papers.paper_id,
        papers.title
    from titles
    inner join papers on titles.paper_id = papers.paper_id
)

select * from final
