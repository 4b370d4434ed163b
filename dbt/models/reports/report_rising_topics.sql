-- The "Rising topics" chart: the var('report_rising_topics') best ranked topics of
-- marts.rising_topics (those meeting the minimum support), in rank order. shown_share is what
-- the bar shows: the change of the topic's share against the window before, or, when that
-- window held no listings (report_rising_window.previous_window_empty), the share itself.
with rising_window as (
    select previous_window_empty from {{ ref('report_rising_window') }}
),

ranked as (
    select
        rising.topic,
        case
            when rising_window.previous_window_empty then rising.share_latest
            else rising.share_change
        end as shown_share,
        rising.n_papers_latest,
        coalesce(rising.n_papers_previous, 0) as n_papers_previous,
        rising_window.previous_window_empty,
        rising.rising_rank
    from {{ ref('rising_topics') }} as rising
    cross join rising_window
    where rising.meets_support and rising.rising_rank is not null
)

select
    row_number() over (order by rising_rank, topic) as chart_rank,
    topic,
    shown_share,
    n_papers_latest,
    n_papers_previous,
    previous_window_empty
from ranked
where shown_share is not null
qualify chart_rank <= {{ var('report_rising_topics') }}
