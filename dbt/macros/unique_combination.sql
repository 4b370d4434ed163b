{#- Generic test: the combination of `columns` is unique (dbt_utils cannot be downloaded here).
    With `batch_column` and `batch_key`, only the rows of the keys written by the latest batch (the
    greatest `batch_column`) are checked, old rows of those keys included: an incremental model
    re-tests what its last run wrote, not its whole history (a full build writes one batch, so
    all of it is checked). -#}
{% test unique_combination(model, columns, batch_column=none, batch_key=none) %}
with checked as (
    select * from {{ model }}
    {%- if batch_column %}
    where {{ batch_key }} in (
        select {{ batch_key }} from {{ model }}
        where {{ batch_column }} = (select max({{ batch_column }}) from {{ model }})
    )
    {%- endif %}
)

select {{ columns | join(', ') }}, count(*) as n_rows
from checked
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
