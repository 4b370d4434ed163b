-- One row per term that is emerging at the latest listing date, strongest first. The rule: a
-- term of marts.terms held by at least var('emerging_min_papers') papers listed in the latest
-- var('emerging_window_days') days, whose burst automaton (int_term_bursts: Kleinberg's two
-- states over the term's share of each listing date in the last var('emerging_horizon_days')
-- days, burst proportion var('emerging_burst_scale') times its own base share) is in its burst
-- state at the latest listing date. New terms (first seen in the window) and old terms whose
-- share rose are both emerging; a term that is merely common stays at its base share and is not.
with bursts as (
    select * from {{ ref('int_term_bursts') }}
    where bursting
),

terms as (
    select
        term_id,
        term,
        term_key,
        n_words,
        n_papers,
        first_seen
    from {{ ref('terms') }}
),

sightings as (
    select
        paper_id,
        listing_date
    from {{ ref('int_sightings__dated') }}
),

latest as (
    select max(listing_date) as latest_date from sightings
),

-- papers listed in the latest window, and the date each was last listed there
recent as (
    select
        sightings.paper_id,
        max(sightings.listing_date) as listed
    from sightings
    cross join latest
    where sightings.listing_date > latest.latest_date - {{ var('emerging_window_days') }}
    group by sightings.paper_id
),

-- the window's term lists are unnested after a semi join on the papers (one row each)
recent_terms as (
    select
        listed.term_id,
        listed.paper_id,
        recent.listed
    from (
        select
            paper_terms.paper_id,
            unnest(paper_terms.term_ids) as term_id
        from {{ ref('int_paper_terms') }} as paper_terms
        semi join recent on paper_terms.paper_id = recent.paper_id
    ) as listed
    semi join bursts on listed.term_id = bursts.term_id
    inner join recent on listed.paper_id = recent.paper_id
),

in_window as (
    select
        recent_terms.term_id,
        count(*) as n_papers_latest,
        -- three example titles: the most recently listed papers holding the term
        list(papers.title order by recent_terms.listed desc, papers.title)[1:3] as example_titles
    from recent_terms
    inner join {{ ref('int_papers__deduped') }} as papers on recent_terms.paper_id = papers.paper_id
    group by recent_terms.term_id
),

final as (
    select
        row_number()
            over (order by bursts.strength desc, in_window.n_papers_latest desc, terms.term)
        ::integer as emerging_rank,
        terms.term,
        terms.term_key,
        terms.n_words,
        bursts.burst_start,
        bursts.strength,
        in_window.n_papers_latest,
        terms.n_papers,
        terms.first_seen,
        terms.first_seen > latest.latest_date - {{ var('emerging_window_days') }} as is_new,
        bursts.base_share,
        in_window.example_titles
    from bursts
    inner join terms on bursts.term_id = terms.term_id
    inner join in_window on bursts.term_id = in_window.term_id
    cross join latest
    where in_window.n_papers_latest >= {{ var('emerging_min_papers') }}
)

select * from final
