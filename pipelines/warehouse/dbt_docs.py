"""dbt's documentation site of the warehouse, as one page that needs no server and no network.

``dbt docs generate --static`` writes ``static_index.html`` with the manifest (every model,
column and test with its description) and the catalog (every built relation's columns and types,
read from the warehouse) inlined, so the page reads no ``manifest.json``: it opens from the disk
(a plain ``index.html`` fetches its JSON, which a ``file://`` page may not do) and from
``papertrends docs``. It is copied to ``<warehouse>-dbt-docs/index.html`` with two links of
dbt's page mended, each a request for a file that is nowhere (a 404 from any server):

* the menu's icon templates set an SVG ``<use xlink:href="{{ getIcon(...) }}">`` that the browser
  follows before AngularJS fills it in; AngularJS's ``ng-attr-xlink:href`` sets it once filled in;
* the favicon link is a webpack placeholder never filled in (``${require('./assets/...')}``):
  it becomes an empty ``data:`` icon, as on the trend report's pages.

dbt takes several seconds to start, and the catalog of dbt-duckdb holds only names and types (no
row counts), so the page changes only when the dbt project or the warehouse's columns do: its
fingerprint (of the parsed project and of ``information_schema.columns``) is kept beside it, and
a build that changed neither leaves the page as it is.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import PapertrendsError, WarehouseUnusable
from pipelines.settings import DBT_BIN_DIR, DBT_PROJECT_DIR
from pipelines.warehouse.lock import writer_lock

PAGE = "index.html"
FINGERPRINT = ".fingerprint"
# The project parsed at install (and again whenever it changes): its manifest stands for it.
PARSED_PROJECT = DBT_PROJECT_DIR / "target" / "manifest.json"
# The attached warehouse as dbt-duckdb names it (dbt/profiles.yml)
DATABASE = "warehouse"
DBT_TIMEOUT_SECONDS = 600
FAVICON_PLACEHOLDER = re.compile(r"href=\"\$\{require\('[^']*favicon[^']*'\)\}\"")


@dataclass(frozen=True)
class DbtDocs:
    """The page written (or kept) and whether dbt ran for it."""

    page: Path
    generated: bool


def write_dbt_docs(warehouse: Path, out: Path, target_path: Path, wait_seconds: float) -> DbtDocs:
    """Write dbt's documentation page of ``warehouse`` to ``out/index.html`` (dbt's files go to
    ``target_path``), unless the page there is of the same project and columns. Waits up to
    ``wait_seconds`` for a writer (ingestion, dbt build) to finish first."""
    page = out / PAGE
    with writer_lock(warehouse, wait_seconds):
        fingerprint = _fingerprint(warehouse)
        stamp = out / FINGERPRINT
        if page.is_file() and stamp.is_file() and stamp.read_text() == fingerprint:
            return DbtDocs(page, generated=False)
        _generate(warehouse, target_path)
    out.mkdir(parents=True, exist_ok=True)
    partial = out / f".{PAGE}.partial"
    text = (target_path / "static_index.html").read_text(encoding="utf-8")
    partial.write_text(mended_page(text), encoding="utf-8")
    os.replace(partial, page)
    stamp.write_text(fingerprint)
    return DbtDocs(page, generated=True)


def mended_page(page: str) -> str:
    """dbt's page without its two links to files that are nowhere (see above)."""
    page = page.replace('<use xlink:href="{{', '<use ng-attr-xlink:href="{{')
    return FAVICON_PLACEHOLDER.sub('href="data:,"', page)


def _fingerprint(warehouse: Path) -> str:
    import duckdb

    digest = hashlib.sha256()
    digest.update(PARSED_PROJECT.read_bytes() if PARSED_PROJECT.is_file() else b"")
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute(
                "select table_schema, table_name, column_name, data_type "
                "from information_schema.columns order by all"
            ).fetchall()
    except duckdb.Error as err:
        raise WarehouseUnusable(f"{warehouse}: cannot read it: {err}") from err
    digest.update(repr(rows).encode())
    return digest.hexdigest()


def _generate(warehouse: Path, target_path: Path) -> None:
    """``dbt docs generate --static`` without compiling: the page is made of the parsed project
    (every description; ``--no-compile`` reads it from the target folder, where the install's
    parse is put) and the catalog, read from the warehouse attached read-only
    (``papertrends sql`` may be reading)."""
    target_path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PARSED_PROJECT, target_path / "manifest.json")
    env = {
        **os.environ,
        "PAPERTRENDS_WAREHOUSE": str(warehouse),
        "PAPERTRENDS_DBT_READ_ONLY": "True",
        # the page loads dbt's usage tracker from the web when the manifest allows it
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [
        str(Path(DBT_BIN_DIR) / "dbt"),
        "--quiet",
        "docs",
        "generate",
        "--static",
        "--no-compile",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_path),
    ]
    done = subprocess.run(
        command,
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=DBT_TIMEOUT_SECONDS,
    )
    if done.returncode != 0 or not (target_path / "static_index.html").is_file():
        said = (done.stdout + done.stderr).strip().splitlines()
        raise PapertrendsError(
            f"dbt docs generate failed: {said[-1] if said else f'exit {done.returncode}'}"
        )
