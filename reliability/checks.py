"""What a fault must leave: the raw layer's rows, its invariants, the marts' content.

Shared by the fault tests (``tests/system/test_reliability.py``, ``tests/system/test_kills.py``, ...) and the
long soak (``python -m reliability.soak``), so both judge a warehouse by the same rules.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path

import duckdb


def fast_dir(prefix: str = "papertrends-rel-") -> Path:
    """A fresh folder on tmpfs when there is one, for DAGSTER_HOME: Dagster's event log syncs once
    per event, which on a disk makes a 200-partition run about twice as slow (same behaviour)."""
    shm = Path("/dev/shm")
    base = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))


def env_for(root: Path, raw: Path, warehouse: Path, home: Path) -> dict[str, str]:
    """This environment with papertrends' paths set: landing folder, warehouse, DAGSTER_HOME,
    and the report and quality folders under ``root``."""
    env = dict(os.environ)
    env.update(
        PAPERTRENDS_RAW_DIR=str(raw),
        PAPERTRENDS_WAREHOUSE=str(warehouse),
        PAPERTRENDS_REPORTS_DIR=str(root / "reports"),
        PAPERTRENDS_QUALITY_DIR=str(root / "quality"),
        DAGSTER_HOME=str(home),
    )
    return env


def raw_snapshot(warehouse: Path) -> dict[str, list]:
    """The raw layer's rows, without the load timestamps (a clean run is compared by content)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            "dumps": con.execute(
                "select * exclude (ingested_at) from raw.dumps order by dump_id"
            ).fetchall(),
            "sightings": con.execute(
                "select * from raw.sightings order by dump_id, position"
            ).fetchall(),
            "rejects": con.execute(
                "select * exclude (rejected_at) from raw.rejects order by all"
            ).fetchall(),
        }


def consistent(warehouse: Path) -> dict[str, int]:
    """Invariants that hold after any interruption; returns counts of the raw layer."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
        if "sightings" not in tables:
            return {"dumps": 0, "sightings": 0}
        doubled = con.execute(
            "select count(*) from (select dump_id, position from raw.sightings "
            "group by all having count(*) > 1)"
        ).fetchone()[0]
        assert doubled == 0, "doubled (dump_id, position)"
        doubled_versions = con.execute(
            "select count(*) - count(distinct dump_id) from raw.dumps"
        ).fetchone()[0]
        assert doubled_versions == 0, "doubled dump_id"
        # every dump is wholly loaded or absent: its row count matches its listings
        partial = con.execute(
            "select count(*) from raw.dumps d left join (select dump_id, count(*) n "
            "from raw.sightings group by 1) s using (dump_id) "
            "where coalesce(s.n, 0) <> case when d.status = 'loaded' then d.n_sightings else 0 end"
        ).fetchone()[0]
        assert partial == 0, "a dump's listings do not match its n_sightings"
        orphans = con.execute(
            "select count(*) from raw.sightings where dump_id not in "
            "(select dump_id from raw.dumps where status = 'loaded')"
        ).fetchone()[0]
        assert orphans == 0, "listings without a loaded dump"
        return {
            "dumps": con.execute("select count(*) from raw.dumps").fetchone()[0],
            "sightings": con.execute("select count(*) from raw.sightings").fetchone()[0],
        }


def file_hashes(folder: Path) -> dict[str, tuple[str, int]]:
    """Each file's SHA-256 and modification time (a landing folder must keep both)."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
    }


def writer_lock_held(warehouse: Path) -> bool:
    """Does a process hold the warehouse's writer lock (``<warehouse>.lock``) right now?"""
    try:
        fd = os.open(f"{warehouse}.lock", os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


# columns that say when a row was written, not what it holds
STAMPS = {"updated_at", "matched_at", "extracted_at", "scored_at"}

# tables outside the marts kept up to date by difference or merge: they must be a full build's
KEPT_BY_DIFFERENCE = {
    "intermediate.int_surface_counts": (
        "select * exclude (updated_at) from intermediate.int_surface_counts order by all"
    ),
    # retitled papers: the titles matched by their abstracts
    "intermediate.int_paper_aliases": (
        "select * exclude (changed_at) from intermediate.int_paper_aliases "
        "where n_titles > 1 order by all"
    ),
    # the search index: postings and documents merged by paper, terms and stats recounted
    "search.search_postings": (
        "select * exclude (indexed_at) from search.search_postings order by all"
    ),
    "search.search_documents": (
        "select * exclude (indexed_at) from search.search_documents order by all"
    ),
    "search.search_terms": "select * from search.search_terms order by all",
    "search.similar_signatures": (
        "select * exclude (indexed_at, signed_at) from search.similar_signatures order by all"
    ),
    "search.search_stats": "select * from search.search_stats",
    # a pair at 0 papers stays until the next build (its stamp is the watermark)
    "intermediate.int_topic_term_counts": (
        "select topic, term_id, n_papers, rules_version, extraction_version "
        "from intermediate.int_topic_term_counts where n_papers <> 0 order by all"
    ),
}


def marts_content(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table of the marts schema and the counts kept by difference, rows sorted, write
    stamps left out: two warehouses of the same dumps must give equal dicts."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        found = {}
        for table in tables:
            columns = [
                f'"{name}"'
                for (name,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
                if name not in STAMPS
            ]
            found[table] = con.execute(
                f"select {', '.join(columns)} from marts.{table} order by all"
            ).fetchall()
        for table, query in KEPT_BY_DIFFERENCE.items():
            found[table] = con.execute(query).fetchall()
    return found


def marts_differ(found: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> list[str]:
    """The tables whose rows differ between two ``marts_content`` results (missing ones too)."""
    names = sorted(set(found) | set(expected))
    return [name for name in names if found.get(name) != expected.get(name)]
