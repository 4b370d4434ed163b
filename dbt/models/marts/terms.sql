-- depends_on: {{ ref('stopwords') }}
-- One row per term of the vocabulary: the key phrases that mean something on their own. The
-- rules (README "Terms"), on the phrases of int_term_stats (held by at least
-- var('term_min_papers') papers):
--   * a single word is a term when it is no boilerplate (seed term_boilerplate: "propose",
--     "results", "framework", "tasks" ...), no background word (at most var('term_max_word_share')
--     of all papers hold it) and the papers that use it tend to repeat it: at least
--     var('term_min_word_adaptation') of them write it twice or more (Church's adaptation: content
--     words recur in a text, "moe", "lora", "quantization"; general ones do not, "compared");
--   * a phrase of 2-3 words is a term when its words are a collocation: their normalised PMI,
--     from how often the phrase occurs against how often its content words occur (token level),
--     is at least var('term_min_npmi'); when at most var('term_max_phrase_share') of all papers
--     hold it; and when not all its content words are boilerplate ("extensive experiments");
--   * no term is a fragment: a phrase (or word) of which one longer phrase holding it takes at
--     least var('term_fragment_share') of the papers ("large language" inside "large language
--     models") is not a term.
with stats as (
    select * from {{ ref('int_term_stats') }}
),

totals as (
    select
        (select count(*) from {{ ref('int_papers__deduped') }})::double as n_papers_all,
        -- every occurrence of a word that can be a term of its own: the token count of NPMI
        (select sum(n_word_occurrences) from {{ ref('int_paper_terms') }})::double as n_words_all
),

boilerplate as (
    select word from {{ ref('term_boilerplate') }}
),

stopwords as (
    select word from {{ ref('stopwords') }}
),

-- the largest share of a phrase's papers that one longer phrase holding it takes
contained as (
    select
        inner_term.term_id,
        max(outer_term.n_papers / inner_term.n_papers::double) as container_share
    from (
        select
            term_id,
            n_papers,
            unnest(inner_term_ids) as inner_id
        from stats
    ) as outer_term
    inner join stats as inner_term on outer_term.inner_id = inner_term.term_id
    group by inner_term.term_id
),

-- the content words of each phrase (not stop words) and the log share of all word occurrences
-- each makes up; a word too short to be a term of its own (2 letters) counts as always in it
content_words as (
    select
        phrases.term_id,
        phrases.word,
        ln(coalesce(words.n_occurrences, phrases.n_occurrences) / totals.n_words_all) as log_p_word
    from (
        select
            term_id,
            n_occurrences,
            unnest(words) as word
        from stats
        where n_words > 1
    ) as phrases
    cross join totals
    left join stats as words on words.n_words = 1 and words.term_key = phrases.word
    where phrases.word not in (select word from stopwords)
),

-- NPMI of a phrase of k content words: ln(p(phrase) / prod p(word)) / ((k - 1) * -ln p(phrase)),
-- p = occurrences over all word occurrences; 1 when the words only occur together, 0 when they
-- meet as often as chance would have them
collocations as (
    select
        stats.term_id,
        bool_and(content_words.word in (select word from boilerplate)) as all_boilerplate,
        (any_value(ln(stats.n_occurrences / totals.n_words_all)) - sum(content_words.log_p_word))
        / ((count(*) - 1) * -any_value(ln(stats.n_occurrences / totals.n_words_all))) as npmi
    from stats
    cross join totals
    inner join content_words on stats.term_id = content_words.term_id
    group by stats.term_id
    having count(*) > 1
),

judged as (
    select
        stats.*,
        stats.n_papers / totals.n_papers_all as share_of_papers,
        coalesce(contained.container_share, 0) as container_share,
        collocations.npmi,
        collocations.all_boilerplate,
        case
            when
                coalesce(contained.container_share, 0) >= {{ var('term_fragment_share') }}
                then null
            when stats.n_words = 1
                and stats.term_key not in (select word from boilerplate)
                and stats.n_papers / totals.n_papers_all <= {{ var('term_max_word_share') }}
                and stats.n_papers_repeating / stats.n_papers::double
                >= {{ var('term_min_word_adaptation') }}
                then 'specific word'
            when stats.n_words > 1
                and collocations.npmi >= {{ var('term_min_npmi') }}
                and not collocations.all_boilerplate
                and stats.n_papers / totals.n_papers_all <= {{ var('term_max_phrase_share') }}
                then 'collocation'
        end as admitted_by
    from stats
    cross join totals
    left join contained on stats.term_id = contained.term_id
    left join collocations on stats.term_id = collocations.term_id
),

final as (
    select
        term,
        term_key,
        term_id,
        n_words,
        n_papers,
        share_of_papers,
        first_seen,
        last_seen,
        admitted_by,
        npmi,
        n_papers_repeating / n_papers::double as adaptation,
        container_share
    from judged
    where admitted_by is not null
)

select * from final
