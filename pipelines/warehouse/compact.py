"""Keep the warehouse file near the size of its data.

A DuckDB file only grows: a table dbt replaces is written before the old one is freed, and freed
blocks are reused but never given back. Measured (RELIABILITY.md, section 13): after two
incremental builds of 6 small dumps the file held 85 blocks of which 34 free (21 MB, against
11.5 MB for the same data copied into a new file). So after each dbt build, still under the
writer lock, the file is rewritten when its free blocks pass ``PAPERTRENDS_COMPACT_RATIO`` (1.3)
times the used ones: DuckDB copies every table, view, macro and index into a new file beside it
(``COPY FROM DATABASE``), the copy is checked (the same tables, the raw layer's row counts) and
renamed over the old file in one step. A kill at any moment leaves the old file whole (and at
most a stray ``.<name>.compact`` file, removed by the next compaction).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.settings import DEFAULT_COMPACT_RATIO
from pipelines.warehouse.connection import READER_WAIT_SECONDS, _open

MIN_FREE_BLOCKS = 8  # 2 MB: a smaller gain is not worth a copy


@dataclass(frozen=True)
class Compaction:
    before_bytes: int
    after_bytes: int


def compact_if_it_pays(path: Path, ratio: float = DEFAULT_COMPACT_RATIO) -> Compaction | None:
    """Rewrite ``path`` into a new file when enough of it is free space (see the module's
    docstring); the caller holds the writer lock. None when it did not pay."""
    if ratio <= 0 or not path.is_file():
        return None
    con = _open(path, read_only=False, wait_seconds=READER_WAIT_SECONDS * 5)
    try:
        con.execute("checkpoint")
        total, used = con.execute(
            "select total_blocks, used_blocks from pragma_database_size()"
        ).fetchone()
        if total - used < MIN_FREE_BLOCKS or total <= ratio * used:
            return None
        before = path.stat().st_size
        copy = path.with_name(f".{path.name}.compact")
        _remove(copy)
        catalog = con.execute("select current_database()").fetchone()[0]
        expected = _shape(con)
        con.execute(f"attach '{_literal(copy)}' as papertrends_compacted")
        try:
            con.execute(f'copy from database "{catalog}" to papertrends_compacted')
        finally:
            con.execute("detach papertrends_compacted")
    except duckdb.Error:
        _remove(path.with_name(f".{path.name}.compact"))
        raise
    finally:
        con.close()
    try:
        with duckdb.connect(str(copy)) as check:
            if _shape(check) != expected:
                raise RuntimeError(f"{copy}: the compacted copy differs from {path}")
            check.execute("checkpoint")
        with open(copy, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(copy, path)
    finally:
        _remove(copy)
    return Compaction(before, path.stat().st_size)


def _shape(con: duckdb.DuckDBPyConnection) -> tuple:
    """What a copy must keep: its tables, views, macros and indexes, and the raw rows."""
    names = con.execute(
        "select 't', schema_name, table_name from duckdb_tables() union all "
        "select 'v', schema_name, view_name from duckdb_views() where not internal union all "
        "select 'i', schema_name, index_name from duckdb_indexes() union all "
        "select 'm', schema_name, function_name from duckdb_functions() where not internal "
        "order by all"
    ).fetchall()
    raw = [
        con.execute(f"select count(*) from raw.{table}").fetchone()[0]
        for (kind, schema, table) in names
        if kind == "t" and schema == "raw"
    ]
    return tuple(names), tuple(raw)


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
