{#- Key-phrase extraction (int_paper_terms, and term_trends for the labels of the terms it shows). -#}

{% macro inner_word_regex() %}
    {#- A word that may sit inside a phrase but neither start nor end one: a stop word (the
        stopwords seed) or a number. One alternation, matched against whole words by RE2. -#}
    {%- if execute -%}
        {%- set words = run_query("select word from " ~ ref('stopwords') ~ " order by length(word) desc, word").columns[0].values() -%}
        {{ return('(?:' ~ (words | join('|')) ~ ')|[0-9]+') }}
    {%- else -%}
        {{ return('(?:the)|[0-9]+') }}
    {%- endif -%}
{% endmacro %}

{% macro key_phrase_version() %}
    {#- Changes whenever the rules below, the stop words or DuckDB's version change, so every
        paper is extracted again (int_paper_terms compares it with the version its rows were
        written with): phrase ids are DuckDB hash() values, stable within one DuckDB version. -#}
    {%- set duckdb_version = run_query("select version()").columns[0].values()[0] if execute else '' -%}
    {{ return(local_md5('key-phrases-v3|' ~ duckdb_version ~ '|' ~ inner_word_regex())) }}
{% endmacro %}

{% macro key_phrase_grams(papers, with_text=false) %}
    {#- One row per occurrence of a candidate phrase in `papers` (paper_id, title, abstract),
        the paper as `paper_key` = hash(paper_id) (grouping on an integer, not on the id string,
        lets DuckDB spill the per-paper deduplication of ~100 million rows to disk): 1-3 consecutive words within one stretch of text between punctuation marks,
        neither starting nor ending with a stop word or a number (unigrams need 3 letters).

        Phrases are identified by 64-bit hashes, never built as strings: `surface_id` hashes the
        words as written, `term_id` the words with plurals folded (fold_plural), so "mixture of
        experts" and "mixture of expert" share a term_id. Building and comparing ~100 million
        phrase strings was what made extraction slow and memory-bound at 10,000 dumps.
        with_text=true also returns the phrase texts (`surface`, `term`): term_trends asks it
        for the few papers whose phrases it labels. -#}
    with normalised as (
        -- lower-case, drop URLs, join prefixes ("pre-trained" = "pretrained"), split words at
        -- other hyphens and slashes
        select
            hash(paper_id) as paper_key,
            {%- if with_text %}
            paper_id,
            {%- endif %}
            regexp_replace(
                regexp_replace(
                    regexp_replace(lower(title || ' . ' || abstract), 'https?://[^ ]+', ' . ', 'g'),
                    '\b(pre|post|fine|multi|non|co|re|semi|sub|un)[-‐‑]([a-z])',
                    '\1\2',
                    'g'
                ),
                '[-‐‑‒–—/_]',
                ' ',
                'g'
            ) as text
        from {{ papers }}
    ),

    -- phrases never cross punctuation: one row per stretch between punctuation marks
    stretches as (
        select
            paper_key,
            {%- if with_text %}
            paper_id,
            {%- endif %}
            regexp_extract_all(
                unnest(regexp_split_to_array(text, '[.,;:!?()\[\]{}"“”''`]+')),
                '[a-z0-9][a-z0-9+]*'
            ) as words
        from normalised
    ),

    words as (
        select
            paper_key,
            {%- if with_text %}
            paper_id,
            {%- endif %}
            {%- if with_text %}
            words,
            list_transform(words, lambda w: {{ fold_plural('w') }}) as folded,
            {%- endif %}
            list_transform(words, lambda w: hash(w)) as s,
            list_transform(words, lambda w: hash({{ fold_plural('w') }})) as t,
            -- may the word start or end a phrase: not a stop word, not a number
            list_transform(words, lambda w: not regexp_full_match(w, '{{ inner_word_regex() }}')) as edge,
            list_transform(words, lambda w: length(w) >= 3) as long
        from stretches
        where len(words) > 0
    ),

    grams as (
        select
            paper_key,
            {%- if with_text %}
            paper_id,
            {%- endif %}
            unnest(
                list_concat(
                    list_transform(
                        list_filter(range(1, len(s) + 1), lambda i: edge[i] and long[i]),
                        lambda i: {'t': t[i], 's': s[i], 'n': 1, 'i': i}
                    ),
                    list_transform(
                        list_filter(range(1, len(s)), lambda i: edge[i] and edge[i + 1]),
                        lambda i: {'t': hash(t[i], t[i + 1]), 's': hash(s[i], s[i + 1]), 'n': 2, 'i': i}
                    ),
                    list_transform(
                        list_filter(range(1, len(s) - 1), lambda i: edge[i] and edge[i + 2]),
                        lambda i: {'t': hash(t[i], t[i + 1], t[i + 2]), 's': hash(s[i], s[i + 1], s[i + 2]), 'n': 3, 'i': i}
                    )
                )
            ) as gram
            {%- if with_text %},
            words,
            folded
            {%- endif %}
        from words
    )

    select
        paper_key,
        {%- if with_text %}
        paper_id,
        {%- endif %}
        gram.t as term_id,
        gram.s as surface_id,
        gram.n::tinyint as n_words
        {%- if with_text %},
        array_to_string(folded[gram.i:gram.i + gram.n - 1], ' ') as term,
        array_to_string(words[gram.i:gram.i + gram.n - 1], ' ') as surface
        {%- endif %}
    from grams
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
