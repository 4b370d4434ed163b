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
