"""DDL of the raw layer: the tables SQL users and the dbt sources rely on."""

from __future__ import annotations

import duckdb

SCHEMA_VERSION = 1

RAW_DDL = """
create schema if not exists raw;

create table if not exists raw.dumps (
    dump_id             varchar     not null,  -- first 16 hex of sha256(file_name NUL sha256)
    file_name           varchar     not null,
    sha256              varchar     not null,  -- of the file's bytes
    n_bytes             bigint      not null,
    listing_date        date,
    listing_date_source varchar,               -- line | inferred | file_mtime
    status              varchar     not null,  -- loaded | duplicate | rejected | superseded
    duplicate_of        varchar,               -- dump_id holding the same content
    n_sightings         integer     not null,
    n_rejects           integer     not null,
    reason              varchar,               -- why a file was rejected
    ingested_at         timestamptz not null,
    file_mtime_ns       bigint      not null,  -- lets re-runs skip unchanged files unread
    partition_key       varchar     not null   -- the Dagster partition of this file
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
    created_at     timestamptz not null
);
"""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw layer if missing (idempotent) and record the schema version once."""
    con.execute(RAW_DDL)
    if con.execute("select count(*) from raw.warehouse_info").fetchone()[0] == 0:
        con.execute("insert into raw.warehouse_info values (?, now())", [SCHEMA_VERSION])
