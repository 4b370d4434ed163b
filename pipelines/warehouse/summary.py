"""The landing folder's files in the raw layer and its totals, read-only, as plain data
(``pipelines.console`` prints them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
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
    # (file name, reason) of the seen files whose current version was rejected whole, by name
    rejected_files: tuple[tuple[str, str], ...] = ()
    # the seen files whose bytes in the folder are not a version in the warehouse: not readable
    # when ingestion tried (no read permission, gone while read); tried again by the next run
    unread_files: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        """True when every seen file was read and no file or record of one was rejected."""
        return self.rejected == 0 and self.files_with_rejects == 0 and not self.unread_files


def summarise(
    con: duckdb.DuckDBPyConnection,
    file_names: Sequence[str],
    stats: Mapping[str, tuple[int, int]] | None = None,
) -> WarehouseSummary:
    """Status of the current version of each named file, and raw-layer totals. ``stats``: each
    file's (size, mtime_ns) in the folder now, to tell a file whose new bytes could not be read
    from one whose current version is loaded."""
    # the current version of each seen file: plain rows of raw.dumps, tallied here
    rows = con.execute(
        "select file_name, status, n_rejects, coalesce(reason, 'rejected'), n_bytes, "
        "file_mtime_ns from raw.dumps "
        "where status <> 'superseded' and file_name in (select unnest(?::varchar[])) "
        "order by file_name",
        [list(file_names)],
    ).fetchall()
    status = Counter(row[1] for row in rows)
    with_rejects = sum(1 for row in rows if row[1] == "loaded" and row[2] > 0)
    rejected_files = [(row[0], row[3]) for row in rows if row[1] == "rejected"]
    # the seen files whose current version is not the one in the folder (by size and mtime):
    # never read, or changed since and not readable when ingestion tried
    current = {row[0]: (row[4], row[5]) for row in rows}
    unread = sorted(
        name
        for name in file_names
        if name not in current
        or (stats is not None and stats.get(name, current[name]) != current[name])
    )
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
        rejected_files=tuple(rejected_files),
        unread_files=tuple(unread),
    )
