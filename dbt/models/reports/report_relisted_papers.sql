-- The "Most re-listed papers" table: the var('report_relisted_papers') papers listed on the most
-- listing pages (more than one), latest listed first at equal counts, with their code link.
select
    row_number() over (
        order by n_listings desc, last_seen desc, title, paper_id
    ) as relisted_rank,
    paper_id,
    title,
    n_listings,
    first_seen,
    last_seen,
    coalesce(primary_topic, 'other') as primary_topic,
    code_url
from {{ ref('papers') }}
where n_listings > 1
qualify relisted_rank <= {{ var('report_relisted_papers') }}
