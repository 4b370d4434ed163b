-- depends_on: {{ ref('stopwords') }}
{{
    config(
        materialized='incremental',
        unique_key='paper_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns'
    )
}}
-- One row per (paper, key phrase): the distinct 1-3 word phrases in a paper's latest title and
-- abstract. Phrases never cross punctuation; stop words (seed `stopwords`) may not start or end
-- a phrase (so "mixture of experts" and "chain of thought" are phrases, "of experts" is not);
-- plurals are folded in the key (`term`: "mixture of expert") while `surface` keeps the text as
-- written; a hyphen after a prefix joins ("pre-trained" = "pretrained"), other hyphens and
-- slashes split words ("mixture-of-experts" = "mixture of experts"); URLs and numbers are ignored.
-- Incremental on paper_id: only new papers and papers whose latest text changed are processed.

with papers as (
    select papers.paper_id, papers.text_hash, papers.title, papers.abstract
    from {{ ref('int_papers__deduped') }} as papers
    {% if is_incremental() %}
    left join (select distinct paper_id, text_hash from {{ this }}) as done
        on papers.paper_id = done.paper_id
    where done.paper_id is null or done.text_hash <> papers.text_hash
    {% endif %}
),

-- lower-case, drop URLs, join prefixes, split words at other hyphens and slashes, mark stop
-- words with '#'
marked as (
    select
        paper_id,
        text_hash,
        regexp_replace(
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
            ),
            '{{ stopword_regex() }}',
            '#\0',
            'g'
        ) as text
    from papers
),

chunks as (
    select paper_id, text_hash, unnest(regexp_split_to_array(text, '[.,;:!?()\[\]{}"“”''`]+')) as chunk
    from marked
),

words as (
    select
        paper_id,
        text_hash,
        regexp_extract_all(chunk, '#?[a-z0-9][a-z0-9+]*') as words
    from chunks
),

grams as (
    select
        paper_id,
        text_hash,
        unnest(
            list_concat(
                list_transform(range(1, len(words) + 1), lambda i: [words[i]]),
                list_transform(range(1, len(words)), lambda i: [words[i], words[i + 1]]),
                list_transform(range(1, len(words) - 1), lambda i: [words[i], words[i + 1], words[i + 2]])
            )
        ) as gram
    from words
    where len(words) > 0
),

phrases as (
    select distinct
        paper_id,
        text_hash,
        array_to_string(list_transform(gram, lambda w: ltrim(w, '#')), ' ') as surface,
        len(gram) as n_words
    from grams
    where not starts_with(gram[1], '#')
        and not starts_with(gram[-1], '#')
        and ltrim(gram[1], '0123456789') <> ''
        and ltrim(gram[-1], '0123456789') <> ''
        and (len(gram) > 1 or length(gram[1]) >= 3)
),

-- fold plurals once per distinct phrase, not once per occurrence
vocabulary as (
    select
        surface,
        array_to_string(list_transform(string_split(surface, ' '), lambda w: {{ fold_plural('w') }}), ' ') as term
    from (select distinct surface from phrases)
),

final as (
    select
        phrases.paper_id,
        any_value(phrases.text_hash) as text_hash,
        vocabulary.term,
        max(phrases.surface) as surface,
        any_value(phrases.n_words) as n_words
    from phrases
    inner join vocabulary on phrases.surface = vocabulary.surface
    group by phrases.paper_id, vocabulary.term
)

select * from final
