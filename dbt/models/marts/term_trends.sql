-- One row per (term, grain, period_start) in which the term was listed: emerging key phrases.
-- Only terms with minimum support (at least var('term_min_papers') distinct papers, and among
-- the var('term_max_terms') most supported) appear. growth_score is the term's share of the
-- period's papers over its share in all earlier periods (add-one smoothed): above 1 = rising.
with paper_terms as (
    select paper_id, term, surface, n_words from {{ ref('int_paper_terms') }}
),

supported as (
    select
        term as term_key,
        -- shown as most papers write it ("mixture of experts"), keyed by its folded form
        mode(surface) as term,
        any_value(n_words) as n_words,
        count(*) as n_papers_total
    from paper_terms
    group by term_key
    having count(*) >= {{ var('term_min_papers') }}
    order by n_papers_total desc, term_key
    limit {{ var('term_max_terms', 2000) }}
),

sightings as (
    select paper_id, listing_date from {{ ref('int_sightings__dated') }}
),

grains as (
    select unnest(['listing', 'week', 'month']) as grain
),

periodised as (
    select
        grains.grain,
        case grains.grain
            when 'listing' then sightings.listing_date
            when 'week' then date_trunc('week', sightings.listing_date)::date
            else date_trunc('month', sightings.listing_date)::date
        end as period_start,
        sightings.paper_id,
        sightings.listing_date
    from sightings
    cross join grains
),

periods as (
    select
        grain,
        period_start,
        period_papers,
        -- papers listed in all earlier periods of the grain (whether or not they held a term)
        coalesce(
            sum(period_papers) over (
                partition by grain order by period_start
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as prior_period_papers
    from (
        select grain, period_start, count(distinct paper_id) as period_papers
        from periodised
        group by grain, period_start
    )
),

-- each paper once per period (a paper re-listed within a week or month counts once there), so
-- the join below counts rows instead of distinct papers
paper_periods as (
    select grain, period_start, paper_id, min(listing_date) as first_listed
    from periodised
    group by grain, period_start, paper_id
),

-- the papers holding each supported term (the 2,000 terms are a small share of all phrases)
supported_papers as (
    select paper_terms.paper_id, supported.term_key, supported.term, supported.n_words
    from paper_terms
    inner join supported on paper_terms.term = supported.term_key
),

listed as (
    select
        supported_papers.term_key,
        any_value(supported_papers.term) as term,
        any_value(supported_papers.n_words) as n_words,
        paper_periods.grain,
        paper_periods.period_start,
        count(*) as n_papers,
        min(paper_periods.first_listed) as first_listed
    from paper_periods
    inner join supported_papers on paper_periods.paper_id = supported_papers.paper_id
    group by supported_papers.term_key, paper_periods.grain, paper_periods.period_start
),

with_prior as (
    select
        listed.*,
        periods.period_papers,
        periods.prior_period_papers,
        min(listed.first_listed) over (partition by listed.term_key) as first_seen,
        coalesce(sum(listed.n_papers) over term_periods, 0) as prior_papers
    from listed
    inner join periods on listed.grain = periods.grain and listed.period_start = periods.period_start
    window term_periods as (
        partition by listed.term_key, listed.grain order by listed.period_start
        rows between unbounded preceding and 1 preceding
    )
),

final as (
    select
        term,
        term_key,
        n_words,
        grain,
        period_start,
        n_papers,
        n_papers / period_papers::double as share_of_listing,
        first_seen,
        ((n_papers + 1) / (period_papers + 1)::double)
            / ((prior_papers + 1) / (prior_period_papers + 1)::double) as growth_score
    from with_prior
)

select * from final
