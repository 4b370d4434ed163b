-- depends_on: {{ ref('stg_raw__dumps') }}, {{ ref('int_paper_aliases') }}
{{
    config(
        materialized='incremental',
        unique_key=['term_key', 'grain', 'period_start'],
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[
            "delete from {{ this }} where n_papers = 0 or term_key not in (select term_key from {{ ref('terms') }})",
        ]
    )
}}
-- One row per (term, grain, period_start) in which a term of marts.terms was listed, grain week or
-- month: how many of the period's papers hold the term and its share of them. share_change and
-- smoothed_share compare with the previous listed periods of the grain (a period with no listing
-- at all has no share and is skipped); is_partial marks the period that holds the latest listing
-- date but is not over at it, whose counts are still growing.
--
-- Incremental: a build counts again only the periods whose papers changed (the periods of the
-- run's month window, passed by Dagster as dbt vars window_start and window_end; a period whose
-- paper count moved, the partial period, the periods of papers whose text changed since the last
-- build, the periods of the listing dates whose dumps changed since (a dump ingested, or another
-- version of its file), and the two listed periods after each, whose share_change and smoothed_share read it), for
-- every term; and every period of the terms that are new to the vocabulary or now shown another
-- way. Rows of terms that left the vocabulary, and rows whose count fell to 0, are deleted (the
-- post-hook). A full build counts everything; both give the same table (tests/integration/test_terms.py).
{%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list
    if is_incremental() else [] %}
{#- a table written before the model was incremental (no updated_at) is counted again in full and
    its rows replaced #}
{%- set incremental = is_incremental() and 'updated_at' in columns %}
{%- set replace_existing = is_incremental() and not incremental %}
{%- set new_terms = 0 %}
{%- if incremental and execute %}
    {%- set new_terms = run_query(
        "select count(*) from " ~ ref('terms') ~ " as terms where not exists (select 1 from "
        ~ this ~ " as known where known.term_key = terms.term_key)"
    ).rows[0][0] %}
{%- endif %}
with terms as (
    select
        term_id,
        term,
        term_key,
        n_words
    from {{ ref('terms') }}
),

-- the term's number: the joins and aggregations run on small integers, texts join last
term_numbers as (
    select
        term_id,
        row_number() over (order by term_id) as term_no
    from terms
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

paper_numbers as (
    select
        paper_id,
        row_number() over () as paper_no
    from (select distinct paper_id from sightings)
),

-- the grains counted here, numbered: the joins below run on small integers
grains as (
    select * from (values (1, 'week'), (2, 'month')) as grains (grain_no, grain)
),

-- each paper once per period (a paper re-listed within a week or month counts once there)
paper_periods as (
    select
        grains.grain_no,
        periodised.period_start,
        paper_numbers.paper_no
    from {{ ref('int_sightings__periodised') }} as periodised
    inner join grains on periodised.grain = grains.grain
    inner join paper_numbers on periodised.paper_id = paper_numbers.paper_id
    where periodised.grain in ('week', 'month')
),

-- the listed periods of each grain, numbered in time order
periods as (
    select
        grain_no,
        period_start,
        period_papers,
        row_number() over (partition by grain_no order by period_start) as period_no
    from (
        select
            grain_no,
            period_start,
            count(*) as period_papers
        from paper_periods
        group by grain_no, period_start
    )
),

{%- if incremental %}

-- what the table holds now, per period
    known_periods as (
        select
            grains.grain_no,
            known.period_start,
            any_value(known.period_papers) as period_papers,
            bool_or(known.is_partial) as is_partial
        from {{ this }} as known
        inner join grains on known.grain = grains.grain
        group by grains.grain_no, known.period_start
    ),

    -- papers whose text changed since the last build: their terms changed in all their periods
    reworded as (
        select paper_numbers.paper_no
        from {{ ref('int_paper_terms') }} as paper_terms
        inner join paper_numbers on paper_terms.paper_id = paper_numbers.paper_id
        where paper_terms.change = 'changed'
            and paper_terms.extracted_at > (select max(updated_at) from {{ this }})
    ),

    -- listing dates whose papers may have changed (dumps ingested since the last build): a period
    -- whose set of papers changed without its count moving holds one of them
    relisted_dates as (
        {{ listing_dates_changed_since('(select max(updated_at) from ' ~ this ~ ')') }}
    ),

    moved as (
        select
            periods.grain_no,
            periods.period_no
        from periods
        left join known_periods
            on periods.grain_no = known_periods.grain_no
                and periods.period_start = known_periods.period_start
        where known_periods.period_start is null
            or known_periods.period_papers <> periods.period_papers
            or known_periods.is_partial
        union
        select
            periods.grain_no,
            periods.period_no
        from paper_periods
        semi join reworded on paper_periods.paper_no = reworded.paper_no
        inner join periods
            on paper_periods.grain_no = periods.grain_no
                and paper_periods.period_start = periods.period_start
        union
        select
            periods.grain_no,
            periods.period_no
        from periods
        inner join grains on periods.grain_no = grains.grain_no
        semi join relisted_dates
            on periods.period_start
                = {{ period_start('grains.grain', 'relisted_dates.listing_date') }}
        union
        -- the run's month window (dbt vars from Dagster's month partitions): its months, and the
        -- weeks overlapping them
        select
            periods.grain_no,
            periods.period_no
        from periods
        inner join grains on periods.grain_no = grains.grain_no
        where {{ overlaps_run_window(
        'periods.period_start', period_end('grains.grain', 'periods.period_start')
    ) }}
        union
        -- a period that left the table's listing (a dump taken away) changes what follows it
        select
            periods.grain_no,
            min(periods.period_no)
        from known_periods
        inner join
            periods
            on known_periods.grain_no = periods.grain_no
                and known_periods.period_start < periods.period_start
        where not exists (
                select 1 from periods as still
                where still.grain_no = known_periods.grain_no
                    and still.period_start = known_periods.period_start
            )
        group by periods.grain_no, known_periods.period_start
    ),

    -- the moved periods and the two listed periods after each
    touched as (
        select distinct
            periods.grain_no,
            periods.period_start,
            periods.period_no
        from periods
        inner join moved
            on periods.grain_no = moved.grain_no
                and periods.period_no between moved.period_no and moved.period_no + 2
    ),

    -- terms new to the table: every period is counted
    new_terms as (
        select
            term_numbers.term_no,
            terms.term_id,
            vocabulary.first_seen
        from terms
        inner join term_numbers on terms.term_id = term_numbers.term_id
        inner join {{ ref('terms') }} as vocabulary on terms.term_id = vocabulary.term_id
        where not exists (
                select 1 from {{ this }} as known
                where known.term_key = terms.term_key
            )
    ),

    -- terms the table holds written another way than most papers now write them ("adapter" ->
    -- "adapters"): their rows are written again with the new text, not counted again
    renamed as (
        select
            known.*,
            terms.term as new_term
        from {{ this }} as known
        inner join terms on known.term_key = terms.term_key
        where known.term <> terms.term
    ),
{%- endif %}

-- each paper's periods join its term list first (one row per paper and period), the list is
-- unnested after; on an incremental build only the touched periods' papers, and (when terms are
-- new) the papers holding a new term, in all their periods
period_terms as (
    select
        paper_periods.grain_no,
        paper_periods.period_start,
        unnest(paper_terms.term_ids) as term_id
    from paper_periods
    inner join paper_numbers on paper_periods.paper_no = paper_numbers.paper_no
    inner join
        {{ ref('int_paper_terms') }} as paper_terms
        on paper_numbers.paper_id = paper_terms.paper_id
    {%- if incremental %}
    semi join touched
        on paper_periods.grain_no = touched.grain_no and paper_periods.period_start = touched.period_start
    {%- endif %}
),

{%- if incremental and new_terms > 0 %}
-- the (paper, new term) pairs. A paper holding a term was first listed on or after the term's
-- first_seen, and a new term is usually a recent one: only those papers' lists are read.
new_term_papers as (
    select listed.paper_id, listed.term_id
    from (
        select paper_terms.paper_id, unnest(paper_terms.term_ids) as term_id
        from {{ ref('int_paper_terms') }} as paper_terms
        cross join (select list(term_id) as ids, min(first_seen) as since from new_terms) as new_ids
        where paper_terms.first_seen >= new_ids.since
            and list_has_any(paper_terms.term_ids, new_ids.ids)
    ) as listed
    semi join new_terms on listed.term_id = new_terms.term_id
),

new_term_periods as (
    select paper_periods.grain_no, paper_periods.period_start, new_term_papers.term_id
    from new_term_papers
    inner join paper_numbers on new_term_papers.paper_id = paper_numbers.paper_id
    inner join paper_periods on paper_numbers.paper_no = paper_periods.paper_no
),
{%- endif %}

counted as (
    select
        term_numbers.term_no,
        counts.grain_no,
        counts.period_start,
        count(*) as n_papers
    from (
        select * from period_terms
        {%- if incremental and new_terms > 0 %}
        union all
        -- the touched periods of new terms are counted above already
        select new_term_periods.*
        from new_term_periods
        where not exists (
            select 1 from touched
            where touched.grain_no = new_term_periods.grain_no and touched.period_start = new_term_periods.period_start
        )
        {%- endif %}
    ) as counts
    inner join term_numbers on counts.term_id = term_numbers.term_id
    group by term_numbers.term_no, counts.grain_no, counts.period_start
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
    inner join
        periods
        on counted.grain_no = periods.grain_no and counted.period_start = periods.period_start
),

{%- if incremental %}

-- the shares the table holds for the two periods before each touched one (not counted again),
-- which share_change and smoothed_share of the touched periods read
known_shares as (
    select
        term_numbers.term_no,
        grains.grain_no,
        periods.period_no,
        known.period_start,
        known.n_papers,
        periods.period_papers,
        known.share_of_listing
    from {{ this }} as known
    inner join grains on known.grain = grains.grain
    inner join periods on grains.grain_no = periods.grain_no and known.period_start = periods.period_start
    inner join terms on known.term_key = terms.term_key
    inner join term_numbers on terms.term_id = term_numbers.term_id
    where exists (
            select 1 from touched
            where touched.grain_no = periods.grain_no
                and periods.period_no between touched.period_no - 2 and touched.period_no - 1
        )
        and not exists (
            select 1 from touched
            where touched.grain_no = periods.grain_no and touched.period_start = periods.period_start
        )
        and not exists (select 1 from new_terms where new_terms.term_no = term_numbers.term_no)
),

all_shares as (
    select * from shares
    union all
    select * from known_shares
),

{%- else %}

    all_shares as (
        select * from shares
    ),

{%- endif %}

-- the term's share in the two listed periods before (0 where it was not listed then)
with_previous as (
    select
        shares.*,
        coalesce(previous_1.share_of_listing, 0) as share_previous,
        coalesce(previous_2.share_of_listing, 0) as share_previous_2,
        least(shares.period_no, 3) as n_smoothed
    from shares
    left join all_shares as previous_1
        on shares.term_no = previous_1.term_no
            and shares.grain_no = previous_1.grain_no
            and previous_1.period_no = shares.period_no - 1
    left join all_shares as previous_2
        on shares.term_no = previous_2.term_no
            and shares.grain_no = previous_2.grain_no
            and previous_2.period_no = shares.period_no - 2
),

computed as (
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
            when
                with_previous.period_no > 1
                then with_previous.share_of_listing - with_previous.share_previous
        end as share_change,
        -- mean share over this and the two previous listed periods (fewer at the start)
        (
            with_previous.share_of_listing
            + case when with_previous.period_no > 1 then with_previous.share_previous else 0 end
            + case when with_previous.period_no > 2 then with_previous.share_previous_2 else 0 end
        ) / with_previous.n_smoothed as smoothed_share,
        -- the period holds the latest listing date and its last day is after it
        latest.latest_date >= with_previous.period_start
        and latest.latest_date + 1
        < {{ period_end('grains.grain', 'with_previous.period_start') }} as is_partial
    from with_previous
    inner join grains on with_previous.grain_no = grains.grain_no
    inner join term_numbers on with_previous.term_no = term_numbers.term_no
    inner join terms on term_numbers.term_id = terms.term_id
    cross join latest
),

final as (
    select
        computed.*,
        (select max(extracted_at) from {{ ref('int_paper_terms') }}) as updated_at
    from computed
    {%- if incremental %}
    union all
    -- renamed terms' rows outside the touched periods, with the new text
    select
        renamed.new_term, renamed.term_key, renamed.n_words, renamed.grain, renamed.period_start,
        renamed.n_papers, renamed.period_papers, renamed.share_of_listing, renamed.share_change,
        renamed.smoothed_share, renamed.is_partial, renamed.updated_at
    from renamed
    inner join grains on renamed.grain = grains.grain
    where not exists (
        select 1 from touched
        where touched.grain_no = grains.grain_no and touched.period_start = renamed.period_start
    )
    {%- endif %}
    {%- if incremental or replace_existing %}
        union all
        -- rows of the touched periods that no paper holds any more, and of periods gone: zeroed
        -- here, deleted by the post-hook
        select
            known.term,
            known.term_key,
            known.n_words,
            known.grain,
            known.period_start,
            0,
            known.period_papers,
            0,
            null,
            null,
            false,
            null
        from {{ this }} as known
        inner join grains on known.grain = grains.grain
        where (
            {%- if replace_existing %}
                true
            {%- else %}
            exists (
                select 1 from touched
                where touched.grain_no = grains.grain_no and touched.period_start = known.period_start
            )
            or not exists (
                select 1 from periods
                where periods.grain_no = grains.grain_no and periods.period_start = known.period_start
            )
            {%- endif %}
        )
        and not exists (
            select 1 from computed
            where computed.term_key = known.term_key
                and computed.grain = known.grain
                and computed.period_start = known.period_start
        )
    {%- endif %}
)

select * from final
