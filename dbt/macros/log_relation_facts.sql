{#-
    Post-hook of every model and seed: what the Dagster UI shows of the built relation, logged
    as two lines while dbt runs, so Dagster records each materialization as dbt finishes it
    (pipelines/defs/dbt.py), without opening the DuckDB file dbt holds.

    1. Its column names and types (from the warehouse, so DuckDB's real types) as one JSON line,
       {"columns": {name: {"data_type", "description"}}}. dagster-dbt reads such a line of a node
       (a JinjaLogInfo event) into the node's `dagster/column_schema` (the adapter's own type
       names, `column.dtype`: VARCHAR, not dbt's `character varying(256)`).
    2. `papertrends-facts {"row_count": N, "preview": [...]}`: its row count (none for a view:
       counting would run it whole) and its first `n` rows as JSON objects, ordered by the
       model's `meta.preview_order` (its most telling rows first; it may name only columns of
       the preview) and cut to its `meta.preview_columns` (default: all). The rows come from
       `order by ... limit n` (or `limit n`), so a view is never run whole.

    It runs before a model's own post-hooks (dbt runs the project's first): for the few models
    whose post-hook deletes rows (int_topic_term_counts, int_surface_counts, ...) the count is
    the one before that clean-up.

    Only when Dagster runs dbt (it passes the var papertrends_ui_facts): a hand-run `dbt build`
    prints neither line and runs no extra query.
-#}
{% macro log_relation_facts(n=5) %}
{%- if execute and var('papertrends_ui_facts', '') -%}
{%- set described = model.get('columns', {}) if model is mapping else {} -%}
{%- set columns = {} -%}
{%- for column in adapter.get_columns_in_relation(this) -%}
{%- set info = described.get(column.name, {}) -%}
            {%- do columns.update({column.name: {
                'data_type': column.dtype,
                'description': info.get('description', '') if info is mapping else '',
            }}) -%}
{%- endfor -%}
{%- do log(tojson({'columns': columns}), info=true) -%}
{%- set meta = config.get('meta') or {} -%}
{%- set order = meta.get('preview_order') or '' -%}
{%- set facts_sql -%}
            select
                {% if config.get('materialized') == 'view' -%} null {%- else -%}
                (select count(*) from {{ this }}) {%- endif %} as row_count,
                (
                    -- the first n rows (a top-n, or a scan that stops after n rows), numbered
                    -- again in that order among themselves: a list keeps no subquery's order
                    select to_json(list(preview order by _preview_rank))::varchar
                    from (
                        select
                            *,
                            row_number() over ({{ 'order by ' ~ order if order }}) as _preview_rank
                        from (
                            select {{ meta.get('preview_columns') or '*' }}
                            from {{ this }}
                            {{ 'order by ' ~ order if order }}
                            limit {{ n }}
                        ) as first_rows
                    ) as preview
                ) as preview
        {%- endset -%}
        {%- set row = run_query(facts_sql).rows[0] -%}
        {%- do log('papertrends-facts ' ~ tojson({
            'row_count': row[0] | int if row[0] is not none else none,
            'preview': fromjson(row[1]) if row[1] else [],
        }), info=true) -%}
    {%- endif -%}
{% endmacro %}
