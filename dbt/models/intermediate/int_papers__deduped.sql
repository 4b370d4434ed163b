{{
    config(
        materialized='incremental',
        unique_key='paper_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[
            "{{ delete_unlisted_papers(ref('int_sightings__dated')) }}",
        ]
    )
}}
-- One row per paper: its latest title and abstract, when it was first and last listed, under how
-- many titles (a retitled paper's listings all carry its first title's id: int_sightings__dated).
--
-- Incremental (delete+insert on paper_id): every build finds each paper's latest listing and
-- listing dates from the (narrow) dated sightings, and writes again only the papers for which
-- they differ from the table: new papers, papers listed again, papers whose listings moved (a
-- dump superseded by a new version of its file). Their texts are joined, hashed and scanned for
-- a code link; the other papers are left as they are. A paper no longer listed at all is deleted
-- (the post-hook). updated_at says when a row was written, text_updated_at when its text last
-- changed: downstream incremental models take the rows written since their own last build.
{%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list
    if is_incremental() else [] %}
{#- a table written before this layout (no latest listing kept) is written again in full #}
{%- set incremental = is_incremental() and 'model_version' in columns %}
{#- a change of this model's SQL (the code link's pattern, say) writes every paper again #}
{%- set model_version = local_md5(model.raw_code) %}
with sightings as (
    select
        paper_id,
        title_id,
        listing_date,
        ingested_at,
        dump_id,
        position
    from {{ ref('int_sightings__dated') }}
),

-- the latest listing wins: latest date, then latest ingested, then a stable tie-break; the
-- aggregation picks the winning listing's key and its texts join afterwards (carrying titles and
-- abstracts through the aggregation is several times slower: BENCHMARKS.md, "Design choices")
latest as (
    select
        paper_id,
        arg_max(
            { 'dump_id': dump_id, 'position': position },
            (listing_date, ingested_at, dump_id, -position)
        ) as latest_listing,
        min(listing_date) as first_seen,
        max(listing_date) as last_seen,
        count(*) as n_listings,
        count(distinct title_id) as n_titles
    from sightings
    group by paper_id
),

changed as (
    select
        latest.*,
        {%- if incremental %}
        known.text_hash as known_text_hash,
        known.text_updated_at as known_text_updated_at
        {%- else %}
            null::varchar as known_text_hash,
            null::timestamp as known_text_updated_at
        {%- endif %}
    from latest
    {%- if incremental %}
        left join {{ this }} as known on latest.paper_id = known.paper_id
        where known.paper_id is null
            or known.latest_dump_id <> latest.latest_listing.dump_id
            or known.latest_position <> latest.latest_listing.position
            or known.first_seen <> latest.first_seen
            or known.last_seen <> latest.last_seen
            or known.n_listings <> latest.n_listings
            {%- if 'n_titles' in columns %}
                or known.n_titles <> latest.n_titles
            {%- endif %}
            or known.model_version <> '{{ model_version }}'
    {%- endif %}
),

papers as (
    select
        changed.paper_id,
        texts.title,
        texts.abstract,
        changed.first_seen,
        changed.last_seen,
        changed.n_listings,
        changed.n_titles,
        changed.latest_listing.dump_id as latest_dump_id,
        changed.latest_listing.position as latest_position,
        changed.known_text_hash,
        changed.known_text_updated_at
    from changed
    inner join {{ ref('stg_raw__sightings') }} as texts
        on changed.latest_listing.dump_id = texts.dump_id
            and changed.latest_listing.position = texts.position
),

hashed as (
    select
        *,
        md5(title || chr(10) || abstract) as text_hash
    from papers
),

final as (
    select
        paper_id,
        title,
        abstract,
        text_hash,
        first_seen,
        last_seen,
        n_listings,
        n_titles,
        -- first GitHub or GitLab repository link; a trailing period ends the sentence, not the URL
        nullif(
            rtrim(
                regexp_extract(
                    abstract,
                    'https?://(?:www\.)?(?:github\.com|gitlab\.com)/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+'
                ),
                '.'
            ),
            ''
        ) as code_url,
        latest_dump_id,
        latest_position,
        '{{ model_version }}' as model_version,
        timezone('UTC', now()) as updated_at,
        case
            when text_hash = known_text_hash then known_text_updated_at
            else timezone('UTC', now())
        end as text_updated_at
    from hashed
)

select * from final
