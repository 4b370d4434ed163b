"""``papertrends docs``: the dbt docs, the Data Docs and the trend report of a warehouse, served
together on 127.0.0.1 with an index page linking them.

Each set of pages is served from the folder it was written to, under its own path (``/dbt/``,
``/data-docs/``, ``/report/``), by the standard library's HTTP server: files only, no folder
listings, nothing fetched from elsewhere. The server listens on the loopback interface only, so
other machines cannot reach it.
"""

from __future__ import annotations

import html
import http.server
import posixpath
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from pipelines.report.style import head
from pipelines.settings import Settings, dbt_docs_dir

HOST = "127.0.0.1"
DATA_DOCS_SITE = Path("gx/uncommitted/data_docs/local_site")


@dataclass(frozen=True)
class DocSet:
    """One set of pages: where it is served, the folder it is served from, what it is, and the
    command that writes it."""

    mount: str
    folder: Path
    title: str
    about: str
    made_by: str

    @property
    def present(self) -> bool:
        return (self.folder / "index.html").is_file()


def doc_sets(settings: Settings) -> tuple[DocSet, ...]:
    """The warehouse's three sets of pages, in the order the index lists them."""
    return (
        DocSet(
            "dbt",
            dbt_docs_dir(settings.warehouse),
            "dbt docs",
            "every model, column and test of the warehouse with its description, lineage and "
            "column types",
            "`papertrends build` (or `run`)",
        ),
        DocSet(
            "data-docs",
            settings.quality_dir / DATA_DOCS_SITE,
            "Data Docs (Great Expectations)",
            "every suite's expectations and its latest validation results",
            "`papertrends check` (or `run`)",
        ),
        DocSet(
            "report",
            settings.reports_dir,
            "Trend report",
            "rising topics, emerging terms and the most listed papers, a page per topic, Atom "
            "feeds",
            "`papertrends report` (or `run`)",
        ),
    )


def missing_line(docs: DocSet) -> str:
    """One line: which pages are not there yet, and which command writes them."""
    return f"{docs.title}: none yet in {docs.folder} ({docs.made_by} writes them)"


def index_page(sets: tuple[DocSet, ...], warehouse: Path) -> str:
    """The page at ``/``: a link to each set of pages there is, a note for each there is not."""
    items = []
    for docs in sets:
        if docs.present:
            items.append(
                f'<li><a href="/{docs.mount}/">{html.escape(docs.title)}</a>: '
                f"{html.escape(docs.about)}</li>"
            )
        else:
            items.append(
                f'<li class="muted">{html.escape(docs.title)}: none yet '
                f"({html.escape(docs.made_by)} writes them)</li>"
            )
    return (
        '<!doctype html>\n<html lang="en">\n'
        + head("papertrends docs")
        + "\n<body><main>\n<h1>papertrends docs</h1>\n"
        + f'<p class="lede">Warehouse <code>{html.escape(str(warehouse))}</code></p>\n'
        + f'<ul id="docs">{"".join(items)}</ul>\n'
        + "</main></body>\n</html>\n"
    )


def make_handler(sets: tuple[DocSet, ...], index: str) -> type[http.server.BaseHTTPRequestHandler]:
    """A request handler serving ``index`` at ``/`` and each present set under ``/<mount>/``."""
    mounts = {docs.mount: docs.folder for docs in sets if docs.present}
    index_bytes = index.encode("utf-8")

    class DocsHandler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self._special():
                return
            super().do_GET()

        def do_HEAD(self) -> None:  # noqa: N802
            if self._special():
                return
            super().do_HEAD()

        def _special(self) -> bool:
            # a page of another site whose name was made to resolve to 127.0.0.1 (DNS
            # rebinding) sends its own name as Host: only this machine's names are served
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
            if host not in ("127.0.0.1", "localhost"):
                self.send_error(421, "Misdirected request: served to 127.0.0.1 only")
                return True
            path = urllib.parse.urlsplit(self.path).path
            if any(part.startswith(".") for part in path.split("/")):  # .fingerprint, .stamps
                self.send_error(404, "Not found")
                return True
            if path in ("/", "/index.html"):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(index_bytes)))
                self.end_headers()
                if self.command == "GET":
                    self.wfile.write(index_bytes)
                return True
            if path == "/favicon.ico":  # a browser asks for it: nothing, not an error
                self.send_response(204)
                self.end_headers()
                return True
            mount = path.strip("/").split("/", 1)[0]
            if mount in mounts and path == f"/{mount}":  # /dbt -> /dbt/ (relative links)
                self.send_response(301)
                self.send_header("Location", f"/{mount}/")
                self.end_headers()
                return True
            return False

        def translate_path(self, path: str) -> str:
            """``/<mount>/rest`` to the file ``rest`` in that set's folder; anything else to a
            path that does not exist (404)."""
            clean = posixpath.normpath(urllib.parse.unquote(urllib.parse.urlsplit(path).path))
            mount, _, rest = clean.lstrip("/").partition("/")
            folder = mounts.get(mount)
            if folder is None:
                return str(Path("/nonexistent-papertrends-docs"))
            self.directory = str(folder)
            return super().translate_path("/" + rest + ("/" if path.endswith("/") else ""))

        def list_directory(self, path):  # no folder listings
            self.send_error(404, "Not found")
            return None

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet
            return

    DocsHandler.extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".woff2": "font/woff2",
        ".ttf": "font/ttf",
        ".xml": "application/xml",
    }
    return DocsHandler


def make_server(port: int, handler) -> http.server.ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 (never another interface) at ``port`` (0: a free one)."""
    return http.server.ThreadingHTTPServer((HOST, port), handler)
