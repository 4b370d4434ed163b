-- One row per (term, grain, period_start) in which the term was listed: emerging key phrases.
-- Only the terms of int_terms__supported appear (minimum support, and the var('term_max_terms')
-- most supported). growth_score is the term's share of the period's papers over its share in
-- all earlier periods (add-one smoothed): above 1 = rising.
with supported as (
    select term_id, term_no, term_key, term, n_words from {{ ref('int_terms__supported') }}
),

paper_terms as (
    select paper_id, term_id from {{ ref('int_paper_terms') }}
),

sightings as (
    select paper_id, listing_date from {{ ref('int_sightings__dated') }}
),

-- the joins, aggregations and windows below run on small integer keys (a paper's number, a
-- term's rank, a grain's number) and the texts join last: at 10,000 dumps the (term, period)
-- counts are 21 million groups, and carrying strings through them made DuckDB spill gigabytes
paper_numbers as (
    select paper_id, row_number() over () as paper_no
    from (select distinct paper_id from sightings)
),

grains as (
    select * from (values (0, 'listing'), (1, 'week'), (2, 'month')) as grains (grain_no, grain)
),

-- each paper once per period (a paper re-listed within a week or month counts once there), so
-- the join below counts rows instead of distinct papers
paper_periods as (
    select distinct
        grains.grain_no,
        case grains.grain_no
            when 0 then sightings.listing_date
            when 1 then date_trunc('week', sightings.listing_date)::date
            else date_trunc('month', sightings.listing_date)::date
        end as period_start,
        paper_numbers.paper_no
    from sightings
    inner join paper_numbers on sightings.paper_id = paper_numbers.paper_id
    cross join grains
),

periods as (
    select
        grain_no,
        period_start,
        period_papers,
        -- papers listed in all earlier periods of the grain (whether or not they held a term)
        coalesce(
            sum(period_papers) over (
                partition by grain_no order by period_start
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as prior_period_papers
    from (
        select grain_no, period_start, count(*) as period_papers
        from paper_periods
        group by grain_no, period_start
    )
),

-- the papers holding each supported term (the 2,000 terms are a small share of all phrases)
supported_papers as (
    select paper_numbers.paper_no, supported.term_no
    from paper_terms
    inner join supported on paper_terms.term_id = supported.term_id
    inner join paper_numbers on paper_terms.paper_id = paper_numbers.paper_id
),

counted as (
    select supported_papers.term_no, paper_periods.grain_no, paper_periods.period_start, count(*) as n_papers
    from paper_periods
    inner join supported_papers on paper_periods.paper_no = supported_papers.paper_no
    group by supported_papers.term_no, paper_periods.grain_no, paper_periods.period_start
),

-- a term's first listing date: the earliest first listing of its papers
first_seen as (
    select supported_papers.term_no, min(paper_firsts.first_listed) as first_seen
    from supported_papers
    inner join (
        select paper_no, min(period_start) as first_listed
        from paper_periods
        where grain_no = 0
        group by paper_no
    ) as paper_firsts on supported_papers.paper_no = paper_firsts.paper_no
    group by supported_papers.term_no
),

with_prior as (
    select
        counted.term_no,
        counted.grain_no,
        counted.period_start,
        counted.n_papers,
        periods.period_papers,
        periods.prior_period_papers,
        coalesce(
            sum(counted.n_papers) over (
                partition by counted.term_no, counted.grain_no order by counted.period_start
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as prior_papers
    from counted
    inner join periods on counted.grain_no = periods.grain_no and counted.period_start = periods.period_start
),

final as (
    select
        supported.term,
        supported.term_key,
        supported.n_words,
        grains.grain,
        with_prior.period_start,
        with_prior.n_papers,
        with_prior.n_papers / with_prior.period_papers::double as share_of_listing,
        first_seen.first_seen,
        ((with_prior.n_papers + 1) / (with_prior.period_papers + 1)::double)
            / ((with_prior.prior_papers + 1) / (with_prior.prior_period_papers + 1)::double) as growth_score
    from with_prior
    inner join grains on with_prior.grain_no = grains.grain_no
    inner join supported on with_prior.term_no = supported.term_no
    inner join first_seen on with_prior.term_no = first_seen.term_no
)

select * from final
