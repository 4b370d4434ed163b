-- One row per (term, grain, period_start) in which a term of marts.terms was listed, grain week or
-- month: how many of the period's papers hold the term and its share of them. share_change and
-- smoothed_share compare with the previous listed periods of the grain (a period with no listing
-- at all has no share and is skipped); is_partial marks the period that holds the latest listing
-- date but is not over at it, whose counts are still growing.
with terms as (
    select term_id, term, term_key, n_words from {{ ref('terms') }}
),

-- the term's rank by papers: the joins and aggregations run on small integers, texts join last
term_numbers as (
    select term_id, row_number() over (order by term_id) as term_no from terms
),

sightings as (
    select paper_id, listing_date from {{ ref('int_sightings__dated') }}
),

latest as (
    select max(listing_date) as latest_date from sightings
),

paper_numbers as (
    select paper_id, row_number() over () as paper_no
    from (select distinct paper_id from sightings)
),

grains as (
    select * from (values (1, 'week'), (2, 'month')) as grains (grain_no, grain)
),

-- each paper once per period (a paper re-listed within a week or month counts once there)
paper_periods as (
    select distinct
        grains.grain_no,
        case grains.grain_no
            when 1 then date_trunc('week', sightings.listing_date)::date
            else date_trunc('month', sightings.listing_date)::date
        end as period_start,
        paper_numbers.paper_no
    from sightings
    inner join paper_numbers on sightings.paper_id = paper_numbers.paper_id
    cross join grains
),

-- the listed periods of each grain, numbered in time order
periods as (
    select
        grain_no,
        period_start,
        period_papers,
        row_number() over (partition by grain_no order by period_start) as period_no
    from (
        select grain_no, period_start, count(*) as period_papers
        from paper_periods
        group by grain_no, period_start
    )
),

-- each paper's periods join its term list first (one row per paper and period), the list is
-- unnested after
period_terms as (
    select paper_periods.grain_no, paper_periods.period_start, unnest(paper_terms.term_ids) as term_id
    from paper_periods
    inner join paper_numbers on paper_periods.paper_no = paper_numbers.paper_no
    inner join {{ ref('int_paper_terms') }} as paper_terms on paper_numbers.paper_id = paper_terms.paper_id
),

counted as (
    select term_numbers.term_no, period_terms.grain_no, period_terms.period_start, count(*) as n_papers
    from period_terms
    inner join term_numbers on period_terms.term_id = term_numbers.term_id
    group by term_numbers.term_no, period_terms.grain_no, period_terms.period_start
),

shares as (
    select
        counted.term_no,
        counted.grain_no,
        periods.period_no,
        counted.period_start,
        counted.n_papers,
        periods.period_papers,
        counted.n_papers / periods.period_papers::double as share_of_listing
    from counted
    inner join periods on counted.grain_no = periods.grain_no and counted.period_start = periods.period_start
),

-- the term's share in the two listed periods before (0 where it was not listed then)
with_previous as (
    select
        shares.*,
        coalesce(previous_1.share_of_listing, 0) as share_previous,
        coalesce(previous_2.share_of_listing, 0) as share_previous_2,
        least(shares.period_no, 3) as n_smoothed
    from shares
    left join shares as previous_1
        on shares.term_no = previous_1.term_no
        and shares.grain_no = previous_1.grain_no
        and previous_1.period_no = shares.period_no - 1
    left join shares as previous_2
        on shares.term_no = previous_2.term_no
        and shares.grain_no = previous_2.grain_no
        and previous_2.period_no = shares.period_no - 2
),

final as (
    select
        terms.term,
        terms.term_key,
        terms.n_words,
        grains.grain,
        with_previous.period_start,
        with_previous.n_papers,
        with_previous.period_papers,
        with_previous.share_of_listing,
        -- share points gained since the previous listed period (null for the first one)
        case
            when with_previous.period_no > 1 then with_previous.share_of_listing - with_previous.share_previous
        end as share_change,
        -- mean share over this and the two previous listed periods (fewer at the start)
        (
            with_previous.share_of_listing
            + case when with_previous.period_no > 1 then with_previous.share_previous else 0 end
            + case when with_previous.period_no > 2 then with_previous.share_previous_2 else 0 end
        ) / with_previous.n_smoothed as smoothed_share,
        latest.latest_date >= with_previous.period_start
            and latest.latest_date < (
                case grains.grain_no
                    when 1 then with_previous.period_start + interval 6 day
                    else (with_previous.period_start + interval 1 month - interval 1 day)
                end
            )::date as is_partial
    from with_previous
    inner join grains on with_previous.grain_no = grains.grain_no
    inner join term_numbers on with_previous.term_no = term_numbers.term_no
    inner join terms on term_numbers.term_id = terms.term_id
    cross join latest
)

select * from final
