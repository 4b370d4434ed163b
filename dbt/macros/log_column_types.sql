{#-
    Post-hook of every model and seed: logs the built relation's column names and types (from
    the warehouse, so DuckDB's real types) as one JSON line, {"columns": {name: {"data_type",
    "description"}}}. dagster-dbt reads such a line of a node (a JinjaLogInfo event) into the
    node's `dagster/column_schema`, so the Dagster UI shows each table's column types (the
    adapter's own type names, `column.dtype`: VARCHAR, not dbt's `character varying(256)`). It runs
    inside dbt's own connection: Dagster's `fetch_column_metadata()` would open the DuckDB file
    from a second process while dbt holds it, which DuckDB refuses. Only when dagster-dbt runs
    dbt (PAPERTRENDS_DBT_COLUMN_TYPES is set): a hand-run `dbt build` prints no JSON lines.
-#}
{% macro log_column_types() %}
    {%- if execute and env_var('PAPERTRENDS_DBT_COLUMN_TYPES', '') -%}
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
    {%- endif -%}
{% endmacro %}
