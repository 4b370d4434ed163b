{#- Compile-time reads of the topic taxonomy and exclusion seeds, so regexes are constants DuckDB
    compiles once (a regex taken from a column is recompiled for every row). -#}

{% macro taxonomy_rows() %}
    {#- (topic, patterns, title_patterns, support_patterns) per topic, '' for an empty cell. -#}
    {%- if execute -%}
        {%- set result = run_query(
            "select topic, coalesce(patterns, ''), coalesce(title_patterns, ''), coalesce(support_patterns, '')"
            ~ " from " ~ ref('topic_taxonomy') ~ " order by topic") -%}
        {{ return(result.rows) }}
    {%- else -%}
        {{ return([]) }}
    {%- endif -%}
{% endmacro %}

{% macro exclusion_rows() %}
    {%- if execute -%}
        {%- set result = run_query("select pattern from " ~ ref('topic_exclusions') ~ " order by pattern") -%}
        {{ return(result.rows) }}
    {%- else -%}
        {{ return([]) }}
    {%- endif -%}
{% endmacro %}

{% macro split_alternatives(pattern) %}
    {#- The top-level alternatives of a regex: 'a|b(c|d)' -> ['a', 'b(c|d)']. -#}
    {%- set ns = namespace(depth=0, current='', escaped=false) -%}
    {%- set parts = [] -%}
    {%- for ch in pattern -%}
        {%- if ns.escaped -%}
            {%- set ns.current = ns.current ~ ch -%}
            {%- set ns.escaped = false -%}
        {%- elif ch == '\\' -%}
            {%- set ns.current = ns.current ~ ch -%}
            {%- set ns.escaped = true -%}
        {%- elif ch == '|' and ns.depth == 0 -%}
            {%- do parts.append(ns.current) -%}
            {%- set ns.current = '' -%}
        {%- else -%}
            {%- if ch in '([' -%}
                {%- set ns.depth = ns.depth + 1 -%}
            {%- elif ch in ')]' -%}
                {%- set ns.depth = ns.depth - 1 -%}
            {%- endif -%}
            {%- set ns.current = ns.current ~ ch -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do parts.append(ns.current) -%}
    {{ return(parts | reject('equalto', '') | list) }}
{% endmacro %}

{% macro topic_pattern_chunks(max_alternatives=400) %}
    {#- The taxonomy's patterns as a few alternations, each holding whole topics and at most about
        max_alternatives alternatives, longest first: RE2 takes the first alternative that
        matches at a position, so "vision-language-action" is found whole before
        "vision-language" can take its start. Returns [(alternation, [topic, ...]), ...]. One
        alternation of all 2,000 alternatives outgrew RE2's DFA memory and ran 80 times slower
        (31 s instead of 0.4 s for 20,000 abstracts); each chunk is scanned on its own and its
        matches count only for its own topics. -#}
    {%- set chunks = [] -%}
    {%- set ns = namespace(alternatives=[], topics=[]) -%}
    {%- for row in taxonomy_rows() -%}
        {%- set own = [] -%}
        {%- for column in [row[1], row[2], row[3]] -%}
            {%- for alternative in split_alternatives(column) -%}
                {%- do own.append(alternative) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- if ns.topics and (ns.alternatives | length) + (own | length) > max_alternatives -%}
            {%- do chunks.append((ns.alternatives, ns.topics)) -%}
            {%- set ns.alternatives = [] -%}
            {%- set ns.topics = [] -%}
        {%- endif -%}
        {%- set ns.alternatives = ns.alternatives + own -%}
        {%- set ns.topics = ns.topics + [row[0]] -%}
    {%- endfor -%}
    {%- if ns.topics -%}
        {%- do chunks.append((ns.alternatives, ns.topics)) -%}
    {%- endif -%}
    {%- set result = [] -%}
    {%- for alternatives, topics in chunks -%}
        {%- set by_length = [] -%}
        {%- for alternative in alternatives | unique -%}
            {%- do by_length.append((alternative | length, alternative)) -%}
        {%- endfor -%}
        {%- set parts = [] -%}
        {%- for item in by_length | sort(attribute='0', reverse=true) -%}
            {%- do parts.append('(?:' ~ item[1] ~ ')') -%}
        {%- endfor -%}
        {%- do result.append((parts | join('|') | replace("'", "''"), topics)) -%}
    {%- endfor -%}
    {{ return(result) }}
{% endmacro %}

{% macro topic_exclusions() %}
    {#- One alternation of the exclusion seed's patterns (phrases removed before matching). -#}
    {%- set parts = [] -%}
    {%- for row in exclusion_rows() -%}
        {%- do parts.append('(?:' ~ row[0] ~ ')') -%}
    {%- endfor -%}
    {{ return((parts | join('|') if parts else '[^\\s\\S]') | replace("'", "''")) }}
{% endmacro %}

{% macro taxonomy_version() %}
    {#- Changes whenever a topic, pattern, exclusion or study cue changes: incremental models then
        re-match every paper. -#}
    {%- set text = [] -%}
    {%- for row in taxonomy_rows() -%}
        {%- do text.append(row | join('=')) -%}
    {%- endfor -%}
    {%- for row in exclusion_rows() -%}
        {%- do text.append('exclude=' ~ row[0]) -%}
    {%- endfor -%}
    {%- do text.append('study=' ~ var('topic_study_topic') ~ '=' ~ var('topic_study_min_cues') ~ '=' ~ var('topic_proposal_cue')) -%}
    {%- for label, pattern in var('topic_study_cues').items() -%}
        {%- do text.append('cue=' ~ label ~ '=' ~ pattern) -%}
    {%- endfor -%}
    {{ return(local_md5(text | join('\n'))) }}
{% endmacro %}
