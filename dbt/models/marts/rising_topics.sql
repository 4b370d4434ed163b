-- One row per topic: its share of the papers listed in the latest window against the window
-- before it, ranked. Rule: windows are var('rising_window_days') days ending at the latest listing
-- date; a topic is ranked only with at least var('rising_min_papers') papers in the latest window
-- (minimum support); rank 1 has the largest rise in share (percentage points). When the previous
-- window holds no listings at all there is nothing to rise from: share_change and growth_ratio
-- are null, previous_window_empty is true and the rank goes by share_latest (ranked_by says so).
-- With no listings at all there is no latest window: the model is empty, not 33 rows of NULLs.
with sightings as (
    select
        paper_id,
        listing_date
    from {{ ref('int_sightings__dated') }}
),

paper_topics as (
    select
        paper_id,
        topic
    from {{ ref('paper_topics') }}
),

bounds as (
    select
        max(listing_date) as latest_end,
        max(listing_date) - {{ var('rising_window_days') }} as latest_start,
        max(listing_date) - 2 * {{ var('rising_window_days') }} as previous_start
    from sightings
),

windowed as (
    select
        sightings.paper_id,
        case when sightings.listing_date > bounds.latest_start then 'latest' else 'previous' end
            as window_name
    from sightings
    cross join bounds
    where sightings.listing_date > bounds.previous_start
),

window_totals as (
    select
        count(distinct case when window_name = 'latest' then paper_id end) as latest_papers,
        count(distinct case when window_name = 'previous' then paper_id end) as previous_papers
    from windowed
),

per_topic as (
    select
        paper_topics.topic,
        count(distinct case when windowed.window_name = 'latest' then windowed.paper_id end)
            as n_papers_latest,
        count(distinct case when windowed.window_name = 'previous' then windowed.paper_id end)
            as n_papers_previous
    from windowed
    inner join paper_topics on windowed.paper_id = paper_topics.paper_id
    group by paper_topics.topic
),

measured as (
    select
        topics.topic,
        bounds.latest_start + 1 as latest_window_start,
        bounds.latest_end as latest_window_end,
        coalesce(per_topic.n_papers_latest, 0) as n_papers_latest,
        coalesce(per_topic.n_papers_previous, 0) as n_papers_previous,
        coalesce(per_topic.n_papers_latest, 0)
        / nullif(window_totals.latest_papers, 0)::double as share_latest,
        coalesce(per_topic.n_papers_previous, 0)
        / nullif(window_totals.previous_papers, 0)::double as share_previous,
        coalesce(per_topic.n_papers_latest, 0) >= {{ var('rising_min_papers') }} as meets_support,
        window_totals.previous_papers = 0 as previous_window_empty
    from {{ ref('topics') }} as topics
    cross join bounds
    cross join window_totals
    left join per_topic on topics.topic = per_topic.topic
    where bounds.latest_end is not null
),

final as (
    select
        * exclude (previous_window_empty),
        case when not previous_window_empty then share_latest - coalesce(share_previous, 0) end
            as share_change,
        share_latest / nullif(share_previous, 0) as growth_ratio,
        previous_window_empty,
        case when previous_window_empty then 'share_latest' else 'share_change' end as ranked_by,
        case when meets_support then
                rank() over (
                    partition by meets_support
                    order by
                        case
                            when previous_window_empty then share_latest else
                                share_latest - coalesce(share_previous, 0)
                        end desc,
                        n_papers_latest desc,
                        topic
                )
        end as rising_rank
    from measured
)

select * from final
