-- The "Emerging terms" chart: the var('report_emerging_terms') strongest terms of
-- marts.emerging_terms, one finding each. Of var('report_emerging_terms') * 8 candidates in rank
-- order, a term is skipped when it is part of, or contains, a term already kept that is held by
-- as many papers of the latest window: "molecular property prediction", "molecular property" and
-- "property" on the same 16 papers are one finding, not three (the first is kept).
with recursive candidates as (
    select
        row_number() over (order by emerging_rank, term) as candidate_no,
        term,
        n_papers_latest,
        strength,
        is_new,
        burst_start,
        -- the term's words between single spaces: a phrase is part of another when its padded
        -- text is part of the other's
        ' ' || array_to_string(string_split_regex(trim(term), '\s+'), ' ') || ' ' as padded
    from {{ ref('emerging_terms') }}
    qualify candidate_no <= {{ var('report_emerging_terms') }} * 8
),

-- the candidates one by one, with the terms kept so far
walk (candidate_no, is_kept, kept) as (
    select
        0::bigint,
        false,
        []::struct(n_papers bigint, padded varchar)[]
    union all
    select
        step.candidate_no,
        not step.folded,
        case
            when step.folded then step.kept
            else list_append(step.kept, { 'n_papers': step.n_papers_latest, 'padded': step.padded })
        end
    from (
        select
            candidates.candidate_no,
            candidates.n_papers_latest,
            candidates.padded,
            walk.kept,
            len(list_filter(
                walk.kept,
                lambda k: k.n_papers = candidates.n_papers_latest
                and (contains(k.padded, candidates.padded) or contains(candidates.padded, k.padded))
            )) > 0 as folded
        from walk
        inner join candidates on candidates.candidate_no = walk.candidate_no + 1
        where len(walk.kept) < {{ var('report_emerging_terms') }}
    ) as step
)

select
    row_number() over (order by candidates.candidate_no) as chart_rank,
    candidates.term,
    candidates.n_papers_latest,
    candidates.strength,
    candidates.is_new,
    candidates.burst_start
from candidates
inner join walk on candidates.candidate_no = walk.candidate_no
where walk.is_kept
