{#- Compile-time reads of the topic taxonomy seed, so regexes are constants DuckDB compiles once
    (a regex taken from a column is recompiled for every row). -#}

{% macro taxonomy_rows() %}
    {%- if execute -%}
        {%- set result = run_query("select topic, patterns from " ~ ref('topic_taxonomy') ~ " order by topic") -%}
        {{ return(result.rows) }}
    {%- else -%}
        {{ return([]) }}
    {%- endif -%}
{% endmacro %}

{% macro all_topic_patterns() %}
    {#- One alternation of every topic's patterns: a single regex pass finds every candidate term. -#}
    {%- set parts = [] -%}
    {%- for row in taxonomy_rows() -%}
        {%- do parts.append('(?:' ~ row[1] ~ ')') -%}
    {%- endfor -%}
    {{ return(parts | join('|') if parts else '(?!)') }}
{% endmacro %}

{% macro taxonomy_version() %}
    {#- Changes whenever a topic or pattern changes: incremental models then re-match every paper. -#}
    {%- set text = [] -%}
    {%- for row in taxonomy_rows() -%}
        {%- do text.append(row[0] ~ '=' ~ row[1]) -%}
    {%- endfor -%}
    {{ return(local_md5(text | join('\n'))) }}
{% endmacro %}
