{#- Helpers for key-phrase extraction (int_paper_terms). -#}

{% macro stopword_regex() %}
    {#- One alternation of every stop word (from the stopwords seed), compiled once by DuckDB. The
        group does not capture: RE2 then finds each match with its DFAs alone instead of running
        its submatch engine on every stop word (about 3.5x faster); replace with '\0'. -#}
    {%- if execute -%}
        {%- set words = run_query("select word from " ~ ref('stopwords') ~ " order by length(word) desc, word").columns[0].values() -%}
        {{ return('\\b(?:' ~ (words | join('|')) ~ ')\\b') }}
    {%- else -%}
        {{ return('\\b(?:the)\\b') }}
    {%- endif -%}
{% endmacro %}

{% macro fold_plural(word) -%}
    {#- Fold an English plural to its singular, conservatively, with plain string tests:
        models -> model, studies -> study, classes -> class, approaches -> approach;
        leaves bias, focus, analysis, loss, series, species alone. -#}
    case
        when length({{ word }}) > 4 and suffix({{ word }}, 'ies') and {{ word }} not in ('series', 'species')
            then left({{ word }}, length({{ word }}) - 3) || 'y'
        when length({{ word }}) > 4 and (suffix({{ word }}, 'sses') or suffix({{ word }}, 'shes') or suffix({{ word }}, 'ches') or suffix({{ word }}, 'xes'))
            then left({{ word }}, length({{ word }}) - 2)
        when length({{ word }}) > 3 and suffix({{ word }}, 's')
            and not (suffix({{ word }}, 'ss') or suffix({{ word }}, 'us') or suffix({{ word }}, 'is') or suffix({{ word }}, 'as') or {{ word }} in ('series', 'species'))
            then left({{ word }}, length({{ word }}) - 1)
        else {{ word }}
    end
{%- endmacro %}
