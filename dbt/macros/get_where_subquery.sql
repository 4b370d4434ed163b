{% macro get_where_subquery(relation) -%}
    {#- dbt's own (a test's `where` config filters the relation it tests), with one placeholder
        of ours, for the tests of tables too large to test whole on every run (search_postings:
        tens of millions of rows at 10,000 dumps): `__this_build_started__` is the time this dbt
        command started (dbt's run_started_at, UTC). In a build over a run's month window (vars
        window_start and window_end, which Dagster passes for a run over month partitions) such
        a test reads only the rows this build wrote (`indexed_at >= __this_build_started__`);
        without a window (the daily schedule, `papertrends build` and `check`) it reads the whole
        table. dbt renders YAML configs when it parses, and the prepared manifest is parsed
        without a window, so the choice is made here, when the test runs (dbt's documented way
        to template `where` at run time). -#}
    {%- set where = config.get('where') -%}
    {%- if where and '__this_build_started__' in where -%}
        {%- if var('window_start', none) is none -%}
            {%- do return(relation) -%}
        {%- endif -%}
        {%- set started = "'" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "'::timestamp" -%}
        {%- set where = where | replace('__this_build_started__', started) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
