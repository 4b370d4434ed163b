-- sqlfluff:exclude_rules:layout.indent
-- (the test body sits inside a Jinja test block, which sqlfluff would indent)
{#- Generic test: the combination of `columns` is unique (dbt_utils cannot be downloaded here).
    With `batch_column`, only the rows of the latest batch (its greatest value) are checked: an
    incremental model re-tests what its last run wrote, not its whole history; a full build writes
    one batch, so all of it is checked. Across batches a delete+insert model keeps no duplicates:
    it deletes every old row of a key before inserting the key's new rows. -#}
{% test unique_combination(model, columns, batch_column=none) %}

with checked as (
    select * from {{ model }}
    {%- if batch_column %}
    where {{ batch_column }} = (select max({{ batch_column }}) from {{ model }})
    {%- endif %}
)

select {{ columns | join(', ') }}, count(*) as n_rows
from checked
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{% test list_lengths_match(model, lists, batch_column=none) %}
    {#- Rows whose aligned list columns (e.g. int_paper_terms' term_ids, surface_ids and
        n_occurrences) differ in length; with `batch_column`, of the latest batch only. -#}
    select *
    from {{ model }}
    where ({% for column in lists[1:] %}len({{ lists[0] }}) <> len({{ column }}){% if not loop.last %} or {% endif %}{% endfor %})
    {%- if batch_column %}
        and {{ batch_column }} = (select max({{ batch_column }}) from {{ model }})
    {%- endif %}
{% endtest %}

{% test list_elements_unique(model, column_name, batch_column=none) %}
    {#- Rows whose list column holds an element twice; with `batch_column`, of the latest batch
        only (list_unique over every paper's list took 13 s at 10,000 dumps). -#}
    select *
    from {{ model }}
    where list_unique({{ column_name }}) <> len({{ column_name }})
    {%- if batch_column %}
        and {{ batch_column }} = (select max({{ batch_column }}) from {{ model }})
    {%- endif %}
{% endtest %}
