{#- Helpers of the incremental models that merge papers (delete+insert on paper_id). -#}

{% macro incremental_watermark(stamp_column, version_column=none, version=none) %}
    {#- The latest `stamp_column` of this model's table: the rows upstream wrote after it are the
        build's work. None (build everything) on a full build, on a table written before the
        column existed, and when a row's `version_column` is not `version` (the rules changed). -#}
    {%- if not is_incremental() or not execute %}{{ return(none) }}{% endif %}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list %}
    {%- if stamp_column not in columns
        or (version_column is not none and version_column not in columns) %}
        {{- return(none) }}
    {%- endif %}
    {%- set stale = "false" if version_column is none
        else "bool_or(" ~ version_column ~ " <> '" ~ version ~ "')" %}
    {%- set row = run_query(
        "select max(" ~ stamp_column ~ ")::varchar, " ~ stale ~ " from " ~ this
    ).rows[0] %}
    {{- return(none if row[0] is none or row[1] else row[0]) }}
{% endmacro %}

{% macro delete_unlisted_papers(papers) %}
{#- Post-hook: delete the rows of papers no longer in `papers` (their only dump superseded). -#}
delete from {{ this }} where paper_id not in (select paper_id from {{ papers }})
{% endmacro %}

{% macro delete_unlisted_periods(periodised, topics) %}
    {#- Post-hook of topic_trends: delete the rows of topics no longer in `topics` and of periods
        (listing, week, month) that hold no listing any more (`periodised`: int_sightings__periodised). -#}
delete from {{ this }}
    where topic not in (select topic from {{ topics }})
        or (grain, period_start) not in (select grain, period_start from {{ periodised }})
{% endmacro %}

{% macro overlaps_run_window(period_start, period_end) %}
    {#- A predicate: the period [period_start, period_end) overlaps the run's month window (dbt
        vars window_start, window_end: end exclusive, passed by Dagster from the run's month
        partitions). `false` in a build without a window. -#}
    {%- set window_start = var('window_start', none) %}
    {%- set window_end = var('window_end', none) %}
    {%- if window_start is none or window_end is none -%}
        false
    {%- else -%}
        ({{ period_start }} < '{{ window_end }}'::date and {{ period_end }} > '{{ window_start }}'::date)
    {%- endif %}
{% endmacro %}

{% macro listing_dates_changed_since(watermark) %}
    {#- A query of the listing dates whose set of listed papers may have changed since `watermark`
        (SQL giving a naive UTC timestamp: a model's latest write): the dates of the dumps
        ingested since, and of the other versions of their files (an overwritten file's
        superseded version), and the dates listing a title whose paper changed
        (int_paper_aliases). Listings change only through dumps, so a paper that int_papers__deduped
        wrote again because it was re-listed changes only these dates' periods, not every period
        it was ever listed in. -#}
    select distinct versions.listing_date
    from {{ ref('stg_raw__dumps') }} as recent
    inner join {{ ref('stg_raw__dumps') }} as versions on recent.file_name = versions.file_name
    where timezone('UTC', recent.ingested_at) > {{ watermark }}
        and versions.listing_date is not null
    union
    -- the dates listing a title whose paper changed (a retitled paper joined, or its first title
    -- found on an earlier dump, which renames it): their periods count papers anew
    select distinct sightings.listing_date
    from {{ ref('int_sightings__dated') }} as sightings
    where sightings.title_id in (
        select title_id from {{ ref('int_paper_aliases') }} where changed_at > {{ watermark }}
    )
{% endmacro %}
