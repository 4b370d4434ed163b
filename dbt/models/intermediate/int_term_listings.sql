-- One row per (candidate term, listing date) of the burst horizon: how many of the date's papers
-- hold the term and how many papers were listed that day. Candidates are the terms of marts.terms
-- held by at least var('emerging_min_papers') papers listed in the latest
-- var('emerging_window_days') days; the horizon is the var('emerging_horizon_days') days up to the
-- latest listing date. int_term_bursts runs the burst automaton over these rows.
with sightings as (
    select distinct
        paper_id,
        listing_date
    from {{ ref('int_sightings__dated') }}
),

latest as (
    select max(listing_date) as latest_date from sightings
),

horizon as (
    select sightings.*
    from sightings
    cross join latest
    where sightings.listing_date > latest.latest_date - {{ var('emerging_horizon_days') }}
),

dates as (
    select
        listing_date,
        count(*) as listing_papers
    from horizon
    group by listing_date
),

-- the horizon's papers join first (one row each), their term lists are unnested after
term_papers as (
    select
        paper_id,
        term_id
    from (
        select
            paper_terms.paper_id,
            unnest(paper_terms.term_ids) as term_id
        from {{ ref('int_paper_terms') }} as paper_terms
        semi join
            (select distinct paper_id from horizon) as recent
            on paper_terms.paper_id = recent.paper_id
    ) as listed
    semi join {{ ref('terms') }} as terms on listed.term_id = terms.term_id
),

counted as (
    select
        term_papers.term_id,
        horizon.listing_date,
        count(*) as n_papers
    from term_papers
    inner join horizon on term_papers.paper_id = horizon.paper_id
    group by term_papers.term_id, horizon.listing_date
),

candidates as (
    select counted.term_id
    from counted
    cross join latest
    where counted.listing_date > latest.latest_date - {{ var('emerging_window_days') }}
    group by counted.term_id
    -- papers, not listings: a paper re-listed twice in the window counts twice here, so the
    -- window's distinct papers are counted in emerging_terms again
    having sum(counted.n_papers) >= {{ var('emerging_min_papers') }}
),

final as (
    select
        candidates.term_id,
        dates.listing_date,
        coalesce(counted.n_papers, 0) as n_papers,
        dates.listing_papers
    from candidates
    cross join dates
    left join
        counted
        on candidates.term_id = counted.term_id and dates.listing_date = counted.listing_date
)

select * from final
