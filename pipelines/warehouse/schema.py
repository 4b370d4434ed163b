"""DDL of the raw layer: the tables SQL users and the dbt sources rely on, and its migrations.

``raw.warehouse_info.schema_version`` says which version of this DDL built a warehouse. A writer
upgrades an older warehouse in place, in one transaction (all steps or none); when that is not
possible, or the warehouse is newer than this code, it fails with one line saying what to do.

* Version 1: the raw tables (``raw.dumps``, ``raw.sightings``, ``raw.rejects``) and
  ``raw.warehouse_info``.
* Version 2: unique indexes on ``raw.dumps (dump_id)`` and ``raw.sightings (dump_id, position)``:
  a doubled listing or file version cannot be written, whatever a loader does. No column changes.
* Version 3: ``raw.warehouse_info.landing_folder``, the landing folder the warehouse is built
  from (set by its first ingestion after the upgrade); another folder is refused in one line.
* Version 4: the layers dbt builds are those of month partitions and incremental models. A
  warehouse of an older release had per-file partitions and other model layouts (``term_trends``
  was a table without ``period_papers``, ``int_paper_terms`` one row per phrase): its dbt schemas
  are dropped, so the next build makes every model again from the raw layer, which holds all the
  data (the marts are derived from it alone), and its per-file ``partition_key`` values become
  the month of the listing date.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import duckdb

from pipelines.errors import LandingFolderMismatch, WarehouseUnusable

SCHEMA_VERSION = 4

RAW_DDL = """
create schema if not exists raw;

create table if not exists raw.dumps (
    dump_id             varchar     not null,  -- first 16 hex of sha256(file_name NUL sha256)
    file_name           varchar     not null,
    sha256              varchar     not null,  -- of the file's bytes
    n_bytes             bigint      not null,
    listing_date        date,
    listing_date_source varchar,               -- line | file_name | file_name_year | inferred | file_mtime
    status              varchar     not null,  -- loaded | duplicate | rejected | superseded
    duplicate_of        varchar,               -- dump_id holding the same content
    n_sightings         integer     not null,
    n_rejects           integer     not null,
    reason              varchar,               -- why a file was rejected
    ingested_at         timestamptz not null,
    file_mtime_ns       bigint      not null,  -- lets re-runs skip unchanged files unread
    partition_key       varchar     not null   -- month (YYYY-MM) of the listing date, '' if none
);

create table if not exists raw.sightings (
    dump_id  varchar not null,
    position integer not null,  -- 1-based order on the page
    paper_id varchar not null,
    title    varchar not null,
    abstract varchar not null
);

create table if not exists raw.rejects (
    file_name   varchar     not null,
    sha256      varchar     not null,
    line_no     bigint,               -- null when the whole file was rejected without a line
    reason      varchar     not null,
    excerpt     varchar,              -- at most 200 characters of the rejected paragraph
    rejected_at timestamptz not null
);

create table if not exists raw.warehouse_info (
    schema_version integer     not null,
    created_at     timestamptz not null,
    landing_folder varchar                -- absolute path of the folder it was built from
);
"""


INFO_DDL = """
create table if not exists raw.warehouse_info (
    schema_version integer     not null,
    created_at     timestamptz not null
);
"""

# Version 2: the keys of the raw layer, enforced by DuckDB.
KEYS_DDL = """
create unique index if not exists dumps_dump_id on raw.dumps (dump_id);
create unique index if not exists sightings_dump_position on raw.sightings (dump_id, position);
"""


def _v1_to_v2(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(KEYS_DDL)


def _v2_to_v3(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(INFO_DDL)  # a version-1 warehouse may have lost it
    con.execute("alter table raw.warehouse_info add column if not exists landing_folder varchar")


# Every schema dbt builds into (dbt_project.yml): derived from the raw layer alone.
DBT_SCHEMAS = ("staging", "intermediate", "marts", "search", "reports", "seeds")


def _v3_to_v4(con: duckdb.DuckDBPyConnection) -> None:
    # The models of an older release (before month partitions and incremental trends) cannot be
    # carried on incrementally: an incremental model would merge into a table of another layout
    # (a Binder Error, or worse rows of the old rules). They go, and the next dbt build makes
    # them again from the raw layer.
    for schema in DBT_SCHEMAS:
        con.execute(f"drop schema if exists {schema} cascade")
    # per-file partition keys (the file name) become the month of the listing date; a duplicate
    # without a listing date takes its original's month, as the loader does
    con.execute(
        """
        update raw.dumps as d set partition_key = coalesce(
            strftime(d.listing_date, '%Y-%m'),
            (select strftime(o.listing_date, '%Y-%m') from raw.dumps as o
             where o.dump_id = d.duplicate_of),
            '')
        where d.partition_key <> '' and not regexp_full_match(d.partition_key, '[0-9]{4}-[0-9]{2}')
        """
    )


# MIGRATIONS[n] turns a version-n warehouse into version n + 1.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
}


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw layer if missing, or upgrade an older one in place (one transaction)."""
    version = stored_schema_version(con)
    if version is None:
        con.execute("begin transaction")
        try:
            con.execute(RAW_DDL)
            con.execute(KEYS_DDL)
            con.execute("insert into raw.warehouse_info values (?, now(), null)", [SCHEMA_VERSION])
            con.execute("commit")
        except BaseException:
            _rollback(con)
            raise
        return
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise WarehouseUnusable(
            f"{_path(con)}: built by a newer papertrends (schema version {version}, this one "
            f"knows {SCHEMA_VERSION}): upgrade papertrends, or point --warehouse at a new file"
        )
    con.execute("begin transaction")
    try:
        for step in range(version, SCHEMA_VERSION):
            MIGRATIONS[step](con)
        con.execute(INFO_DDL)
        if con.execute("select count(*) from raw.warehouse_info").fetchone()[0]:
            con.execute("update raw.warehouse_info set schema_version = ?", [SCHEMA_VERSION])
        else:
            con.execute(
                "insert into raw.warehouse_info (schema_version, created_at) values (?, now())",
                [SCHEMA_VERSION],
            )
        con.execute("commit")
    except duckdb.Error as err:
        _rollback(con)
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise WarehouseUnusable(
            f"{_path(con)}: cannot upgrade from schema version {version} to {SCHEMA_VERSION} "
            f"({first}); rebuild it: move the file away and run `papertrends run` "
            "(the landing folder's dumps are all it needs)"
        ) from err
    except BaseException:
        _rollback(con)
        raise


def check_landing_folder(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Refuse, in one line, a landing folder other than the one the warehouse was built from
    (reads only; a warehouse that has not recorded one accepts any)."""
    stored, wanted = landing_folder_of(con), str(folder.resolve())
    if stored is not None and stored != wanted:
        raise LandingFolderMismatch(
            f"{_path(con)}: built from the landing folder {stored}, not {wanted}: give this "
            "folder its own warehouse (--warehouse NEW.duckdb), or move this one away to rebuild"
        )
    if stored is None and _holds_none_of(con, folder):
        # built before warehouses recorded their folder: its dumps came from somewhere else
        raise LandingFolderMismatch(
            f"{_path(con)}: holds dumps none of which are in {wanted} (it was built from another "
            "folder before papertrends recorded landing folders): give this folder its own "
            "warehouse (--warehouse NEW.duckdb), or move this one away to rebuild"
        )


def _holds_none_of(con: duckdb.DuckDBPyConnection, folder: Path) -> bool:
    """Does the warehouse hold loaded dumps, none of them a file of ``folder``?"""
    if stored_schema_version(con) is None:
        return False
    names = [name for (name,) in con.execute("select distinct file_name from raw.dumps").fetchall()]
    return bool(names) and not any((folder / name).exists() for name in names)


def bind_landing_folder(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Record ``folder`` as the warehouse's landing folder, or refuse another one (see
    ``check_landing_folder``). Needs the current schema (``ensure_raw_schema`` first)."""
    check_landing_folder(con, folder)
    if landing_folder_of(con) is None:
        con.execute("update raw.warehouse_info set landing_folder = ?", [str(folder.resolve())])


def landing_folder_of(con: duckdb.DuckDBPyConnection) -> str | None:
    """The landing folder the warehouse was built from; None before version 3 or its first
    ingestion."""
    columns = con.execute(
        "select column_name from information_schema.columns where table_schema = 'raw' "
        "and table_name = 'warehouse_info' and table_catalog = current_database()"
    ).fetchall()
    if ("landing_folder",) not in columns:
        return None
    return con.execute("select max(landing_folder) from raw.warehouse_info").fetchone()[0]


def stored_schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The warehouse's schema version (reads only); None for a warehouse without a raw layer.

    Raw tables without ``raw.warehouse_info`` (it was dropped) count as version 1, the first
    version, which created them all at once."""
    tables = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and table_catalog = current_database()"
        ).fetchall()
    }
    if "warehouse_info" in tables:
        found = con.execute("select max(schema_version) from raw.warehouse_info").fetchone()[0]
        if found is not None:
            return int(found)
    return 1 if "dumps" in tables else None


def _path(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return row[0] if row and row[0] else "warehouse"


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    # the failed statement or commit may have ended the transaction already
    with contextlib.suppress(duckdb.Error):
        con.execute("rollback")
