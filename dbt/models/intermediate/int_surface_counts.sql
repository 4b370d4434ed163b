{{
    config(
        materialized='incremental',
        unique_key='surface_id',
        incremental_strategy='delete+insert',
        post_hook="delete from {{ this }} where n_papers = 0"
    )
}}
-- One row per key-phrase surface (a phrase as written): how many papers write it, how often, how
-- many of them twice or more, and the first and last listing of those papers. The counts under
-- int_term_stats, kept up to date by difference: a build applies only the int_paper_terms rows
-- written since its latest (new papers count in, a paper whose text changed counts its previous
-- phrases out and its new ones in, a re-listed paper moves first/last seen only).
--
-- It counts everything again (and zeroes what is gone: the post-hook deletes rows at 0 papers)
-- when built for the first time, when the extraction version changed, or when its own totals do
-- not match what int_paper_terms says it had counted (a build that failed half way, a paper
-- changed twice between two builds): the difference is only applied to a state known to be right.
{%- set mode = 'full' %}
{%- set watermark = none %}
{%- set has_changes = false %}
{%- if is_incremental() and execute %}
    {%- set state = run_query(
        "with counted as (select max(updated_at) as watermark, coalesce(sum(n_papers), 0) as pairs,"
        ~ " max(extraction_version) as version, count(distinct extraction_version) as n_versions from " ~ this ~ ")"
        ~ " select counted.watermark, counted.pairs, counted.version, counted.n_versions,"
        ~ " (select coalesce(sum(case when terms.extracted_at <= counted.watermark or terms.change = 'relisted'"
        ~ "     then len(terms.term_ids) when terms.change = 'changed' then len(terms.previous_term_ids) else 0 end), 0)"
        ~ "  from " ~ ref('int_paper_terms') ~ " as terms) as expected_pairs,"
        ~ " (select max(extraction_version) from " ~ ref('int_paper_terms') ~ ") as current_version,"
        ~ " (select count(*) from " ~ ref('int_paper_terms') ~ " as terms"
        ~ "  where terms.extracted_at > counted.watermark and terms.change = 'changed') as n_changed"
        ~ " from counted"
    ).rows[0] %}
    {%- if state[0] is not none and state[3] == 1 and state[2] == state[5] and state[1] == state[4] %}
        {%- set mode = 'delta' %}
        {%- set watermark = state[0] %}
        {%- set has_changes = state[6] > 0 %}
    {%- endif %}
    {{ log("int_surface_counts: " ~ mode ~ " (counted pairs " ~ state[1] ~ ", expected " ~ state[4] ~ ")", info=false) }}
{%- endif %}

{%- if mode == 'full' %}

    with pairs as (
        select * from {{ ref('int_paper_term_pairs') }}
    ),

    counted as (
        select
            surface_id,
            any_value(term_id) as term_id,
            count(*) as n_papers,
            sum(n_occurrences)::bigint as n_occurrences,
            count(*) filter (where n_occurrences >= 2) as n_papers_repeating,
            min(first_seen) as first_seen,
            max(last_seen) as last_seen
        from pairs
        group by surface_id
    ),

    final as (
        select counted.* from counted
        {%- if is_incremental() %}
            union all
            -- surfaces no paper writes any more: zeroed here, deleted by the post-hook
            select
                surface_id,
                term_id,
                0,
                0,
                0,
                null,
                null
            from {{ this }} as gone
            where not exists (
                    select 1 from counted
                    where counted.surface_id = gone.surface_id
                )
        {%- endif %}
    )

{%- else %}

    with batch as (
        select *
        from {{ ref('int_paper_terms') }}
        where extracted_at > '{{ watermark }}'::timestamp
    ),

    -- the batch's phrases count in (a re-listed paper's only move first/last seen: sign 0) ...
    plus as (
        select
            unnest(surface_ids) as surface_id,
            unnest(term_ids) as term_id,
            unnest(n_occurrences) as n_occurrences,
            first_seen,
            last_seen,
            case when change = 'relisted' then 0 else 1 end as sign
        from batch
    ),

    -- ... and the previous phrases of papers whose text changed count out
    minus as (
        select
            unnest(previous_surface_ids) as surface_id,
            unnest(previous_term_ids) as term_id,
            unnest(previous_n_occurrences) as n_occurrences,
            null::date as first_seen,
            null::date as last_seen,
            -1 as sign
        from batch
        where change = 'changed'
    ),

    delta as (
        select
            surface_id,
            any_value(term_id) as term_id,
            sum(sign) as n_papers,
            sum(sign * n_occurrences) as n_occurrences,
            sum(sign * (n_occurrences >= 2)::integer) as n_papers_repeating,
            min(first_seen) as first_seen,
            max(last_seen) as last_seen
        from (
            select * from plus
            union all
            select * from minus
        )
        group by surface_id
    ),

    merged as (
        select
            delta.surface_id,
            coalesce(known.term_id, delta.term_id) as term_id,
            coalesce(known.n_papers, 0) + delta.n_papers as n_papers,
            coalesce(known.n_occurrences, 0) + delta.n_occurrences as n_occurrences,
            coalesce(known.n_papers_repeating, 0) + delta.n_papers_repeating as n_papers_repeating,
            -- listings only move outwards (least/greatest skip nulls)
            least(known.first_seen, delta.first_seen) as first_seen,
            greatest(known.last_seen, delta.last_seen) as last_seen
        from delta
        left join {{ this }} as known on delta.surface_id = known.surface_id
    ),

    {%- if has_changes %}
        -- a surface a changed paper no longer writes may have lost its first or last listing with it:
        -- those (few) surfaces take their listings from the papers that write them now
        exact_listings as (
            select
                pairs.surface_id,
                min(pairs.first_seen) as first_seen,
                max(pairs.last_seen) as last_seen
            from {{ ref('int_paper_term_pairs') }} as pairs
            semi join minus on pairs.surface_id = minus.surface_id
            group by pairs.surface_id
        ),
    {%- endif %}

    final as (
        select
            merged.surface_id,
            merged.term_id,
            merged.n_papers,
            merged.n_occurrences,
            merged.n_papers_repeating,
            {%- if has_changes %}
        case when exact_listings.surface_id is not null or merged.n_papers = 0
            then exact_listings.first_seen else merged.first_seen end as first_seen,
        case when exact_listings.surface_id is not null or merged.n_papers = 0
            then exact_listings.last_seen else merged.last_seen end as last_seen
        {%- else %}
                merged.first_seen,
                merged.last_seen
            {%- endif %}
        from merged
        {%- if has_changes %}
    left join exact_listings on merged.surface_id = exact_listings.surface_id
    {%- endif %}
    )

{%- endif %}

select
    final.surface_id,
    final.term_id,
    final.n_papers::bigint as n_papers,
    final.n_occurrences::bigint as n_occurrences,
    final.n_papers_repeating::bigint as n_papers_repeating,
    final.first_seen,
    final.last_seen,
    (select max(extraction_version) from {{ ref('int_paper_terms') }}) as extraction_version,
    (select max(extracted_at) from {{ ref('int_paper_terms') }}) as updated_at
from final
