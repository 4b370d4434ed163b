-- One row per grain of marts.topic_trends (listing, week, month): how many periods it has. The
-- report draws its time axes at the finest grain whose periods stay readable (a presentation
-- choice: pipelines/report/render.py, choose_grain).
select
    grain,
    count(distinct period_start) as n_periods
from {{ ref('topic_trends') }}
group by grain
