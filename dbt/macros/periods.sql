{#- The periods of the trend models: grain 'listing' (the listing date itself), 'week' (from
    Monday) and 'month'. These two macros are the one definition of which period a date falls
    in and where a period ends; int_sightings__periodised gives every listing its periods with
    them, and the trend models' incremental bookkeeping maps changed dates and windows with them. -#}

{% macro period_start(grain, day) -%}
    case {{ grain }}
        when 'listing' then {{ day }}
        when 'week' then date_trunc('week', {{ day }})::date
        else date_trunc('month', {{ day }})::date
    end
{%- endmacro %}

{% macro period_end(grain, start) -%}
    {#- The day after the period that starts on `start` (its end, exclusive). -#}
    ({{ start }} + case {{ grain }}
        when 'listing' then interval 1 day
        when 'week' then interval 7 day
        else interval 1 month
    end)::date
{%- endmacro %}
