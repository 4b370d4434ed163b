"""Kleinberg's two-state burst automaton per candidate term, over its per-listing proportions.

For batched data (Kleinberg 2003, section 4; as the ``burst_detection`` package implements it):
listing date t has d_t papers of which r_t hold the term. The base state emits the term with the
term's own proportion over the horizon, p0 = sum(r) / sum(d); the burst state with
p1 = min(s * p0, 0.9999). The cost of a state at t is the negative log-likelihood of r_t of d_t
under its proportion; entering the burst state costs gamma * ln(n) (n = listing dates in the
horizon), leaving it is free. The Viterbi path gives each term its state sequence; a term is
bursting at the latest listing date when the path ends in the burst state. ``burst_start`` is the
first date of that last run; ``strength`` is the cost the burst state saves over the base state
along that run (the burst's weight).
"""

import numpy as np
import polars as pl

SCHEMA = {
    "term_id": pl.UInt64,
    "bursting": pl.Boolean,
    "burst_start": pl.Date,
    "strength": pl.Float64,
    "n_listings": pl.Int64,
    "base_share": pl.Float64,
}


def bursts(listings: pl.DataFrame, s: float, gamma: float) -> pl.DataFrame:
    """One row per term of ``listings`` (term_id, listing_date, n_papers, listing_papers: every
    term with a row for every listing date of the horizon)."""
    if listings.height == 0:
        return pl.DataFrame(schema=SCHEMA)
    wide = listings.sort("listing_date").pivot(
        on="listing_date", index="term_id", values="n_papers", aggregate_function="sum"
    )
    dates = sorted(listings["listing_date"].unique().to_list())
    columns = [str(d) for d in dates]
    r = wide.select(columns).fill_null(0).to_numpy().astype(np.float64)  # terms x dates
    totals = (
        listings.group_by("listing_date").agg(pl.col("listing_papers").first()).sort("listing_date")
    )
    d = totals["listing_papers"].to_numpy().astype(np.float64)  # dates
    n_terms, n = r.shape

    p0 = np.clip(r.sum(axis=1) / d.sum(), 1e-9, 0.9999)
    p1 = np.minimum(s * p0, 0.9999)
    # negative log-likelihood of r_t of d_t (the binomial coefficient is the same in both states)
    cost0 = -(r * np.log(p0)[:, None] + (d - r) * np.log1p(-p0)[:, None])
    cost1 = -(r * np.log(p1)[:, None] + (d - r) * np.log1p(-p1)[:, None])
    enter = gamma * np.log(max(n, 2))

    # Viterbi over the dates, all terms at once; the automaton starts in the base state
    best0, best1 = cost0[:, 0].copy(), cost1[:, 0] + enter
    from_burst0 = np.zeros((n_terms, n), dtype=bool)  # state 0 at t came from state 1 at t-1
    from_burst1 = np.zeros((n_terms, n), dtype=bool)  # state 1 at t came from state 1 at t-1
    for t in range(1, n):
        stay0, leave = best0, best1  # into state 0: from 0, or from 1 at no cost
        stay1, rise = best1, best0 + enter  # into state 1: from 1, or from 0 paying `enter`
        from_burst0[:, t] = leave < stay0
        from_burst1[:, t] = stay1 <= rise
        best0 = np.minimum(stay0, leave) + cost0[:, t]
        best1 = np.minimum(stay1, rise) + cost1[:, t]

    # backtrack only the final run of each term: ends in state 1? then walk back while in state 1
    state = best1 < best0
    bursting = state.copy()
    start = np.full(n_terms, n - 1)
    strength = np.where(bursting, cost0[:, n - 1] - cost1[:, n - 1], 0.0)
    in_run = bursting.copy()
    for t in range(n - 1, 0, -1):
        came_from_burst = from_burst1[:, t]  # state 1 at t came from state 1 at t-1
        in_run = in_run & came_from_burst
        start = np.where(in_run, t - 1, start)
        strength = strength + np.where(in_run, cost0[:, t - 1] - cost1[:, t - 1], 0.0)

    return pl.DataFrame(
        {
            "term_id": wide["term_id"].cast(pl.UInt64),
            "bursting": bursting,
            "burst_start": [dates[i] if b else None for i, b in zip(start, bursting, strict=True)],
            "strength": strength,
            "n_listings": np.full(n_terms, n, dtype=np.int64),
            "base_share": p0,
        },
        schema=SCHEMA,
    )


def model(dbt, session):
    dbt.config(materialized="table")
    listings = dbt.ref("int_term_listings").pl()
    s = float(dbt.config.get("burst_scale"))
    gamma = float(dbt.config.get("burst_gamma"))
    return bursts(listings, s=s, gamma=gamma).to_arrow()
