{{
    config(
        materialized='incremental',
        unique_key='title_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
    )
}}
-- One row per title that shares a paper with another title (retitled papers; README "Retitled
-- papers"): the paper it belongs to. Titles are joined when one of their listed abstracts matches
-- one of the other's (int_abstract_matches), also through a third title; the paper takes the id of
-- its first title (earliest listing date, then the smaller id). Every other title is a paper of
-- its own and has no row here, or a row of its own id (paper_id = title_id, n_titles 1) once a
-- match it had is gone.
--
-- The mapping is small (matched titles only) and worked out in full on every build; a build
-- writes only the rows whose paper changed, stamped changed_at: the period models rebuild the
-- periods of those titles' listings (macro listing_dates_changed_since), whose papers it renamed.
with recursive sketched as (
    select
        title_id,
        abstract_hash
    from {{ ref('int_abstract_sketches') }}
),

matched as (
    select
        title_id,
        abstract_hash,
        unnest(matches) as match
    from {{ ref('int_abstract_matches') }}
),

-- a match with a text that is no longer listed is no evidence
edges as (
    select distinct
        matched.title_id as title_id,
        matched.match.title_id as other_title_id
    from matched
    semi join sketched
        on matched.title_id = sketched.title_id and matched.abstract_hash = sketched.abstract_hash
    semi join sketched as other
        on matched.match.title_id = other.title_id
            and matched.match.abstract_hash = other.abstract_hash
),

undirected as (
    select
        title_id,
        other_title_id
    from edges
    union
    select
        other_title_id,
        title_id
    from edges
),

-- every title each matched title reaches through matches (itself included)
reach (title_id, member_id) as (
    select distinct
        title_id,
        title_id
    from undirected
    union
    select
        reach.title_id,
        undirected.other_title_id
    from reach
    inner join undirected on reach.member_id = undirected.title_id
),

first_seen as (
    select
        sightings.paper_id as title_id,
        min(dumps.listing_date) as first_seen
    from {{ ref('stg_raw__sightings') }} as sightings
    inner join {{ ref('stg_raw__dumps') }} as dumps
        on sightings.dump_id = dumps.dump_id and dumps.status = 'loaded'
    where sightings.paper_id in (select title_id from undirected)
    group by sightings.paper_id
),

mapping as (
    select
        reach.title_id,
        arg_min(reach.member_id, (first_seen.first_seen, reach.member_id)) as paper_id,
        count(*) as n_titles
    from reach
    inner join first_seen on reach.member_id = first_seen.title_id
    group by reach.title_id
),

{%- if is_incremental() %}

-- the rows whose paper changed: new titles, titles of another paper now, and titles whose
-- match is gone (back to a paper of their own)
    changed as (
        select
            coalesce(mapping.title_id, known.title_id) as title_id,
            coalesce(mapping.paper_id, known.title_id) as paper_id,
            coalesce(mapping.n_titles, 1) as n_titles
        from mapping
        full outer join {{ this }} as known on mapping.title_id = known.title_id
        where known.title_id is null
            or (
                mapping.title_id is null
                and (known.paper_id <> known.title_id or known.n_titles <> 1)
            )
            or mapping.paper_id <> known.paper_id
            or mapping.n_titles <> known.n_titles
    ),
{%- else %}

    changed as (
        select * from mapping
    ),
{%- endif %}

final as (
    select
        title_id,
        paper_id,
        n_titles,
        timezone('UTC', now()) as changed_at
    from changed
)

select * from final
