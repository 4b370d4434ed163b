{#- Search (models/search, README "Search"): how a query becomes words, in SQL, the rule
    pipelines.text.search applies to the papers in search_postings (tests/integration/test_search.py checks
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

{% macro search_weighted_tf(postings, stats) -%}
    {#- BM25F: each field's term frequency normalised by its own length (carried on every posting:
        no join with search_documents), the title's weighing search_title_weight times the
        abstract's; saturated once by search_term_score. -#}
    ({{ var('search_title_weight') }} * {{ postings }}.title_tf
        / (1 - {{ var('search_b') }} + {{ var('search_b') }} * {{ postings }}.title_words
            / greatest({{ stats }}.avg_title_words, 1))
    + {{ postings }}.abstract_tf
        / (1 - {{ var('search_b') }} + {{ var('search_b') }} * {{ postings }}.abstract_words
            / greatest({{ stats }}.avg_abstract_words, 1)))
{%- endmacro %}

{% macro search_idf(n_documents, n_papers) -%}
    ln(1 + ({{ n_papers }} - {{ n_documents }} + 0.5) / ({{ n_documents }} + 0.5))
{%- endmacro %}

{% macro search_term_score(weighted_tf, n_documents, n_papers) -%}
    {#- One query word's BM25 score in one paper: idf times the saturated weighted term frequency
        (at most idf * (k1 + 1), the bound marts.search_best prunes by). -#}
    {{ search_idf(n_documents, n_papers) }}
        * ({{ weighted_tf }}) * ({{ var('search_k1') }} + 1)
        / (({{ weighted_tf }}) + {{ var('search_k1') }})
{%- endmacro %}

{% macro search_query_words(text) -%}
    {#- The distinct words of a query the index can hold: cut and folded, stop words dropped. -#}
    select distinct word
            from (select unnest({{ search_words(text) }}) as word)
            where word not in (select word from seeds.stopwords)
{%- endmacro %}

{% macro search_doc_id(paper_id) -%}
    {#- A paper_id (16 hex digits) as the 64-bit integer it writes: search_postings.doc_id. -#}
    ('0x' || {{ paper_id }})::ubigint
{%- endmacro %}

{% macro search_paper_id(doc_id) -%}
    {#- search_postings.doc_id back to its paper_id. -#}
    format('{:016x}', {{ doc_id }})
{%- endmacro %}

{% macro search_word_scores(condition) -%}
    {#- Each paper's score from the query words and papers `condition` keeps (search_best_sql),
        by doc_id: grouping and joining by the integer costs a fraction of the string paper_id. -#}
    select
        postings.doc_id,
        sum({{ search_term_score(search_weighted_tf('postings', 'stats'), 'query_words.n_documents', 'stats.n_documents') }}) as score
    from search.search_postings as postings
    inner join query_words on postings.word = query_words.word
    cross join stats
    where {{ condition }}
    group by postings.doc_id
{%- endmacro %}

{% macro search_best_sql(filtered) -%}
    {#- The body of marts.search_best (filtered=false) and marts.search_best_among (true): apart,
        so an unfiltered query reads nothing of marts.papers. -#}
with stats as (select * from search.search_stats),

query_words as (
    select
        terms.word,
        terms.n_documents,
        row_number() over (order by terms.n_documents, terms.word) <= essential as is_essential,
        {{ search_idf('terms.n_documents', 'stats.n_documents') }} * ({{ var('search_k1') }} + 1) as bound
    from ({{ search_query_words('query_text') }}) as asked
    inner join search.search_terms as terms on asked.word = terms.word
    cross join stats
),

left_out as (
    select coalesce(sum(bound) filter (where not is_essential), 0) as bound from query_words
),

    {%- if filtered %}

eligible as (
    select {{ search_doc_id('paper_id') }} as doc_id
    from marts.papers
    where (since is null or last_seen >= since)
        and (
            topic is null
            or paper_id in (select paper_id from marts.paper_topics as pt where pt.topic = topic)
        )
),
    {%- endif %}

essential_hits as (
    {{ search_word_scores(
        'query_words.is_essential'
        ~ (' and postings.doc_id in (select doc_id from eligible)' if filtered else '')
    ) }}
),

floor as (
    select coalesce(min(score), 0) as score
    from (select score from essential_hits order by score desc limit n)
),

contenders as (
    select *
    from essential_hits
    where score + (select bound from left_out) >= (select score from floor)
),

other_hits as (
    {{ search_word_scores(
        'not query_words.is_essential and postings.doc_id in (select doc_id from contenders)'
    ) }}
),

best as (
    select
        contenders.doc_id,
        contenders.score + coalesce(other_hits.score, 0) as score
    from contenders
    left join other_hits on contenders.doc_id = other_hits.doc_id
    order by score desc, contenders.doc_id
    limit n
)

select
    {{ search_paper_id('best.doc_id') }} as paper_id,
    best.score,
    (select bound from left_out) = 0
        or (count(*) over () = n and min(best.score) over () > (select bound from left_out))
        as is_complete
from best
order by best.score desc, best.doc_id
{%- endmacro %}

{% macro create_search_macros() %}
    {#- Post-hook of search_stats: the query macros, created in the warehouse next to the marts.
        marts.search_words(text): the words of a text as the index cuts and folds them;
        marts.search_scores(query): every paper holding a word of the query, with its BM25F score;
        marts.search_best(query, n := 10, essential := 1) and search_best_among(query, topic,
        since, ...): the best n without scoring every paper of a common word, and whether they
        are certainly the best (what `papertrends search` asks);
        marts.search_papers(query, n := 10): the best n, ranked, with what a reader needs. The
        tables are named by schema only, so the macros work on whatever name the warehouse file
        is opened under, as long as it is the default database (`duckdb FILE`, `papertrends
        sql`); DuckDB resolves a macro's tables in the caller's default database, so they are
        created with the warehouse as the default, then the session's default is put back. -#}
    {%- set previous = run_query('select current_database()').rows[0][0] if execute else 'memory' %}
    {%- set k1 = var('search_k1') %}
    use {{ this.database }};
    -- the words of a text as the index holds them (stop words not yet dropped): "how is my
    -- query read?"
    create or replace macro marts.search_words(text) as {{ search_words('text') }};

    create or replace macro marts.search_scores(query_text) as table
    with stats as (select * from search.search_stats),

    query_words as (
        select terms.word, terms.n_documents
        from ({{ search_query_words('query_text') }}) as asked
        inner join search.search_terms as terms on asked.word = terms.word
    ),

    hits as (
        select
            postings.doc_id,
            postings.word,
            query_words.n_documents,
            {{ search_weighted_tf('postings', 'stats') }} as weighted_tf
        from search.search_postings as postings
        inner join query_words on postings.word = query_words.word
        cross join stats
    )

    select
        {{ search_paper_id('hits.doc_id') }} as paper_id,
        sum({{ search_term_score('hits.weighted_tf', 'hits.n_documents', 'stats.n_documents') }}) as score,
        count(*) as n_query_words,
        list_sort(list(hits.word)) as matched_words
    from hits
    cross join stats
    group by hits.doc_id;

    -- the best n papers for a query (search_best_among: of those assigned `topic` and last
    -- listed on or after `since`, null for any), without scoring every paper that holds a common word (MaxScore):
    -- the query's `essential` rarest words find the candidates; a paper holding none of them
    -- scores at most the other words' bound (each word's idf times k1 + 1, its most a saturated
    -- term frequency can give), so is_complete says whether the best n are certainly the best
    -- n of all (the n-th scores more than that bound, or no word is left out). The other words
    -- are then scored only for the candidates that can still reach the n-th best. The caller
    -- asks again with more essential words when not complete (pipelines.warehouse.search).
    create or replace macro marts.search_best(query_text, n := 10, essential := 1) as table
    {{ search_best_sql(filtered=false) }};

    create or replace macro marts.search_best_among(
        query_text, topic, since, n := 10, essential := 1
    ) as table
    {{ search_best_sql(filtered=true) }};

    -- what `papertrends search` prints: the best n of search_best (search_best_among), ranked,
    -- with their papers' columns and is_complete
    create or replace macro marts.search_best_papers(query_text, n := 10, essential := 1) as table
    with best as (
        select * from marts.search_best(query_text, n := n, essential := essential)
    )

    {{ ranked_papers('best', ['best.is_complete']) }};

    create or replace macro marts.search_best_papers_among(
        query_text, topic, since, n := 10, essential := 1
    ) as table
    with best as (
        select * from marts.search_best_among(
            query_text, topic, since, n := n, essential := essential
        )
    )

    {{ ranked_papers('best', ['best.is_complete']) }};

    -- the best n first, then their papers' columns: joining all matches to marts.papers read
    -- every title of a large archive
    create or replace macro marts.search_papers(query_text, n := 10) as table
    with best as (
        select * from marts.search_scores(query_text) order by score desc, paper_id limit n
    )

    {{ ranked_papers('best', ['best.matched_words']) }};
    use {{ previous }}
{% endmacro %}

{% macro similar_weight(title_tf, abstract_tf) -%}
    {#- A word's weight in a paper's vector for marts.similar_papers: 1 + ln(tf), a title
        occurrence counting search_title_weight times. -#}
    1 + ln({{ var('search_title_weight') }} * {{ title_tf }} + {{ abstract_tf }})
{%- endmacro %}

{% macro delete_stale_similar_pairs(signatures) -%}
    {#- Post-hook of similar_papers: delete the pairs with a paper that is gone, and the pairs
        scored before either paper's latest signature (a paper whose new text has no candidate
        any more keeps no old list). -#}
    {#- (two correlated scalars, which DuckDB turns into hash joins: one `exists` with an `in`
        of both columns was many times slower on a large archive) #}
    delete from {{ this }}
    where similar_paper_id not in (select paper_id from {{ signatures }})
        or scored_at < (
            select signed.signed_at from {{ signatures }} as signed
            where signed.paper_id = {{ this }}.paper_id
        )
        or scored_at < (
            select signed.signed_at from {{ signatures }} as signed
            where signed.paper_id = {{ this }}.similar_paper_id
        )
{%- endmacro %}

{% macro create_similar_macros() %}
    {#- Post-hook of similar_papers: marts.similar_to_text(text, n := 10), the n papers nearest a
        pasted text (an abstract, say) by the cosine similar_papers ranks by, the text read as an
        abstract. Created with the warehouse as the default database, as create_search_macros
        does. -#}
{%- set previous = run_query('select current_database()').rows[0][0] if execute else 'memory' %}
    use {{ this.database }};
    create or replace macro marts.similar_to_text(query_text, n := 10) as table
    with asked as (
        select word, count(*) as tf
        from (select unnest({{ search_words('query_text') }}) as word)
        where word not in (select word from seeds.stopwords)
            and word not in (select word from seeds.term_boilerplate)
        group by word
    ),

    query_vector as (
        select word, {{ similar_weight(0, 'tf') }} as weight from asked
    ),

    hits as (
        select
            postings.paper_id,
            sum(query_vector.weight * {{ similar_weight('postings.title_tf', 'postings.abstract_tf') }}) as dot
        from search.search_postings as postings
        inner join query_vector on postings.word = query_vector.word
        group by postings.paper_id
    ),

    scored as (
        select
            hits.paper_id,
            round(hits.dot / (signatures.norm * (select sqrt(sum(weight * weight)) from query_vector)), 6)
                as score
        from hits
        inner join search.similar_signatures as signatures on hits.paper_id = signatures.paper_id
    ),

    best as (
        select * from scored order by score desc, paper_id limit n
    )

    {{ ranked_papers('best') }};
    use {{ previous }};
{% endmacro %}

{% macro ranked_papers(best, extra_columns=[]) -%}
    {#- The rows of `best` (paper_id, score: a query macro's best n), ranked, with the columns of
        marts.papers a reader needs. -#}
    select
        row_number() over (order by {{ best }}.score desc, {{ best }}.paper_id) as rank,
        {{ best }}.score,
        papers.title,
        papers.primary_topic,
        papers.first_seen,
        papers.last_seen,
        papers.code_url,
        papers.paper_id
    {%- for column in extra_columns %},
        {{ column }}
    {%- endfor %}
    from {{ best }}
    inner join marts.papers as papers on {{ best }}.paper_id = papers.paper_id
    order by rank
{%- endmacro %}
