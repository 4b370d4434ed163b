"""The docs a user opens offline: Data Docs that load their scripts and styles from the site, dbt's
docs as one page, and `papertrends docs` serving both with the trend report on 127.0.0.1."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest

from pipelines.quality.offline_docs import (
    make_offline,
    missing_assets,
)
from pipelines.settings import dbt_docs_dir
from pipelines.warehouse.dbt_docs import catalog_of, write_dbt_docs
from tests.browser import CHROMIUM, visit
from tests.conftest import BIN

SITE = Path("gx/uncommitted/data_docs/local_site")
# what a page loads (not the links a reader may follow): scripts, style sheets, images, icons
LOADED = re.compile(r"<(?:script|img)\b[^>]*\bsrc=\"([^\"]+)\"|<link\b[^>]*\bhref=\"([^\"]+)\"")

needs_packages = pytest.mark.skipif(
    shutil.which("npm") is None and bool(missing_assets()),
    reason="npm is not installed, so `make install` could not fetch the Data Docs' packages",
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)


def _site(real_run) -> Path:
    return Path(real_run.env["PAPERTRENDS_QUALITY_DIR"]) / SITE


@needs_packages
def test_every_data_docs_page_loads_only_files_of_the_site(real_run):
    site = _site(real_run)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10 and (site / "static/vendor").is_dir()
    for page in pages:
        for found in LOADED.findall(page.read_text(encoding="utf-8")):
            link = next(filter(None, found))
            if link.startswith("data:"):
                continue
            assert not re.match(r"[a-z]+:|//", link), f"{page}: loads {link}"
            assert (page.parent / link).resolve().is_file(), f"{page}: {link} is not there"
    # the style sheet's fonts, found relative to it
    fonts = site / "static/vendor/@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2"
    assert fonts.is_file()
    assert make_offline(site) == 0  # nothing left to rewrite


def test_dbt_docs_are_one_page_kept_while_project_and_columns_stay(real_run, tmp_path):
    page = dbt_docs_dir(real_run.warehouse) / "index.html"
    text = page.read_text(encoding="utf-8")
    assert "model.papertrends.papers" in text and "MANIFEST.JSON INLINE DATA" not in text
    assert '"send_anonymous_usage_stats": false' in text  # no tracker fetched from the web
    kept = write_dbt_docs(real_run.warehouse, page.parent)
    assert kept.generated is False and kept.page == page
    # the catalog inlined holds the built relations' columns with DuckDB's types
    start = text.index(',catalog:{"metadata"') + len(",catalog:")
    catalog, _ = json.JSONDecoder().raw_decode(text, start)
    papers = catalog["nodes"]["model.papertrends.papers"]
    assert papers["columns"]["paper_id"]["type"] == "VARCHAR"
    assert catalog["sources"]["source.papertrends.raw.dumps"]["metadata"]["schema"] == "raw"


def test_the_dbt_docs_catalog_lists_built_relations_and_a_new_column_renders_again(tmp_path):
    import duckdb

    manifest = {
        "nodes": {
            "model.p.a": {
                "resource_type": "model",
                "schema": "marts",
                "name": "a",
                "alias": "a",
                "database": "warehouse",
                "unique_id": "model.p.a",
            },
            "model.p.b": {
                "resource_type": "model",
                "schema": "marts",
                "name": "b",
                "alias": "b",
                "database": "warehouse",
                "unique_id": "model.p.b",
            },
            "test.p.t": {
                "resource_type": "test",
                "schema": "marts",
                "name": "t",
                "database": "warehouse",
                "unique_id": "test.p.t",
            },
        },
        "sources": {},
    }
    catalog = catalog_of(
        manifest, [("marts", "a", "x", "BIGINT", 1), ("marts", "a", "y", "DATE", 2)]
    )
    # b was never built and a test is no relation: only a, with its two typed columns
    assert list(catalog["nodes"]) == ["model.p.a"]
    assert catalog["nodes"]["model.p.a"]["columns"]["y"] == {
        "type": "DATE",
        "index": 2,
        "name": "y",
        "comment": None,
    }
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts; create table marts.a (x bigint)")
    out = tmp_path / "docs"
    assert write_dbt_docs(warehouse, out).generated is True
    assert write_dbt_docs(warehouse, out).generated is False  # same project and columns
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table marts.a add column y date")
    assert write_dbt_docs(warehouse, out).generated is True  # a new column: rendered again
    assert list((out).glob("*.partial")) == []


def test_docs_before_any_run_is_one_line_saying_how_to_make_them(papertrends):
    result = papertrends("docs", "--port", "0")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "no warehouse there yet" in result.stderr and "papertrends run" in result.stderr


def test_docs_of_a_warehouse_without_any_says_which_command_writes_them(papertrends, cli_env):
    import duckdb

    duckdb.connect(cli_env["PAPERTRENDS_WAREHOUSE"]).close()
    result = papertrends("docs", "--port", "0")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "no docs yet" in result.stderr and "`papertrends build`" in result.stderr


class DocsServer:
    """`papertrends docs --port 0` running: its base URL, stopped with TERM on exit."""

    def __init__(self, env: dict[str, str]):
        self.proc = subprocess.Popen(
            [str(BIN / "papertrends"), "docs", "--port", "0"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(self.proc.stdout.readline()))
        reader.start()
        reader.join(60)
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", first[0] if first else "")
        assert found, (first, self.proc.poll())
        self.url = found[0]

    def stop(self) -> tuple[int, str]:
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, err


@needs_packages
@needs_chromium
def test_docs_serves_every_page_offline_without_failed_requests_or_errors(real_run, tmp_path):
    server = DocsServer(real_run.env)
    try:
        base = server.url
        with urllib.request.urlopen(base) as index:
            assert index.headers["Content-Type"].startswith("text/html")
        site = _site(real_run)
        validation = next((site / "validations").rglob("*.html")).relative_to(site).as_posix()
        rows = "document.querySelectorAll('table.ge-index-page-validation-results-table tbody tr')"
        models = "document.querySelectorAll('a.menu-node[data-nav-unique-id^=\"model.\"]')"
        pages = {
            "index": ("", None, {"links": "[...document.querySelectorAll('#docs a')].length"}),
            "data docs": (
                "data-docs/",
                f"{rows}.length > 0",
                {
                    "rows": f"{rows}.length",
                    "icons": "document.fonts.check('900 16px \"Font Awesome 6 Free\"')",
                },
            ),
            "validation": (
                "data-docs/" + urllib.request.pathname2url(validation),
                "document.querySelectorAll('table.table').length > 0",
                {"bootstrap": "typeof jQuery === 'function' && typeof jQuery.fn.modal"},
            ),
            "dbt docs": (
                "dbt/#!/model/model.papertrends.papers",
                f"{models}.length > 0 && document.body.innerText.includes('first_seen')",
                {
                    "models": f"[...{models}].map(a => a.dataset.navUniqueId)",
                    "types": "document.body.innerText.includes('VARCHAR')",  # from the catalog
                },
            ),
            "report": ("report/", None, {"topics": "document.links.length"}),
        }
        for name, (path, wait_for, evaluate) in pages.items():
            seen = visit(
                base + path,
                tmp_path / name.replace(" ", "-"),
                timeout=60,
                offline=True,
                wait_for=wait_for,
                evaluate=evaluate,
            )
            assert seen.errors == [], name
            foreign = [u for u in seen.requests if not u.startswith((base, "data:"))]
            assert foreign == [], name
            if name == "index":
                assert seen.values["links"] == 3
            elif name == "data docs":
                assert seen.values["rows"] >= 5 and seen.values["icons"] is True
            elif name == "validation":
                assert seen.values["bootstrap"] == "function"
            elif name == "dbt docs":
                assert "model.papertrends.papers" in seen.values["models"]
                assert seen.values["types"] is True
    finally:
        code, err = server.stop()
    assert code == 0 and "stopped" in err


@needs_packages
@needs_chromium
def test_data_docs_and_dbt_docs_also_open_from_the_disk_offline(real_run, tmp_path):
    rows = "document.querySelectorAll('table.ge-index-page-validation-results-table tbody tr')"
    models = "document.querySelectorAll('a.menu-node[data-nav-unique-id^=\"model.\"]')"
    for name, page, wait_for in (
        ("data docs", _site(real_run) / "index.html", f"{rows}.length > 0"),
        ("dbt docs", dbt_docs_dir(real_run.warehouse) / "index.html", f"{models}.length > 0"),
    ):
        url = page.resolve().as_uri()
        seen = visit(url, tmp_path / name.replace(" ", "-"), 60, offline=True, wait_for=wait_for)
        assert seen.errors == [], name
        assert [u for u in seen.requests if not u.startswith(("file:", "data:"))] == [], name


def test_the_docs_server_serves_its_folders_only_and_to_this_machine_only(tmp_path):
    import http.client

    from pipelines import docs

    site = tmp_path / "report"
    site.mkdir()
    (site / "index.html").write_text("<p>report</p>", encoding="utf-8")
    (site / ".fingerprint").write_text("x", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    sets = (docs.DocSet("report", site, "Report", "", ""),)
    server = docs.make_server(0, docs.make_handler(sets, "<p>index</p>"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    def get(path: str, host: str = f"127.0.0.1:{port}") -> tuple[int, bytes]:
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        con.putrequest("GET", path, skip_host=True)
        con.putheader("Host", host)
        con.endheaders()
        response = con.getresponse()
        return response.status, response.read()

    try:
        assert get("/") == (200, b"<p>index</p>")
        assert get("/report/") == (200, b"<p>report</p>")
        assert get("/report/", host=f"localhost:{port}")[0] == 200
        for path in ("/report/../secret.txt", "/report/%2e%2e/secret.txt", "/secret.txt"):
            assert get(path)[0] == 404, path
        assert get("/report/.fingerprint")[0] == 404  # the pages' own bookkeeping
        assert get("/report/", host="evil.example")[0] == 421  # DNS rebinding
    finally:
        server.shutdown()
        server.server_close()
