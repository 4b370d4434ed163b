-- One row per (topic, term): the terms that characterise each topic, by class-based TF-IDF (as
-- BERTopic represents topics): the papers of the topic are one class, a term's weight there is
-- its frequency in the class (papers of the topic holding it over all its term occurrences)
-- times ln(1 + A / f), A the average number of term occurrences per class and f the term's
-- occurrences over all classes. The var('topic_terms_per_topic') best per topic, held by at
-- least 2 of its papers. is_emerging_in_topic: among the topic's papers listed in the latest
-- var('emerging_window_days') days, at least var('emerging_min_papers') hold the term and their
-- share is at least var('emerging_burst_scale') times its (add-one smoothed) share among the
-- topic's earlier papers.
-- The class counts are int_topic_term_counts' (kept up to date by difference); only the papers
-- listed in the latest window are unnested here, for their recent counts.
with terms as (
    select
        term_id,
        term,
        term_key,
        n_words
    from {{ ref('terms') }}
),

paper_topics as (
    select
        paper_id,
        topic
    from {{ ref('paper_topics') }}
    where topic <> 'other'
),

latest as (
    select max(last_seen) as latest_date from {{ ref('papers') }}
),

-- is the paper listed in the latest window (else it only counts for the baseline)
paper_recency as (
    select
        papers.paper_id,
        papers.last_seen > latest.latest_date - {{ var('emerging_window_days') }} as is_recent
    from {{ ref('papers') }} as papers
    cross join latest
),

-- each (topic, term) of the topic's recent papers: the papers join first (one row each), their
-- term lists are unnested after
recent_terms as (
    select
        paper_topics.topic,
        unnest(paper_terms.term_ids) as term_id
    from paper_topics
    inner join
        paper_recency
        on paper_topics.paper_id = paper_recency.paper_id and paper_recency.is_recent
    inner join
        {{ ref('int_paper_terms') }} as paper_terms
        on paper_topics.paper_id = paper_terms.paper_id
),

recent_counts as (
    select
        topic,
        term_id,
        count(*) as n_recent
    from recent_terms
    group by topic, term_id
),

class_counts as (
    select
        counts.topic,
        counts.term_id,
        counts.n_papers,
        coalesce(recent_counts.n_recent, 0) as n_recent
    from {{ ref('int_topic_term_counts') }} as counts
    semi join terms on counts.term_id = terms.term_id
    left join
        recent_counts
        on counts.topic = recent_counts.topic and counts.term_id = recent_counts.term_id
    where counts.n_papers > 0
),

topic_papers as (
    select
        paper_topics.topic,
        count(*) as topic_papers,
        count(*) filter (where paper_recency.is_recent) as topic_recent
    from paper_topics
    inner join paper_recency on paper_topics.paper_id = paper_recency.paper_id
    group by paper_topics.topic
),

class_totals as (
    select
        topic,
        sum(n_papers) as class_total
    from class_counts
    group by topic
),

term_totals as (
    select
        term_id,
        sum(n_papers) as term_total
    from class_counts
    group by term_id
),

average as (
    select avg(class_total) as avg_class_total from class_totals
),

scored as (
    select
        class_counts.*,
        topic_papers.topic_papers,
        topic_papers.topic_recent,
        (class_counts.n_papers / class_totals.class_total::double)
        * ln(1 + average.avg_class_total / term_totals.term_total) as c_tf_idf
    from class_counts
    inner join class_totals on class_counts.topic = class_totals.topic
    inner join term_totals on class_counts.term_id = term_totals.term_id
    inner join topic_papers on class_counts.topic = topic_papers.topic
    cross join average
    where class_counts.n_papers >= 2
),

ranked as (
    select
        *,
        row_number()
            over (partition by topic order by c_tf_idf desc, n_papers desc, term_id)
        ::integer as term_rank
    from scored
    qualify term_rank <= {{ var('topic_terms_per_topic') }}
),

final as (
    select
        ranked.topic,
        ranked.term_rank,
        terms.term,
        terms.term_key,
        terms.n_words,
        ranked.c_tf_idf,
        ranked.n_papers,
        ranked.n_papers / ranked.topic_papers::double as share_of_topic,
        ranked.n_recent,
        coalesce(
            ranked.n_recent >= {{ var('emerging_min_papers') }}
            and ranked.n_recent / nullif(ranked.topic_recent, 0)::double
            >= {{ var('emerging_burst_scale') }}
            * (
                (ranked.n_papers - ranked.n_recent + 1)
                / (ranked.topic_papers - ranked.topic_recent + 1)::double
            ),
            false
        ) as is_emerging_in_topic
    from ranked
    inner join terms on ranked.term_id = terms.term_id
)

select * from final
