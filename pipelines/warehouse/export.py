"""``papertrends export``: the marts (and the raw layer) as Parquet, CSV or JSON Lines files, with
a Frictionless Data Package (``datapackage.json``) that describes every table and column.

The files are written by DuckDB itself (``COPY ... TO``) from a read-only connection, one table
at a time, each to a temporary name first and renamed when whole: an export that is stopped
leaves the files it finished and no half-written one. Descriptions come from the dbt docs (the
project's manifest), primary keys from the Great Expectations suites' ``key_columns``.

Nested columns (lists, structs, maps) stay nested in Parquet and JSON Lines; in CSV, which has
no nested values, they are written as their JSON text, which is what a Frictionless ``array`` or
``object`` field holds in CSV.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.errors import OutputUnwritable, PapertrendsError, os_error_line
from pipelines.quality.suites import load_suite_files
from pipelines.settings import PREPARED_MANIFEST
from pipelines.warehouse.connection import READER_WAIT_SECONDS, reader
from pipelines.warehouse.query import NESTED_TYPES

FORMATS = ("parquet", "csv", "jsonl")
# The schemas an export reads: the marts always, the raw layer with ``raw=True``.
MARTS, RAW = "marts", "raw"
DBT_MANIFEST = PREPARED_MANIFEST
PACKAGE_FILE = "datapackage.json"

_COPY_OPTIONS = {
    "parquet": "(format parquet, compression zstd)",
    "csv": "(format csv, header true)",
    "jsonl": "(format json)",
}
_MEDIA_TYPES = {
    "parquet": "application/vnd.apache.parquet",
    "csv": "text/csv",
    "jsonl": "application/x-ndjson",
}
# DuckDB type ids (``DuckDBPyType.id``) -> Frictionless field types
_FIELD_TYPES = {
    "varchar": "string",
    "boolean": "boolean",
    "date": "date",
    "time": "time",
    "timestamp": "datetime",
    "timestamp with time zone": "datetime",
    "timestamp_s": "datetime",
    "timestamp_ms": "datetime",
    "timestamp_ns": "datetime",
    "list": "array",
    "array": "array",
    "struct": "object",
    "map": "object",
}
_INTEGERS = {
    "tinyint", "smallint", "integer", "bigint", "hugeint",
    "utinyint", "usmallint", "uinteger", "ubigint", "uhugeint",
}  # fmt: skip
_NUMBERS = {"float", "double", "decimal"}


@dataclass(frozen=True)
class ExportedTable:
    """One table written: where, how many rows, and its Data Package resource."""

    relation: str
    path: Path
    rows: int
    resource: dict


def export(
    warehouse: Path,
    out_dir: Path,
    fmt: str = "parquet",
    tables: Sequence[str] | None = None,
    raw: bool = False,
    manifest: Path = DBT_MANIFEST,
) -> list[ExportedTable]:
    """Write the marts (``tables``: some of them, as ``papers`` or ``marts.papers``; with
    ``raw``, the raw layer too) to ``out_dir/<schema>/<table>.<fmt>`` and describe them in
    ``out_dir/datapackage.json``. Raises PapertrendsError naming an unknown table."""
    if fmt not in FORMATS:
        raise PapertrendsError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    docs = _dbt_docs(manifest)
    keys = {suite.qualified_table: list(suite.key_columns) for suite in load_suite_files()}
    written = []
    with reader(warehouse, wait_seconds=READER_WAIT_SECONDS) as con:
        chosen = _chosen_tables(con, tables, raw)
        # A package describing files about to be replaced would be wrong if the export stopped
        # half way: it goes first, and is written again, whole, at the end.
        try:
            (out_dir / PACKAGE_FILE).unlink(missing_ok=True)
        except OSError as err:
            raise OutputUnwritable(os_error_line(err, "cannot write the export")) from err
        for relation in chosen:
            written.append(_export_table(con, relation, out_dir, fmt, docs, keys.get(relation)))
    package = {
        "profile": "tabular-data-package",
        "name": "papertrends",
        "title": "papertrends: trending ML papers, topics and terms",
        "description": (
            "The marts of a papertrends warehouse"
            + (" and its raw layer" if raw else "")
            + f", exported as {fmt}. Table and column descriptions are the dbt docs."
        ),
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "resources": [table.resource for table in written],
    }
    _write_atomically(out_dir / PACKAGE_FILE, json.dumps(package, indent=2) + "\n")
    return written


def _chosen_tables(
    con: duckdb.DuckDBPyConnection, tables: Sequence[str] | None, raw: bool
) -> list[str]:
    """``schema.table`` of every table to export, marts first, in name order."""
    schemas = [MARTS, RAW] if raw or _names_raw(tables) else [MARTS]
    present = [
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database() and schema_name in (select unnest($1)) "
            "order by schema_name = 'raw', table_name",
            [schemas],
        ).fetchall()
    ]
    if not tables:
        return [r for r in present if raw or r.startswith(f"{MARTS}.")]
    chosen = []
    for wanted in tables:
        relation = wanted if "." in wanted else f"{MARTS}.{wanted}"
        if relation not in present:
            names = ", ".join(r.split(".", 1)[1] for r in present if r.startswith(f"{MARTS}."))
            raise PapertrendsError(
                f"no table {wanted!r} to export (marts: {names or 'none yet'}; "
                "raw tables as raw.NAME)"
            )
        if relation not in chosen:
            chosen.append(relation)
    return chosen


def _names_raw(tables: Sequence[str] | None) -> bool:
    return any(t.startswith(f"{RAW}.") for t in tables or ())


def _export_table(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    out_dir: Path,
    fmt: str,
    docs: dict[str, dict],
    key: list[str] | None,
) -> ExportedTable:
    schema, name = relation.split(".", 1)
    source = con.sql(f'select * from "{schema}"."{name}"')
    columns = list(zip(source.columns, [t for t in source.dtypes], strict=True))
    if fmt == "csv":  # nested values as their JSON text
        select = ", ".join(
            f"to_json({_quote(c)})::varchar as {_quote(c)}" if _is_nested(t) else _quote(c)
            for c, t in columns
        )
    else:
        select = "*"
    path = out_dir / schema / f"{name}.{fmt}"
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        query = f'select {select} from "{schema}"."{name}"'
        con.execute(f"copy ({query}) to '{_literal(partial)}' {_COPY_OPTIONS[fmt]}")
        os.replace(partial, path)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise OutputUnwritable(os_error_line(err, "cannot write the export")) from err
    except duckdb.IOException as err:
        partial.unlink(missing_ok=True)
        raise OutputUnwritable(
            f"{path}: cannot write the export: {str(err).strip().splitlines()[0]}"
        ) from err
    except BaseException:  # stopped, out of memory, a value DuckDB cannot write
        partial.unlink(missing_ok=True)
        raise
    (rows,) = con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0]
    doc = docs.get(relation, {})
    fields = [
        {
            "name": column,
            "type": _field_type(kind),
            "duckdbType": str(kind),
            **(
                {"description": doc["columns"][column]}
                if doc.get("columns", {}).get(column)
                else {}
            ),
        }
        for column, kind in columns
    ]
    table_schema: dict = {"fields": fields}
    if key and all(k in source.columns for k in key):
        table_schema["primaryKey"] = key
    resource = {
        "name": relation,
        "path": path.relative_to(out_dir).as_posix(),
        "profile": "tabular-data-resource",
        "format": fmt,
        "mediatype": _MEDIA_TYPES[fmt],
        **({"encoding": "utf-8"} if fmt != "parquet" else {}),
        **({"dialect": {"delimiter": ",", "header": True}} if fmt == "csv" else {}),
        **({"description": doc["description"]} if doc.get("description") else {}),
        "bytes": path.stat().st_size,
        "hash": f"sha256:{_sha256(path)}",
        "rows": rows,
        "schema": table_schema,
    }
    return ExportedTable(relation=relation, path=path, rows=rows, resource=resource)


def _dbt_docs(manifest: Path) -> dict[str, dict]:
    """``schema.name`` -> {"description", "columns": {column: description}} of every dbt model,
    seed and source, from the dbt manifest (none when the manifest is missing)."""
    try:
        document = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    docs = {}
    for node in [*document.get("nodes", {}).values(), *document.get("sources", {}).values()]:
        if node.get("resource_type") not in ("model", "seed", "source"):
            continue
        schema = node.get("source_name") or node.get("schema")
        name = node.get("identifier") or node.get("alias") or node.get("name")
        docs[f"{schema}.{name}"] = {
            "description": " ".join((node.get("description") or "").split()),
            "columns": {
                column: " ".join((info.get("description") or "").split())
                for column, info in (node.get("columns") or {}).items()
            },
        }
    return docs


def _field_type(kind: duckdb.typing.DuckDBPyType) -> str:
    type_id = str(kind.id)
    if type_id in _INTEGERS:
        return "integer"
    if type_id in _NUMBERS:
        return "number"
    return _FIELD_TYPES.get(type_id, "any")


def _is_nested(kind: duckdb.typing.DuckDBPyType) -> bool:
    return str(kind.id) in NESTED_TYPES


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError as err:
        raise OutputUnwritable(os_error_line(err, "cannot write the export")) from err
