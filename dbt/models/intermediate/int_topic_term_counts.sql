{{
    config(
        materialized='incremental',
        unique_key=['topic', 'term_id'],
        incremental_strategy='delete+insert',
        post_hook="delete from {{ this }} where n_papers = 0 and updated_at < (select max(updated_at) from {{ this }})"
    )
}}
{#- The post-hook deletes pairs at 0 papers, but not those of the latest build: their updated_at
    is the watermark (deleting them all could move it back to a count already applied). -#}
-- One row per (topic, key phrase): how many papers of the topic hold the phrase (any phrase
-- int_paper_terms extracted, admitted to marts.terms or not; 'other' is no topic; a row at 0
-- papers is left by the latest build and deleted by the next). The class
-- counts under marts.topic_terms, kept up to date by difference: a build reads only the papers
-- whose phrases (int_paper_terms) or topics (int_paper_topic_sets) changed since its latest,
-- counts their previous pairs out and their new ones in.
--
-- The difference is only applied to a state known to be right. A build counts everything again
-- when the table is new, when the topic rules or the extraction changed (rules_version,
-- extraction_version), when a paper's topics changed twice since the last count, and when the
-- pairs it holds do not add up to what the papers held at the last count (a paper no longer
-- listed, a build that failed half way).
{%- set mode = 'full' %}
{%- set watermark = none %}
{%- set sets = ref('int_paper_topic_sets') %}
{%- set terms = ref('int_paper_terms') %}
{%- if is_incremental() and execute %}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list %}
    {%- if 'rules_version' in columns and 'extraction_version' in columns %}
        {%- set state = run_query(
            "with counted as (select max(updated_at) as watermark, coalesce(sum(n_papers), 0) as pairs,"
            ~ " count(distinct rules_version) + count(distinct extraction_version) as n_versions,"
            ~ " max(rules_version) as rules_version, max(extraction_version) as extraction_version"
            ~ " from " ~ this ~ "),"
            ~ " current as (select"
            ~ " (select max(rules_version) from " ~ ref('paper_topics') ~ ") as rules_version,"
            ~ " (select count(distinct rules_version) from " ~ ref('paper_topics') ~ ") as n_rules,"
            ~ " (select max(extraction_version) from " ~ terms ~ ") as extraction_version),"
            ~ " papers as (select sets.topics, sets.previous_topics, sets.updated_at, sets.previous_updated_at,"
            ~ "   terms.term_ids, terms.previous_term_ids, terms.change, terms.extracted_at"
            ~ "   from " ~ sets ~ " as sets inner join " ~ terms ~ " as terms on sets.paper_id = terms.paper_id)"
            ~ " select counted.watermark,"
            ~ " counted.n_versions = 2 and counted.rules_version = current.rules_version"
            ~ "   and current.n_rules = 1 and counted.extraction_version = current.extraction_version,"
            ~ " counted.pairs,"
            ~ " (select coalesce(sum("
            ~ "   len(case when papers.updated_at > counted.watermark then coalesce(papers.previous_topics, [])"
            ~ "       else papers.topics end)"
            ~ "   * len(case when papers.extracted_at <= counted.watermark then papers.term_ids"
            ~ "       when papers.change = 'changed' then papers.previous_term_ids"
            ~ "       when papers.change = 'new' then [] else papers.term_ids end)), 0)"
            ~ "  from papers) as expected_pairs,"
            ~ " (select count(*) from papers where papers.updated_at > counted.watermark"
            ~ "  and papers.previous_updated_at > counted.watermark) as n_twice"
            ~ " from counted cross join current"
        ).rows[0] %}
        {%- if state[0] is not none and state[1] and state[2] == state[3] and state[4] == 0 %}
            {%- set mode = 'delta' %}
            {%- set watermark = state[0] %}
        {%- endif %}
        {{ log("int_topic_term_counts: " ~ mode ~ " (counted pairs " ~ state[2] ~ ", expected " ~ state[3]
            ~ ", topics changed twice " ~ state[4] ~ ")", info=false) }}
    {%- endif %}
{%- endif %}

with
{%- if mode == 'full' %}

    topic_papers as (
        select
            sets.paper_id,
            unnest(sets.topics) as topic
        from {{ sets }} as sets
    ),

    -- the papers join first (one row per paper and topic), their phrase lists are unnested after
    pairs as (
        select
            topic_papers.topic,
            unnest(terms.term_ids) as term_id,
            1 as sign
        from topic_papers
        inner join {{ terms }} as terms on topic_papers.paper_id = terms.paper_id
    ),

{%- else %}

-- the papers whose phrases or topics changed since the last count, with what was counted then
    changed as (
        select
            sets.paper_id,
            sets.topics,
            terms.term_ids,
            case when sets.updated_at > '{{ watermark }}'::timestamp
                    then coalesce(sets.previous_topics, [])
                else sets.topics
            end as counted_topics,
            case when terms.extracted_at <= '{{ watermark }}'::timestamp then terms.term_ids
                when terms.change = 'changed' then terms.previous_term_ids
                when terms.change = 'new' then []
                else terms.term_ids
            end as counted_term_ids
        from {{ sets }} as sets
        inner join {{ terms }} as terms on sets.paper_id = terms.paper_id
        where (
            sets.updated_at > '{{ watermark }}'::timestamp
            and sets.topics is distinct from sets.previous_topics
        )
        or (
            terms.extracted_at > '{{ watermark }}'::timestamp and terms.change in ('new', 'changed')
        )
    ),

    -- their pairs now count in, the pairs counted before count out
    topic_lists as (
        select
            unnest(topics) as topic,
            term_ids,
            1 as sign
        from changed
        union all
        select
            unnest(counted_topics) as topic,
            counted_term_ids,
            -1 as sign
        from changed
    ),

    pairs as (
        select
            topic,
            unnest(term_ids) as term_id,
            sign
        from topic_lists
    ),

{%- endif %}

counted as (
    select
        topic,
        term_id,
        sum(sign) as n_papers
    from pairs
    group by topic, term_id
),

final as (
    {%- if mode == 'delta' %}
    select
        counted.topic,
        counted.term_id,
        coalesce(known.n_papers, 0) + counted.n_papers as n_papers
    from counted
    left join {{ this }} as known on counted.topic = known.topic and counted.term_id = known.term_id
    where counted.n_papers <> 0
    {%- else %}
        select * from counted
        {%- if is_incremental() %}
            union all
            -- pairs no paper holds any more: zeroed here, deleted by a later build's post-hook
            select
                gone.topic,
                gone.term_id,
                0
            from {{ this }} as gone
            where not exists (
                    select 1
                    from counted
                    where counted.topic = gone.topic and counted.term_id = gone.term_id
                )
        {%- endif %}
    {%- endif %}
)

select
    final.topic,
    final.term_id,
    final.n_papers::bigint as n_papers,
    (select max(rules_version) from {{ ref('paper_topics') }}) as rules_version,
    (select max(extraction_version) from {{ terms }}) as extraction_version,
    -- the latest change this count has seen: the next build counts what came after it
    greatest(
        (select max(extracted_at) from {{ terms }}),
        (select max(updated_at) from {{ sets }})
    ) as updated_at
from final
