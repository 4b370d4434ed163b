"""dbt's documentation site of the warehouse, as one page that needs no server and no network.

The page is what ``dbt docs generate --static`` writes: dbt's packaged ``index.html`` with the
manifest (every model, column and test with its description) and the catalog (every built
relation's columns and types) inlined in place of its two ``"... INLINE DATA"`` placeholders, so
the page reads no ``manifest.json`` and opens from the disk as well as from ``papertrends docs``.
It is rendered here, in-process, with dbt's own page file: the manifest is the one the install
parsed (``data/dbt-manifest/manifest.json``, prepared again whenever the project changes), and the
catalog is made from ``information_schema.columns`` of the warehouse opened read-only: what dbt
would ask the warehouse for, without dbt's start and full parse of a new target folder (26 s
wall on a new warehouse, measured) and without taking the writer lock. dbt-duckdb's catalog holds
names and types only (no row counts), and so does this one.

Two links of dbt's page are mended, each a request for a file that is nowhere (a 404 from any
server):

* the menu's icon templates set an SVG ``<use xlink:href="{{ getIcon(...) }}">`` that the browser
  follows before AngularJS fills it in; AngularJS's ``ng-attr-xlink:href`` sets it once filled in;
* the favicon link is a webpack placeholder never filled in (``${require('./assets/...')}``):
  it becomes an empty ``data:`` icon, as on the trend report's pages.

The page changes only when the project, the warehouse's columns, dbt or this module do: its
fingerprint is kept beside it, and a build that changed none of them leaves the page as it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from pipelines.errors import PapertrendsError, WarehouseUnusable
from pipelines.settings import DEFAULT_WRITER_WAIT_SECONDS, PREPARED_MANIFEST

PAGE = "index.html"
FINGERPRINT = ".fingerprint"
# The project parsed at install (and again whenever it changes): its manifest stands for it.
PARSED_PROJECT = PREPARED_MANIFEST
MANIFEST_PLACEHOLDER = '"MANIFEST.JSON INLINE DATA"'
CATALOG_PLACEHOLDER = '"CATALOG.JSON INLINE DATA"'
# the resource types dbt catalogs (dbt.task.docs.generate: models, seeds, snapshots, sources)
CATALOGUED = ("model", "seed", "snapshot")
FAVICON_PLACEHOLDER = re.compile(r"href=\"\$\{require\('[^']*favicon[^']*'\)\}\"")
# bumped when the page this module renders changes (the fingerprint includes it)
PAGE_FORMAT = "2"


@dataclass(frozen=True)
class DbtDocs:
    """The page written (or kept) and whether it was rendered again."""

    page: Path
    generated: bool


def dbt_page_template() -> Path:
    """dbt's packaged documentation page (``dbt/task/docs/index.html`` of dbt-core)."""
    from dbt.task.docs import DOCS_INDEX_FILE_PATH

    return Path(DOCS_INDEX_FILE_PATH)


def write_dbt_docs(
    warehouse: Path, out: Path, wait_seconds: float = DEFAULT_WRITER_WAIT_SECONDS
) -> DbtDocs:
    """Write dbt's documentation page of ``warehouse`` to ``out/index.html``, unless the page
    there is of the same project, columns and dbt. Reads the warehouse read-only, waiting up to
    ``wait_seconds`` for a writer to let go of it."""
    if not PARSED_PROJECT.is_file():
        raise PapertrendsError(
            f"{PARSED_PROJECT}: the dbt project is not parsed yet (run make install)"
        )
    manifest = PARSED_PROJECT.read_text(encoding="utf-8")
    columns = _columns(warehouse, wait_seconds)
    fingerprint = _fingerprint(manifest, columns)
    page = out / PAGE
    stamp = out / FINGERPRINT
    if page.is_file() and stamp.is_file() and stamp.read_text() == fingerprint:
        return DbtDocs(page, generated=False)
    text = dbt_page_template().read_text(encoding="utf-8")
    catalog = json.dumps(catalog_of(json.loads(manifest), columns))
    text = text.replace(MANIFEST_PLACEHOLDER, manifest).replace(CATALOG_PLACEHOLDER, catalog)
    out.mkdir(parents=True, exist_ok=True)
    # a name of this writer's own: two builds of one warehouse never share the partial file
    partial = out / f".{PAGE}.{os.getpid()}.partial"
    partial.write_text(mended_page(text), encoding="utf-8")
    os.replace(partial, page)
    stamp.write_text(fingerprint)
    return DbtDocs(page, generated=True)


def mended_page(page: str) -> str:
    """dbt's page without its two links to files that are nowhere (see above)."""
    page = page.replace('<use xlink:href="{{', '<use ng-attr-xlink:href="{{')
    return FAVICON_PLACEHOLDER.sub('href="data:,"', page)


def catalog_of(manifest: dict, columns: list[tuple[str, str, str, str, int]]) -> dict:
    """dbt's catalog artifact (v1) for the nodes and sources of ``manifest`` that exist in the
    warehouse: ``columns`` are ``(schema, table, column, type, position)`` rows."""
    by_relation: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    for schema, table, column, data_type, position in columns:
        by_relation.setdefault((schema, table), []).append((column, data_type, position))

    def entry(node: dict, name: str) -> dict | None:
        found = by_relation.get((node["schema"], name))
        if found is None:  # not built yet (a model no build reached, an empty source)
            return None
        return {
            "metadata": {
                "type": "BASE TABLE",
                "schema": node["schema"],
                "name": name,
                "database": node["database"],
                "comment": None,
                "owner": None,
            },
            "columns": {
                column: {"type": data_type, "index": position, "name": column, "comment": None}
                for column, data_type, position in found
            },
            "stats": {
                "has_stats": {
                    "id": "has_stats",
                    "label": "Has Stats?",
                    "value": False,
                    "include": False,
                    "description": "Indicates whether there are statistics for this table",
                }
            },
            "unique_id": node["unique_id"],
        }

    nodes = {
        uid: entry(node, node.get("alias") or node["name"])
        for uid, node in manifest.get("nodes", {}).items()
        if node.get("resource_type") in CATALOGUED
    }
    sources = {
        uid: entry(source, source.get("identifier") or source["name"])
        for uid, source in manifest.get("sources", {}).items()
    }
    return {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/catalog/v1.json",
            "dbt_version": metadata.version("dbt-core"),
            "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "invocation_id": None,
            "env": {},
        },
        "nodes": {uid: found for uid, found in nodes.items() if found is not None},
        "sources": {uid: found for uid, found in sources.items() if found is not None},
        "errors": None,
    }


def _columns(warehouse: Path, wait_seconds: float) -> list[tuple[str, str, str, str, int]]:
    import duckdb

    from pipelines.warehouse.connection import reader

    try:
        with reader(warehouse, wait_seconds) as con:  # a run's reads wait as its writes do
            return con.execute(
                "select table_schema, table_name, column_name, data_type, ordinal_position "
                "from information_schema.columns "
                "where table_catalog = current_database() order by all"
            ).fetchall()
    except duckdb.Error as err:
        raise WarehouseUnusable(f"{warehouse}: cannot read it: {err}") from err


def _fingerprint(manifest: str, columns: list[tuple[str, str, str, str, int]]) -> str:
    digest = hashlib.sha256()
    for part in (PAGE_FORMAT, metadata.version("dbt-core"), manifest, repr(columns)):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()
