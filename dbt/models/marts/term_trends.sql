-- depends_on: {{ ref('stopwords') }}
-- One row per (term, grain, period_start) in which the term was listed: emerging key phrases.
-- Only terms with minimum support (at least var('term_min_papers') distinct papers, and among
-- the var('term_max_terms') most supported) appear. growth_score is the term's share of the
-- period's papers over its share in all earlier periods (add-one smoothed): above 1 = rising.
with paper_terms as (
    select paper_id, term_id, surface_id, n_words from {{ ref('int_paper_terms') }}
),

-- the most supported terms; ties broken by term_id (an arbitrary but stable order)
supported as (
    select
        term_id,
        any_value(n_words)::bigint as n_words,
        count(*) as n_papers_total,
        row_number() over (order by count(*) desc, term_id) as term_no
    from paper_terms
    group by term_id
    having count(*) >= {{ var('term_min_papers') }}
    order by n_papers_total desc, term_id
    limit {{ var('term_max_terms', 2000) }}
),

-- a term is shown as most papers write it ("mixture of experts"): its most frequent surface
-- form, and one paper that writes it so
shown_surface as (
    select term_id, surface_id, sample_paper_id
    from (
        select
            paper_terms.term_id,
            paper_terms.surface_id,
            min(paper_terms.paper_id) as sample_paper_id,
            row_number() over (
                partition by paper_terms.term_id order by count(*) desc, paper_terms.surface_id
            ) as surface_rank
        from paper_terms
        semi join supported on paper_terms.term_id = supported.term_id
        group by paper_terms.term_id, paper_terms.surface_id
    )
    where surface_rank = 1
),

-- the texts behind the ids: phrases extracted again from those sample papers only
sample_papers as (
    select paper_id, title, abstract
    from {{ ref('int_papers__deduped') }}
    where paper_id in (select sample_paper_id from shown_surface)
),

sample_grams as (
    {{ key_phrase_grams('sample_papers', with_text=true) }}
),

labels as (
    select shown_surface.term_id, any_value(sample_grams.term) as term_key, any_value(sample_grams.surface) as term
    from shown_surface
    inner join sample_grams
        on shown_surface.sample_paper_id = sample_grams.paper_id
        and shown_surface.term_id = sample_grams.term_id
        and shown_surface.surface_id = sample_grams.surface_id
    group by shown_surface.term_id
),

supported_numbers as (
    select supported.term_no, labels.term_key, labels.term, supported.n_words
    from supported
    left join labels on supported.term_id = labels.term_id
),

sightings as (
    select paper_id, listing_date from {{ ref('int_sightings__dated') }}
),

-- the joins and aggregations below run on small integer keys (a paper's number, a term's rank),
-- not on the 16-character paper ids and the phrases: several times faster at 1,000 dumps
paper_numbers as (
    select paper_id, row_number() over () as paper_no
    from (select distinct paper_id from sightings)
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
    select periodised.grain, periodised.period_start, paper_numbers.paper_no, min(periodised.listing_date) as first_listed
    from periodised
    inner join paper_numbers on periodised.paper_id = paper_numbers.paper_id
    group by periodised.grain, periodised.period_start, paper_numbers.paper_no
),

-- the papers holding each supported term (the 2,000 terms are a small share of all phrases)
supported_papers as (
    select paper_numbers.paper_no, supported.term_no
    from paper_terms
    inner join supported on paper_terms.term_id = supported.term_id
    inner join paper_numbers on paper_terms.paper_id = paper_numbers.paper_id
),

counted as (
    select
        supported_papers.term_no,
        paper_periods.grain,
        paper_periods.period_start,
        count(*) as n_papers,
        min(paper_periods.first_listed) as first_listed
    from paper_periods
    inner join supported_papers on paper_periods.paper_no = supported_papers.paper_no
    group by supported_papers.term_no, paper_periods.grain, paper_periods.period_start
),

listed as (
    select
        supported_numbers.term_key,
        supported_numbers.term,
        supported_numbers.n_words,
        counted.grain,
        counted.period_start,
        counted.n_papers,
        counted.first_listed
    from counted
    inner join supported_numbers on counted.term_no = supported_numbers.term_no
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
