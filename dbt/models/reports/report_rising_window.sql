-- One row: the latest window of marts.rising_topics (its first and last day, its length in days)
-- and whether the window before it held no listings, in which case nothing can be said to rise
-- and the "Rising topics" chart shows the largest topics instead. Null dates with no listings.
select
    min(latest_window_start) as window_start,
    max(latest_window_end) as window_end,
    max(latest_window_end) - min(latest_window_start) + 1 as window_days,
    coalesce(bool_and(share_previous is null), false) as previous_window_empty
from {{ ref('rising_topics') }}
