-- One row per (paper, neighbour) of marts.similar_papers, with what `papertrends similar` shows of
-- the neighbour (its current title, primary topic, listing dates, code link); the command picks a
-- paper's rows by of_paper_id and rank.
with neighbours as (
    select * from {{ ref('similar_papers') }}
),

papers as (
    select * from {{ ref('papers') }}
),

final as (
    select
        neighbours.paper_id as of_paper_id,
        neighbours.rank,
        round(neighbours.score, 3) as score,
        papers.title,
        papers.primary_topic,
        papers.first_seen,
        papers.last_seen,
        papers.code_url,
        papers.paper_id
    from neighbours
    inner join papers on neighbours.similar_paper_id = papers.paper_id
)

select * from final
