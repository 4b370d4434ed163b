"""Load landed dumps into the raw layer: new versions, duplicates, supersession, all atomic.

Rules (README, "Ingestion"):

* A file version is (file name, content hash); its ``dump_id`` hashes both.
* Unchanged files (same name, size and mtime as the current version) are skipped unread; a file
  whose bytes match its current version is skipped after hashing. Re-running changes nothing.
* Content already loaded under another name is recorded as ``duplicate`` of that dump: no rows.
* A file overwritten with new content is a new version: the old version becomes ``superseded``
  and its sightings are removed (or handed to a duplicate of it, which then becomes ``loaded``).
* Each batch of dumps is one DuckDB transaction: a dump is wholly loaded or not at all.
* With a ``holdable`` window of listing dates (the month partitions), a file whose listing date
  falls outside it is rejected whole with a one-line reason instead of loaded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import duckdb
import polars as pl

from pipelines.dumps.identity import content_hash, dump_id
from pipelines.dumps.parse import DumpFile, ParsedDumps, parse_dumps
from pipelines.landing import (
    MAX_DUMP_BYTES,
    LandedFile,
    file_mtime,
    hash_file,
    read_dump,
)
from pipelines.settings import DEFAULT_BATCH_DUMPS, MAX_DUMP_MB_ENV
from pipelines.warehouse.schema import (
    SCHEMA_VERSION,
    bind_landing_folder,
    ensure_raw_schema,
    stored_schema_version,
)

# Dumps per transaction (memory bound of one batch) by default; a run passes
# Settings.batch_dumps (PAPERTRENDS_BATCH_DUMPS).
BATCH_SIZE = DEFAULT_BATCH_DUMPS


@dataclass(frozen=True)
class FileOutcome:
    """What ingestion did with one new or changed file."""

    file_name: str
    partition_key: str  # the month partition (YYYY-MM) the file was taken under, "" for none
    dump_id: str | None
    status: str  # loaded | duplicate | rejected | unreadable
    n_sightings: int = 0
    n_rejects: int = 0
    reason: str | None = None
    listing_date: dt.date | None = None
    duplicate_of: str | None = None


@dataclass
class IngestReport:
    """Everything one ingestion pass did, for metadata and the CLI summary."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        """Number of files that ended with ``status`` in this pass."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def new_sightings(self) -> int:
        """Listings added by this pass."""
        return sum(o.n_sightings for o in self.outcomes)

    @property
    def new_rejects(self) -> int:
        """Records quarantined by this pass (whole rejected files count as one)."""
        return sum(o.n_rejects for o in self.outcomes)


@dataclass(frozen=True)
class _Current:
    dump_id: str
    sha256: str
    n_bytes: int
    mtime_ns: int
    status: str


def pending_files(
    con: duckdb.DuckDBPyConnection | None, files: Sequence[LandedFile]
) -> list[LandedFile]:
    """Files whose name, size or mtime differ from their current version (cheap: no reads).

    Every file when the warehouse's schema is not this code's: loading them (unchanged ones
    are skipped) is what upgrades it, or says in one line why it cannot."""
    if con is None or not _has_raw_layer(con):
        return list(files)
    if stored_schema_version(con) != SCHEMA_VERSION:
        return list(files)
    current = _current_versions(con)
    return [f for f in files if not _stat_matches(current.get(f.file_name), f)]


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[LandedFile],
    batch_size: int = BATCH_SIZE,
    read: Callable[[LandedFile], DumpFile] | None = None,
    landing_folder: Path | None = None,
    holdable: Callable[[dt.date], str | None] | None = None,
    max_bytes: int = MAX_DUMP_BYTES,
) -> IngestReport:
    """Load new and changed files into ``raw.*``; one transaction per batch of dumps (of
    ``batch_size``). With ``landing_folder`` the warehouse records it on its first load and
    refuses any other folder after (one-line error). A file over ``max_bytes`` is rejected
    unread (``read``, default ``read_dump``, reads at most that and one byte).

    Each version's ``partition_key`` is the month (``YYYY-MM``) of its listing date (of the
    dump it duplicates, for a duplicate). ``holdable`` tells, for a listing date, why no month
    partition can hold it (None when one can): such a file is rejected whole, key empty."""
    read = read or partial(read_dump, max_bytes=max_bytes)
    ensure_raw_schema(con)
    if landing_folder is not None:
        bind_landing_folder(con, landing_folder)
    report = IngestReport()
    current = _current_versions(con)
    todo = []
    for file in files:
        if _stat_matches(current.get(file.file_name), file):
            report.unchanged.append(file.file_name)
        else:
            todo.append(file)
    placement = _Placement(holdable)
    for batch in _chunks(todo, batch_size):
        _ingest_batch(con, batch, current, report, read, placement, max_bytes)
    return report


@dataclass(frozen=True)
class _Placement:
    """Where versions go among the month partitions: which dates have none, and the key."""

    holdable: Callable[[dt.date], str | None] | None

    def key(self, listing_date: dt.date | None) -> str:
        if listing_date is None or self.reason(listing_date) is not None:
            return ""
        return listing_date.strftime("%Y-%m")

    def reason(self, listing_date: dt.date) -> str | None:
        return None if self.holdable is None else self.holdable(listing_date)


def _ingest_batch(
    con: duckdb.DuckDBPyConnection,
    batch: Sequence[LandedFile],
    current: dict[str, _Current],
    report: IngestReport,
    read: Callable[[LandedFile], DumpFile],
    placement: _Placement,
    max_bytes: int,
) -> None:
    reads: list[tuple[LandedFile, DumpFile, str]] = []
    refused: dict[str, str] = {}  # too large to read: rejected whole, by name
    for file in batch:
        try:
            if file.n_bytes > max_bytes:
                sha = hash_file(file)
                refused[file.file_name] = (
                    f"file is {_size(file.n_bytes)}, over the cap of {_size(max_bytes)} "
                    f"({MAX_DUMP_MB_ENV}): not read"
                )
                reads.append((file, DumpFile(file.file_name, b"", file_mtime(file)), sha))
                continue
            dump = read(file)  # (reads at most the cap and a byte: see read_dump)
            if len(dump.content) > max_bytes:  # grew past the cap since the scan
                file = LandedFile(file.path, len(dump.content), file.mtime_ns)
                refused[file.file_name] = (
                    f"file is over the cap of {_size(max_bytes)} ({MAX_DUMP_MB_ENV}): not read"
                )
                reads.append(
                    (file, DumpFile(file.file_name, b"", file_mtime(file)), hash_file(file))
                )
                continue
        except OSError as err:  # vanished or unreadable since the scan: retried next run
            report.outcomes.append(
                FileOutcome(
                    file.file_name,
                    "",
                    None,
                    "unreadable",
                    reason=f"cannot read: {err.strerror or err}",
                )
            )
            continue
        reads.append((file, dump, content_hash(dump.content)))

    con.execute("begin transaction")
    try:
        changed = {f.file_name for f, _, _ in reads}
        loaded_by_sha = dict(
            con.execute("select sha256, dump_id from raw.dumps where status = 'loaded'").fetchall()
        )
        fresh: list[tuple[LandedFile, DumpFile, str]] = []
        for file, dump, sha in reads:
            cur = current.get(file.file_name)
            if cur is not None and cur.sha256 == sha:  # touched, not changed
                con.execute(
                    "update raw.dumps set file_mtime_ns = ? where dump_id = ?",
                    [file.mtime_ns, cur.dump_id],
                )
                report.unchanged.append(file.file_name)
                continue
            if cur is not None:
                _supersede(con, cur, changed, loaded_by_sha)
                report.superseded.append(cur.dump_id)
            fresh.append((file, dump, sha))

        to_parse: list[DumpFile] = []
        rows: list[dict] = []
        first_of_sha: dict[str, str] = {}
        for file, dump, sha in fresh:
            new_id = dump_id(file.file_name, sha)
            original = loaded_by_sha.get(sha) or first_of_sha.get(sha)
            row = {"dump_id": new_id, "file": file, "sha256": sha, "duplicate_of": original}
            if original is None:
                first_of_sha[sha] = new_id
                if file.file_name not in refused:
                    to_parse.append(dump)
            rows.append(row)

        parsed = parse_dumps(to_parse, shas={d.file_name: s for _, d, s in fresh})
        # a refused file whose bytes a loaded dump has is that dump's duplicate, as any copy
        parsed = _with_refused(
            parsed,
            {
                row["file"]: (row["sha256"], refused[row["file"].file_name])
                for row in rows
                if row["file"].file_name in refused and row["duplicate_of"] is None
            },
        )
        outcomes = _write(con, rows, parsed, placement)
        con.execute("commit")
    except BaseException:
        # a failed commit (disk full) has ended the transaction already: keep the real error
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        raise
    report.outcomes.extend(outcomes)


def _supersede(
    con: duckdb.DuckDBPyConnection,
    cur: _Current,
    changed: set[str],
    loaded_by_sha: dict[str, str],
) -> None:
    """Mark the current version superseded; hand its sightings to a duplicate if one remains."""
    con.execute("update raw.dumps set status = 'superseded' where dump_id = ?", [cur.dump_id])
    if cur.status != "loaded":
        return
    loaded_by_sha.pop(cur.sha256, None)
    heirs = [
        (heir_id, name)
        for heir_id, name in con.execute(
            "select dump_id, file_name from raw.dumps where status = 'duplicate' "
            "and duplicate_of = ? order by ingested_at, file_name",
            [cur.dump_id],
        ).fetchall()
        if name not in changed
    ]
    if not heirs:
        con.execute("delete from raw.sightings where dump_id = ?", [cur.dump_id])
        return
    # Identical bytes parse identically: the first duplicate inherits the rows and the status.
    heir = heirs[0][0]
    con.execute("update raw.sightings set dump_id = ? where dump_id = ?", [heir, cur.dump_id])
    con.execute(
        "update raw.dumps as d set status = 'loaded', duplicate_of = null, "
        "n_sightings = o.n_sightings, n_rejects = o.n_rejects, listing_date = o.listing_date, "
        "listing_date_source = o.listing_date_source "
        "from raw.dumps as o where o.dump_id = ? and d.dump_id = ?",
        [cur.dump_id, heir],
    )
    con.execute(
        "update raw.dumps set duplicate_of = ? where status = 'duplicate' and duplicate_of = ?",
        [heir, cur.dump_id],
    )
    loaded_by_sha[cur.sha256] = heir


def _write(
    con: duckdb.DuckDBPyConnection, rows: list[dict], parsed, placement: _Placement
) -> list[FileOutcome]:
    """Insert the batch's dump rows, sightings and rejects (inside the caller's transaction)."""
    if not rows:
        return []
    facts = {r["file_name"]: r for r in parsed.dumps.iter_rows(named=True)}
    # A parsed file whose listing date no partition holds is rejected whole: one reject row
    # instead of its listings and record rejects.
    unplaced = {
        name: reason
        for name, fact in facts.items()
        if fact["parse_status"] != "rejected"
        and (reason := placement.reason(fact["listing_date"])) is not None
    }
    for name, reason in unplaced.items():
        facts[name] = {**facts[name], "parse_status": "rejected", "reason": reason}
    parsed = _drop_unplaced(parsed, unplaced)
    counts = dict(parsed.sightings.group_by("file_name").len().iter_rows())
    reject_counts = dict(parsed.rejects.group_by("file_name").len().iter_rows())
    dump_rows, outcomes = [], []
    rejected_in_batch: dict[str, str] = {}
    for row in rows:
        file: LandedFile = row["file"]
        original = row["duplicate_of"]
        if original in rejected_in_batch:  # same bytes as a file rejected just before
            fact = None
            status, n_sightings, n_rejects = "rejected", 0, 0
            reason = f"{rejected_in_batch[original]} (same content as dump {original})"
        elif original is not None:
            fact = None
            status, n_sightings, n_rejects, reason = "duplicate", 0, 0, None
        else:
            fact = facts[file.file_name]
            rejected = fact["parse_status"] == "rejected"
            status = "rejected" if rejected else "loaded"
            n_sightings = counts.get(file.file_name, 0)
            n_rejects = reject_counts.get(file.file_name, 0)
            reason = fact["reason"]
            if rejected:
                rejected_in_batch[row["dump_id"]] = reason
        dump_rows.append(
            {
                "dump_id": row["dump_id"],
                "file_name": file.file_name,
                "sha256": row["sha256"],
                "n_bytes": file.n_bytes,
                "listing_date": fact["listing_date"] if fact else None,
                "listing_date_source": fact["listing_date_source"] if fact else None,
                "status": status,
                "duplicate_of": original if status == "duplicate" else None,
                "n_sightings": n_sightings,
                "n_rejects": n_rejects,
                "reason": reason,
                "file_mtime_ns": file.mtime_ns,
                "partition_key": (
                    placement.key(fact["listing_date"])
                    if fact
                    else _original_key(con, original, dump_rows)
                ),
            }
        )
        outcomes.append(
            FileOutcome(
                file.file_name,
                dump_rows[-1]["partition_key"],
                row["dump_id"],
                status,
                n_sightings,
                n_rejects,
                reason,
                fact["listing_date"] if fact else None,
                original,
            )
        )
    dumps_frame = pl.DataFrame(dump_rows, schema=_DUMP_ROW_SCHEMA)
    ids = pl.DataFrame(
        {"file_name": [r["file"].file_name for r in rows], "dump_id": [r["dump_id"] for r in rows]}
    )
    sightings = parsed.sightings.join(ids, on="file_name").select(
        "dump_id", "position", "paper_id", "title", "abstract"
    )
    rejects = parsed.rejects
    # A version seen before (overwritten, then restored) replaces its old superseded row.
    con.register("batch_dumps", dumps_frame.to_arrow())
    con.register("batch_sightings", sightings.to_arrow())
    con.register("batch_rejects", rejects.to_arrow())
    try:
        con.execute(
            "delete from raw.rejects r using batch_dumps b "
            "where r.file_name = b.file_name and r.sha256 = b.sha256"
        )
        con.execute("delete from raw.sightings where dump_id in (select dump_id from batch_dumps)")
        con.execute("delete from raw.dumps where dump_id in (select dump_id from batch_dumps)")
        con.execute(
            "insert into raw.dumps select dump_id, file_name, sha256, n_bytes, listing_date, "
            "listing_date_source, status, duplicate_of, n_sightings, n_rejects, reason, now(), "
            "file_mtime_ns, partition_key from batch_dumps"
        )
        con.execute(
            "insert into raw.sightings select dump_id, position, paper_id, title, abstract "
            "from batch_sightings"
        )
        con.execute(
            "insert into raw.rejects select file_name, sha256, line_no, reason, excerpt, now() "
            "from batch_rejects"
        )
    finally:
        for name in ("batch_dumps", "batch_sightings", "batch_rejects"):
            con.unregister(name)
    return outcomes


def _original_key(
    con: duckdb.DuckDBPyConnection, original: str | None, batch_rows: list[dict]
) -> str:
    """The partition key of the dump ``original`` (of this batch, else stored)."""
    for row in batch_rows:
        if row["dump_id"] == original:
            return row["partition_key"]
    found = con.execute(
        "select partition_key from raw.dumps where dump_id = ?", [original]
    ).fetchall()
    return found[0][0] if found else ""


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:,.1f} MB" if n_bytes >= 1_000_000 else f"{n_bytes:,} bytes"


def _with_refused(
    parsed: ParsedDumps, refused: Mapping[LandedFile, tuple[str, str]]
) -> ParsedDumps:
    """``parsed`` with a rejected dump row and a whole-file reject for each refused file (too
    large to read: ``refused`` maps it to its content hash and the reason)."""
    if not refused:
        return parsed
    files = list(refused)
    dumps = pl.DataFrame(
        {
            "file_name": [f.file_name for f in files],
            "sha256": [refused[f][0] for f in files],
            "n_bytes": [f.n_bytes for f in files],
            "listing_date": [None] * len(files),
            "listing_date_source": [None] * len(files),
            "parse_status": ["rejected"] * len(files),
            "reason": [refused[f][1] for f in files],
        },
        schema=parsed.dumps.schema,
    )
    rejects = pl.DataFrame(
        {
            "file_name": [f.file_name for f in files],
            "sha256": [refused[f][0] for f in files],
            "line_no": [None] * len(files),
            "reason": [refused[f][1] for f in files],
            "excerpt": [None] * len(files),
        },
        schema=parsed.rejects.schema,
    )
    return ParsedDumps(
        dumps=pl.concat([parsed.dumps, dumps]),
        sightings=parsed.sightings,
        rejects=pl.concat([parsed.rejects, rejects]),
    )


def _drop_unplaced(parsed: ParsedDumps, unplaced: Mapping[str, str]) -> ParsedDumps:
    """``parsed`` without the listings and record rejects of the ``unplaced`` files, with one
    whole-file reject (their reason) each."""
    if not unplaced:
        return parsed
    names = pl.Series(list(unplaced), dtype=pl.String).implode()
    shas = dict(parsed.dumps.select("file_name", "sha256").iter_rows())
    whole = pl.DataFrame(
        {
            "file_name": list(unplaced),
            "sha256": [shas[name] for name in unplaced],
            "line_no": [None] * len(unplaced),
            "reason": list(unplaced.values()),
            "excerpt": [None] * len(unplaced),
        },
        schema=parsed.rejects.schema,
    )
    return ParsedDumps(
        dumps=parsed.dumps,
        sightings=parsed.sightings.filter(~pl.col("file_name").is_in(names)),
        rejects=pl.concat([parsed.rejects.filter(~pl.col("file_name").is_in(names)), whole]),
    )


_DUMP_ROW_SCHEMA = {
    "dump_id": pl.String,
    "file_name": pl.String,
    "sha256": pl.String,
    "n_bytes": pl.Int64,
    "listing_date": pl.Date,
    "listing_date_source": pl.String,
    "status": pl.String,
    "duplicate_of": pl.String,
    "n_sightings": pl.Int32,
    "n_rejects": pl.Int32,
    "reason": pl.String,
    "file_mtime_ns": pl.Int64,
    "partition_key": pl.String,
}


def _current_versions(con: duckdb.DuckDBPyConnection) -> dict[str, _Current]:
    rows = con.execute(
        "select file_name, dump_id, sha256, n_bytes, file_mtime_ns, status from raw.dumps "
        "where status <> 'superseded'"
    ).fetchall()
    return {name: _Current(*rest) for name, *rest in rows}


def _has_raw_layer(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'dumps'"
    ).fetchone()[0]
    return found > 0


def _stat_matches(cur: _Current | None, file: LandedFile) -> bool:
    return cur is not None and cur.n_bytes == file.n_bytes and cur.mtime_ns == file.mtime_ns


def _chunks(items: Sequence[LandedFile], size: int) -> Iterator[Sequence[LandedFile]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
