-- depends_on: {{ ref('stg_raw__dumps') }}, {{ ref('int_paper_aliases') }}
{{
    config(
        materialized='incremental',
        unique_key=['grain', 'period_start'],
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[
            "delete from {{ this }} where (grain, period_start) not in (
                select grain, period_start from {{ ref('int_sightings__periodised') }}
            )",
        ]
    )
}}
-- One row per (grain, period_start, paper) for grain week and month: every paper listed in the
-- period, how often and on how many days, and its rank there: "what topped the list this week"
-- without votes. The rank goes by listings in the period, then days on the list, then the best
-- position a listing gave it (1 = top of the page), then paper_id.
--
-- Incremental by period (delete+insert on grain, period_start): a build ranks again the periods
-- of the listing dates whose dumps changed since its last build (a dump ingested, or the other
-- versions of its file), the period that was partial (not over at the latest listing date), and
-- the periods of papers whose first listing moved (first_seen is a column here). Periods with no
-- listing any more are deleted (the post-hook). A full build gives the same table
-- (tests/integration/test_incremental.py).
{%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list
    if is_incremental() else [] %}
{%- set incremental = is_incremental() and 'updated_at' in columns %}
-- each paper listed in a week or month, with its listings there
with periodised as (
    select
        grain,
        period_start,
        paper_id,
        n_listings,
        days_on_list,
        best_position
    from {{ ref('int_sightings__periodised') }}
    where grain in ('week', 'month')
),

papers as (
    select
        paper_id,
        first_seen
    from {{ ref('int_papers__deduped') }}
),

latest as (
    select max(listing_date) as latest_date from {{ ref('int_sightings__dated') }}
),

{%- if incremental %}

    changed_dates as (
        {{ listing_dates_changed_since('(select max(updated_at) from ' ~ this ~ ')') }}
    ),

    todo as (
        select distinct
            grains.grain,
            {{ period_start('grains.grain', 'changed_dates.listing_date') }} as period_start
        from changed_dates
        cross join (select unnest(['week', 'month']) as grain) as grains
        union
        select
            grain,
            period_start
        from {{ this }}
        where is_partial
        union
        select
            known.grain,
            known.period_start
        from {{ this }} as known
        inner join papers on known.paper_id = papers.paper_id
        where known.first_seen <> papers.first_seen
    ),

{%- endif %}

counted as (
    select periodised.*
    from periodised
    {%- if incremental %}
        semi join
            todo
            on periodised.grain = todo.grain and periodised.period_start = todo.period_start
    {%- endif %}
),

final as (
    select
        counted.grain,
        counted.period_start,
        counted.paper_id,
        row_number() over (
            partition by counted.grain, counted.period_start
            order by
                counted.n_listings desc,
                counted.days_on_list desc,
                counted.best_position,
                counted.paper_id
        ) as rank,
        counted.n_listings,
        counted.days_on_list,
        counted.best_position,
        papers.first_seen,
        -- the period's last day is after the latest listing date
        latest.latest_date + 1
        < {{ period_end('counted.grain', 'counted.period_start') }} as is_partial,
        timezone('UTC', now()) as updated_at
    from counted
    inner join papers on counted.paper_id = papers.paper_id
    cross join latest
)

select * from final
