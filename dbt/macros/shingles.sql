{#- Near-duplicate abstracts (int_abstract_sketches, int_abstract_matches; README "Retitled
    papers"). An abstract is compared as the set of its word shingles: runs of `width`
    consecutive words, lower-cased, split at white space. Each shingle is a 64-bit hash of its
    words (DuckDB's hash of several values: no string is built per shingle). -#}

{% macro abstract_words(abstract) -%}
    list_filter(string_split(lower({{ abstract }}), ' '), lambda word: word <> '')
{%- endmacro %}

{% macro shingle_hashes(words, width=var('retitle_shingle_words')) -%}
    {#- The distinct shingles of the list of words `words` (a column: it is read once per
        shingle). -#}
    list_distinct(list_transform(
        range(1, len({{ words }}) - {{ width }} + 2),
        lambda i: hash({% for k in range(width) %}{{ words }}[i + {{ k }}]{{ ", " if not loop.last }}{% endfor %})
    ))
{%- endmacro %}

{% macro shingle_jaccard(a, b) -%}
    {#- Jaccard similarity of two lists of distinct shingles. -#}
    len(list_intersect({{ a }}, {{ b }}))
        / greatest(len(list_distinct(list_concat({{ a }}, {{ b }}))), 1)
{%- endmacro %}

{% macro abstract_candidates(todo, sketches) -%}
    {#- A select of the candidate pairs (title_id, abstract_hash, other_title_id,
        other_abstract_hash) of each text of `todo` (a relation of title_id, abstract_hash) with
        the texts of other titles in `sketches` (int_abstract_sketches): pairs that share at
        least retitle_min_shared sketch hashes, not counting hashes held by more than
        retitle_max_holders texts (a standard sentence, a benchmark's description). Texts of
        fewer than retitle_min_shingles shingles are never candidates. -#}
    select todo_hashes.title_id, todo_hashes.abstract_hash, others.title_id as other_title_id,
        others.abstract_hash as other_abstract_hash
    from (
        select sketches.title_id, sketches.abstract_hash, unnest(sketches.sketch) as shingle
        from {{ sketches }} as sketches
        semi join {{ todo }} as todo
            on sketches.title_id = todo.title_id and sketches.abstract_hash = todo.abstract_hash
        where sketches.n_shingles >= {{ var('retitle_min_shingles') }}
    ) as todo_hashes
    inner join (
        select title_id, abstract_hash, unnest(sketch) as shingle
        from {{ sketches }}
        where n_shingles >= {{ var('retitle_min_shingles') }}
    ) as others
        on todo_hashes.shingle = others.shingle and todo_hashes.title_id <> others.title_id
    -- a shingle many texts hold is no evidence: it is counted for no pair
    where todo_hashes.shingle in (
        select shingle
        from (select unnest(sketch) as shingle from {{ sketches }})
        group by shingle
        having count(*) <= {{ var('retitle_max_holders') }}
    )
    group by all
    having count(*) >= {{ var('retitle_min_shared') }}
{%- endmacro %}
