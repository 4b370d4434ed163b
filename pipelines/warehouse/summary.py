"""Read-only summaries of the warehouse for the CLI and asset metadata."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class WarehouseSummary:
    """State of the files seen in the landing folder and the totals of the raw layer."""

    files_seen: int
    loaded: int
    duplicate: int
    rejected: int
    papers: int
    listings: int
    rejects: int
    files_with_rejects: int

    @property
    def clean(self) -> bool:
        """True when no seen file and no record of a seen file was rejected."""
        return self.rejected == 0 and self.files_with_rejects == 0

    def line(self) -> str:
        """The one-line summary ``papertrends run`` prints."""
        return (
            f"files seen {self.files_seen}: loaded {self.loaded}, duplicate {self.duplicate}, "
            f"rejected {self.rejected} | papers {self.papers}, listings {self.listings}, "
            f"rejects {self.rejects}"
        )


def summarise(con: duckdb.DuckDBPyConnection, file_names: Sequence[str]) -> WarehouseSummary:
    """Status of the current version of each named file, and raw-layer totals."""
    status = dict(
        con.execute(
            "select d.status, count(*) from raw.dumps d "
            "where d.status <> 'superseded' and d.file_name in (select unnest(?::varchar[])) "
            "group by d.status",
            [list(file_names)],
        ).fetchall()
    )
    with_rejects = con.execute(
        "select count(*) from raw.dumps d where d.status = 'loaded' and d.n_rejects > 0 "
        "and d.file_name in (select unnest(?::varchar[]))",
        [list(file_names)],
    ).fetchone()[0]
    papers, listings = con.execute(
        "select count(distinct paper_id), count(*) from raw.sightings"
    ).fetchone()
    rejects = con.execute("select count(*) from raw.rejects").fetchone()[0]
    return WarehouseSummary(
        files_seen=len(file_names),
        loaded=status.get("loaded", 0),
        duplicate=status.get("duplicate", 0),
        rejected=status.get("rejected", 0),
        papers=papers,
        listings=listings,
        rejects=rejects,
        files_with_rejects=with_rejects,
    )
