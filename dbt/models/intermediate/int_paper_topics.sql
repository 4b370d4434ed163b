-- sqlfluff:exclude_rules:layout.indent
-- (a Jinja block inside a where clause renders two ways, and the two want different indents)
-- depends_on: {{ ref('topic_taxonomy') }}
-- depends_on: {{ ref('topic_exclusions') }}
{{
    config(
        materialized='incremental',
        unique_key='paper_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[
            "{{ delete_unlisted_papers(ref('int_papers__deduped')) }}",
        ]
    )
}}
-- One row per (paper, topic, field, term): the taxonomy terms found in each paper's title and
-- abstract, how often, and the tier of the term for that topic (strong, title, support; see the
-- topic_taxonomy seed). Phrases of the topic_exclusions seed ("human experts", "our code is
-- available") are blanked out before matching. Incremental on paper_id: only papers that are new,
-- whose latest text changed, or all papers when the taxonomy or exclusions changed
-- (taxonomy_version) are matched again; delete+insert removes every old row of a re-matched paper.
-- Only papers whose text int_papers__deduped wrote since this model's last build
-- (text_updated_at after its matched_at) are matched, unless the taxonomy changed (then every
-- paper whose stored text_hash or taxonomy_version differs); papers no longer listed are deleted.
{#- the taxonomy, the exclusions and this model's SQL: a change of any matches every paper again #}
{%- set taxonomy_version = local_md5(taxonomy_version() ~ model.raw_code) %}
{%- set watermark = incremental_watermark('matched_at', 'taxonomy_version', taxonomy_version) %}
{#- many texts written since (int_papers__deduped built again in full): match only those whose
    text_hash this table does not hold already #}
{%- set check_done = watermark is none %}
{%- if watermark is not none and execute %}
    {%- set check_done = run_query(
        "select count(*) > 10000 from " ~ ref('int_papers__deduped') ~ " where text_updated_at > '" ~ watermark ~ "'::timestamp"
    ).rows[0][0] %}
{%- endif %}
{%- set taxonomy = taxonomy_rows() %}
{#- the words after which a title names the paper's means, not its subject #}
{%- set means = "\\b(?:via|with|using|through|by|leveraging|based on)\\b" %}

with cleaned as not materialized (
    select
        papers.paper_id,
        papers.text_hash,
        regexp_replace(lower(papers.title), '{{ topic_exclusions() }}', ' ', 'g') as title,
        regexp_replace(lower(papers.abstract), '{{ topic_exclusions() }}', ' ', 'g') as abstract
    from {{ ref('int_papers__deduped') }} as papers
    where true
        {%- if watermark is not none %}
            and papers.text_updated_at > '{{ watermark }}'::timestamp
        {%- endif %}
        {%- if is_incremental() and check_done %}
            and not exists (
                select 1 from {{ this }} as done
                where done.paper_id = papers.paper_id
                    and done.text_hash = papers.text_hash
                    and done.taxonomy_version = '{{ taxonomy_version }}'
            )
        {%- endif %}
),

-- the title split at its first "via / with / using / through / by / leveraging / based on": a
-- topic named only after it is the paper's means ("8-bit Optimizers via Block-wise
-- Quantization"), which paper_topics ranks after its subject; and the abstract's first
-- sentence, where the paper says what field it is in
papers as not materialized (
    select
        paper_id,
        text_hash,
        case
            when
                regexp_matches(title, '{{ means }}')
                then regexp_extract(title, '^(.*?){{ means }}', 1)
            else title
        end as title_head,
        case
            when
                regexp_matches(title, '{{ means }}')
                then regexp_extract(title, '^.*?({{ means }}.*)$', 1)
            else ''
        end as title_means,
        abstract,
        split_part(abstract, '. ', 1) as abstract_lead
    from cleaned
),

-- a few regex passes over each text (macro topic_pattern_chunks: groups of whole topics) find
-- the candidate terms; the four texts of a paper are unnested side by side so that `papers` is
-- read once and streamed (read four times, DuckDB kept the cleaned texts of every paper in
-- memory, and a large archive ran out of it under the cap)
{%- set chunks = topic_pattern_chunks() %}
hits as (
    select
        paper_id,
        text_hash,
        field,
        chunk_no,
        -- a paper whose title matches nothing keeps one row with a null term, so every paper
        -- it looked at has rows (the incremental filter above finds it done)
        unnest(
            case
                when field = 'title' and chunk_no = 1 and len(terms) = 0 then [null::varchar] else
                    terms
            end
        ) as term
    from (
        select
            paper_id,
            text_hash,
            field,
            unnest(range(1, {{ chunks | length + 1 }})) as chunk_no,
            unnest([
                {%- for chunk in chunks %}
                regexp_extract_all(text, '{{ chunk[0] }}'){{ "," if not loop.last }}
                {%- endfor %}
            ]) as terms
        from (
            select
                paper_id,
                text_hash,
                unnest(['title', 'title_means', 'abstract', 'abstract_lead']) as field,
                unnest([title_head, title_means, abstract, abstract_lead]) as text
            from papers
        )
    )
),

found as (
    select
        paper_id,
        text_hash,
        field,
        chunk_no,
        term,
        count(*) as n_hits
    from hits
    group by paper_id, text_hash, field, chunk_no, term
),

-- within a chunk RE2 takes the longest alternative at a position ("vision-language models", not
-- "vision"); across chunks it cannot, so a term found inside a longer term of another chunk at
-- the same place is not counted again (one occurrence of the longer term hides one of it). Which
-- terms begin or end which is decided once among the distinct terms found (a few thousand);
-- papers are then joined on whole terms (a join on the paper alone compared every two terms of
-- each paper, half of the model's time on a large archive)
found_terms as materialized (
    select distinct
        chunk_no,
        term
    from found
    where term is not null
),

term_covers as materialized (
    select
        short.chunk_no,
        short.term,
        long.chunk_no as long_chunk_no,
        long.term as long_term
    from found_terms as short
    join found_terms as long
        on short.chunk_no <> long.chunk_no
            and length(long.term) > length(short.term)
            and (
                starts_with(
                    replace(long.term, '-', ' ') || ' ', replace(short.term, '-', ' ') || ' '
                )
                or ends_with(
                    ' ' || replace(long.term, '-', ' '), ' ' || replace(short.term, '-', ' ')
                )
            )
),

-- (materialized: planned as one join of three, DuckDB paired every two terms of a paper first
-- and ran out of memory at 100,000 papers)
covering_candidates as materialized (
    select
        short.paper_id,
        short.field,
        short.chunk_no,
        short.term,
        term_covers.long_chunk_no,
        term_covers.long_term
    from found as short
    join term_covers
        on short.chunk_no = term_covers.chunk_no
            and short.term = term_covers.term
),

covered as (
    select
        candidates.paper_id,
        candidates.field,
        candidates.chunk_no,
        candidates.term,
        sum(long.n_hits) as n_covered
    from covering_candidates as candidates
    join found as long
        on long.paper_id = candidates.paper_id
            and long.field = candidates.field
            and long.chunk_no = candidates.long_chunk_no
            and long.term = candidates.long_term
    group by all
),

counted as (
    select
        found.paper_id,
        found.text_hash,
        found.field,
        found.chunk_no,
        found.term,
        found.n_hits - coalesce(covered.n_covered, 0) as n_hits
    from found
    left join covered
        on found.paper_id = covered.paper_id
            and found.field = covered.field
            and found.chunk_no = covered.chunk_no
            and found.term = covered.term
    where found.term is null or found.n_hits > coalesce(covered.n_covered, 0)
),

-- each distinct term's topics and its tier there: strong if it matches the topic's patterns, else
-- title-tier, else support. The topics' patterns are constants (DuckDB compiles a constant regex
-- once; a pattern read from a column is compiled again for every row, which on a large archive
-- took minutes and ran out of memory), evaluated in a projection of the distinct terms, one
-- expression per topic: as a filter DuckDB pushed the regexes below the distinct, onto every
-- (paper, term) row
distinct_terms as (
    select distinct
        chunk_no,
        term
    from counted
    where term is not null
),

term_topics as (
    select
        chunk_no,
        term,
        topic_tier.topic,
        topic_tier.tier
    from (
        select
            chunk_no,
            term,
            unnest(list_filter([
                {%- set ns = namespace(first=true) %}
                {%- for chunk in chunks %}
                {%- set chunk_no = loop.index %}
                {%- for row in taxonomy if row[0] in chunk[1] %}
                {%- set strong = row[1] | replace("'", "''") %}
                {%- set title = (row[2] or '[^\\s\\S]') | replace("'", "''") %}
                {%- set support = (row[3] or '[^\\s\\S]') | replace("'", "''") %}
                {{ "" if ns.first else "," }}
                case
                    when chunk_no <> {{ chunk_no }} then null
                    when regexp_full_match(term, '{{ strong }}') then {'topic': '{{ row[0] }}', 'tier': 'strong'}
                    when regexp_full_match(term, '{{ title }}') then {'topic': '{{ row[0] }}', 'tier': 'title'}
                    when regexp_full_match(term, '{{ support }}') then {'topic': '{{ row[0] }}', 'tier': 'support'}
                end
                {%- set ns.first = false %}
                {%- endfor %}
                {%- endfor %}
                {%- if ns.first %}
                    null::struct(topic varchar, tier varchar)
                {%- endif %}
            ], lambda topic_tier: topic_tier is not null)) as topic_tier
        from distinct_terms
    )
),

matched as (
    select
        counted.paper_id,
        counted.text_hash,
        '{{ taxonomy_version }}' as taxonomy_version,
        timezone('UTC', now()) as matched_at,
        term_topics.topic,
        term_topics.tier,
        counted.field,
        counted.term,
        counted.n_hits
    from counted
    left join
        term_topics
        on counted.chunk_no = term_topics.chunk_no and counted.term = term_topics.term
    -- (every term found matches some topic by construction; the null-term rows stay)
    where term_topics.topic is not null or counted.term is null
),

-- an abstract that proposes nothing but reports a study (vars topic_proposal_cue,
-- topic_study_cues): one row per distinct study cue, tier 'study', for topic_study_topic
{%- set cues = var('topic_study_cues') %}
study_cues as (
    select
        paper_id,
        text_hash,
        list_filter([
            {%- for label, pattern in cues.items() %}
                case
                    when
                        regexp_matches(abstract, '{{ pattern | replace("'", "''") }}')
                        then '{{ label }}'
                end{{ "," if not loop.last }}
            {%- endfor %}
        ], lambda cue: cue is not null) as cues
    from papers
    where not regexp_matches(abstract, '{{ var("topic_proposal_cue") | replace("'", "''") }}')
),

-- one cue ("we study") is how any abstract may speak; a study takes topic_study_min_cues
studies as (
    select
        paper_id,
        text_hash,
        unnest(cues) as term
    from study_cues
    where len(cues) >= {{ var('topic_study_min_cues') }}
)

select * from matched
union all
select
    paper_id,
    text_hash,
    '{{ taxonomy_version }}' as taxonomy_version,
    timezone('UTC', now()) as matched_at,
    '{{ var("topic_study_topic") }}' as topic,
    'study' as tier,
    'abstract' as field,
    term,
    1::bigint as n_hits
from studies
