{#- Search (models/search, README "Search"): how a query becomes words, in SQL, the rule
    pipelines.text.search applies to the papers in search_postings (tests/test_search.py checks
    the two agree on the real abstracts), and the query macros the build creates. -#}

{% macro search_fold(word) -%}
    {#- An English plural to its singular, as pipelines.text.keyphrases.fold_plural does for the
        terms: models -> model, studies -> study, classes -> class, approaches -> approach; bias,
        focus, analysis, loss, series alone. -#}
    case
        when {{ word }} in ('series', 'species') then {{ word }}
        when length({{ word }}) > 4 and suffix({{ word }}, 'ies')
            then left({{ word }}, length({{ word }}) - 3) || 'y'
        when length({{ word }}) > 4 and (suffix({{ word }}, 'sses') or suffix({{ word }}, 'shes')
                or suffix({{ word }}, 'ches') or suffix({{ word }}, 'xes'))
            then left({{ word }}, length({{ word }}) - 2)
        when length({{ word }}) > 3 and suffix({{ word }}, 's') and not (suffix({{ word }}, 'ss')
                or suffix({{ word }}, 'us') or suffix({{ word }}, 'is') or suffix({{ word }}, 'as'))
            then left({{ word }}, length({{ word }}) - 1)
        else {{ word }}
    end
{%- endmacro %}

{% macro search_words(text) -%}
    {#- The words of `text` in order, as pipelines.text.search cuts the papers: lower
        case, links dropped, a hyphen after a prefix joins ("pre-trained" = "pretrained"), other
        hyphens and punctuation split ("mixture-of-experts" = "mixture of experts"), plurals
        folded. Stop words are dropped by the caller. -#}
    list_transform(
        regexp_extract_all(
            regexp_replace(
                regexp_replace(lower(coalesce({{ text }}, '')), 'https?://[^ ]+', ' ', 'g'),
                '\b(pre|post|fine|multi|non|co|re|semi|sub|un)[-‐‑]([a-z])', '\1\2', 'g'
            ),
            '[a-z0-9][a-z0-9+]*'
        ),
        lambda w: {{ search_fold('w') }}
    )
{%- endmacro %}

{% macro create_search_macros() %}
    {#- Post-hook of search_stats: the query macros, created in the warehouse next to the marts.
        marts.search_words(text): the words of a text as the index cuts and folds them;
        marts.search_scores(query): every paper holding a word of the query, with its BM25F score;
        marts.search_papers(query, n := 10): the best n, ranked, with what a reader needs. The
        tables are named by schema only, so the macros work on whatever name the warehouse file
        is opened under, as long as it is the default database (`duckdb FILE`, `papertrends
        sql`); DuckDB resolves a macro's tables in the caller's default database, so they are
        created with the warehouse as the default, then the session's default is put back. -#}
    {%- set previous = run_query('select current_database()').rows[0][0] if execute else 'memory' %}
    {%- set k1 = var('search_k1') %}
    {%- set b = var('search_b') %}
    {%- set title_weight = var('search_title_weight') %}
    use {{ this.database }};
    -- the words of a text as the index holds them (stop words not yet dropped): "how is my
    -- query read?"
    create or replace macro marts.search_words(text) as {{ search_words('text') }};

    create or replace macro marts.search_scores(query_text) as table
    with stats as (select * from search.search_stats),

    query_words as (
        select terms.word, terms.n_documents
        from (
            select distinct word
            from (select unnest({{ search_words('query_text') }}) as word)
            where word not in (select word from seeds.stopwords)
        ) as asked
        inner join search.search_terms as terms on asked.word = terms.word
    ),

    hits as (
        select
            postings.paper_id,
            postings.word,
            -- BM25F: each field's term frequency normalised by its own length (carried on every
            -- posting: no join with search_documents), the title's weighing {{ title_weight }}
            -- times the abstract's, then saturated once
            {{ title_weight }} * postings.title_tf
                / (1 - {{ b }} + {{ b }} * postings.title_words / greatest(stats.avg_title_words, 1))
            + postings.abstract_tf
                / (1 - {{ b }} + {{ b }} * postings.abstract_words / greatest(stats.avg_abstract_words, 1))
                as weighted_tf,
            ln(1 + (stats.n_documents - query_words.n_documents + 0.5) / (query_words.n_documents + 0.5)) as idf
        from search.search_postings as postings
        inner join query_words on postings.word = query_words.word
        cross join stats
    )

    select
        paper_id,
        sum(idf * weighted_tf * ({{ k1 }} + 1) / (weighted_tf + {{ k1 }})) as score,
        count(*) as n_query_words,
        list_sort(list(word)) as matched_words
    from hits
    group by paper_id;

    -- the best n first, then their papers' columns: joining all matches to marts.papers read
    -- every title of a large archive (240 ms instead of 60 at 10,000 dumps)
    create or replace macro marts.search_papers(query_text, n := 10) as table
    with best as (
        select * from marts.search_scores(query_text) order by score desc, paper_id limit n
    )

    select
        row_number() over (order by best.score desc, best.paper_id) as rank,
        best.score,
        papers.title,
        papers.primary_topic,
        papers.first_seen,
        papers.last_seen,
        papers.code_url,
        papers.paper_id,
        best.matched_words
    from best
    inner join marts.papers as papers on best.paper_id = papers.paper_id
    order by rank;
    use {{ previous }}
{% endmacro %}
