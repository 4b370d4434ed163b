"""Great Expectations' Data Docs without network: the scripts, styles and fonts they link from
CDNs are served from the site itself.

GX's page templates load jQuery, Bootstrap, bootstrap-table, Font Awesome, Vega and a few more
from CDNs (and its logo from S3); offline such a page is a bare list with no results table. The
same files come from the npm registry as packages at the versions GX names (``package.json`` and
``package-lock.json`` at the project's root; ``make install`` runs ``npm ci``). After every Data
Docs build ``make_offline`` copies the files into the site (``static/vendor/<package>/<path>``,
the package's own layout, so a style sheet's relative ``url(../webfonts/...)`` still resolves)
and rewrites the CDN links of every page GX rendered since its last call to relative ones.
Without the packages (no npm at install) the pages keep their CDN links and work online only:
``missing_assets`` names what is missing.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipelines.settings import PROJECT_DIR

NODE_MODULES = PROJECT_DIR / "node_modules"
VENDOR_DIR = "static/vendor"  # inside the Data Docs site
# GX's own logo, which it also ships in the site's static/images
GX_ASSETS = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
LOCAL_LOGO = "static/images/logo-long.png"
# Touched after the pages were rewritten: pages older than it need no look.
REWRITTEN_STAMP = ".pages-rewritten"


@dataclass(frozen=True)
class Asset:
    """A file a GX page loads from ``url``, found in npm package ``package`` at ``path``;
    ``folders``: folders of the package it loads in turn (Font Awesome's web fonts)."""

    url: str
    package: str
    path: str
    folders: tuple[str, ...] = ()

    @property
    def local(self) -> str:
        """Its place in the site, from the site's root."""
        return f"{VENDOR_DIR}/{self.package}/{self.path}"


# Every CDN file the GX 1.x templates link (render/view/templates): the same files the CDNs
# serve from these npm packages. GX links bootstrap-table's filter-control style sheet at 1.19.0
# beside its 1.19.1 script; both are served from the one locked bootstrap-table (1.19.1).
ASSETS = (
    Asset("https://code.jquery.com/jquery-3.7.1.min.js", "jquery", "dist/jquery.min.js"),
    Asset(
        "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css",
        "bootstrap",
        "dist/css/bootstrap.min.css",
    ),
    Asset(
        "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js",
        "bootstrap",
        "dist/js/bootstrap.min.js",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js",
        "popper.js",
        "dist/umd/popper.min.js",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
        "bootstrap-table",
        "dist/bootstrap-table.min.js",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
        "bootstrap-table",
        "dist/bootstrap-table.min.css",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
        "bootstrap-table-filter-control.min.js",
        "bootstrap-table",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
        "bootstrap-table-filter-control.min.css",
        "bootstrap-table",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
        "bootstrap-table-filter-control.css",
        "bootstrap-table",
        "dist/extensions/filter-control/bootstrap-table-filter-control.css",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css",
        "@fortawesome/fontawesome-free",
        "css/all.min.css",
        folders=("webfonts",),
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
        "bootstrap-datepicker.min.js",
        "bootstrap-datepicker",
        "dist/js/bootstrap-datepicker.min.js",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
        "bootstrap-datepicker.min.css",
        "bootstrap-datepicker",
        "dist/css/bootstrap-datepicker.min.css",
    ),
    Asset(
        "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
        "bootstrap-prefers-dark.css",
        "@forevolve/bootstrap-dark",
        "dist/css/bootstrap-prefers-dark.css",
    ),
    Asset("https://cdn.jsdelivr.net/npm/vega@5", "vega", "build/vega.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/vega-lite@5", "vega-lite", "build/vega-lite.min.js"),
    Asset("https://cdn.jsdelivr.net/npm/vega-embed@6", "vega-embed", "build/vega-embed.min.js"),
)

# A CDN link as GX writes it (a quoted attribute, or inside CSS ``url('...')``); the vega ones
# end right after the major version.
_CDN_LINK = re.compile(
    "|".join(re.escape(a.url) for a in sorted(ASSETS, key=lambda a: -len(a.url))) + r"(?=[\"'])"
)
# GX's logo from S3 (with a tracking query string on the light one): GX's own copy in the site.
_GX_LOGO = re.compile(re.escape(GX_ASSETS) + r"(?:logo-long|full_logo_dark)\.png(?:\?[^\"']*)?")
# A link into the site's static folder: GX writes it one folder short on validation pages.
_STATIC_LINK = re.compile(r"(?<=href=\")(?:\./|(?:\.\./)+)static/")
# GX loads two CDN scripts with subresource integrity and CORS (crossorigin): a page opened
# from the disk may not make a CORS request for a file, so the site's own copies go without
# (tests/unit/test_offline_docs.py checks the packages' files have the hashes GX names).
_VENDOR_TAG = re.compile(rf"<(?:script|link)\b[^>]*{re.escape(VENDOR_DIR)}/[^>]*>")
_CORS_ATTRIBUTES = re.compile(r"\s+(?:integrity|crossorigin)=\"[^\"]*\"")
_BY_URL = {a.url: a for a in ASSETS}


def missing_assets(node_modules: Path = NODE_MODULES) -> list[str]:
    """The package files ``make_offline`` needs that are not installed (``package/path``)."""
    return [
        f"{asset.package}/{asset.path}"
        for asset in ASSETS
        if not (node_modules / asset.package / asset.path).is_file()
    ]


def make_offline(site: Path, node_modules: Path = NODE_MODULES) -> int:
    """Copy the CDN files into ``site`` and rewrite every page of it to load them from there;
    returns how many pages were rewritten. Does nothing when the packages are not installed."""
    if not (site / "index.html").is_file() or missing_assets(node_modules):
        return 0
    vendor_assets(site, node_modules)
    stamp = site / VENDOR_DIR / REWRITTEN_STAMP
    since = stamp.stat().st_mtime_ns if stamp.is_file() else 0
    n_pages = 0
    for page in site.rglob("*.html"):
        if page.stat().st_mtime_ns < since:
            continue  # rewritten by an earlier call, not rendered again since
        text = page.read_text(encoding="utf-8")
        offline = rewrite_page(text, _to_root(site, page))
        if offline != text:
            _replace(page, offline)
            n_pages += 1
    styles = site / "static" / "styles"
    for sheet in styles.glob("*.css") if styles.is_dir() else ():
        text = sheet.read_text(encoding="utf-8")
        offline = _GX_LOGO.sub("../../" + LOCAL_LOGO, text)
        if offline != text:
            _replace(sheet, offline)
    stamp.touch()
    return n_pages


def rewrite_page(text: str, to_root: str) -> str:
    """A page's CDN links made relative (``to_root``: the way from its folder to the site's
    root, ``""`` or ``"../../"``) without integrity and CORS attributes, and its links into
    ``static/`` made right."""
    text = _CDN_LINK.sub(lambda found: to_root + _BY_URL[found[0]].local, text)
    text = _GX_LOGO.sub(to_root + LOCAL_LOGO, text)
    text = _VENDOR_TAG.sub(lambda tag: _CORS_ATTRIBUTES.sub("", tag[0]), text)
    return _STATIC_LINK.sub(to_root + "static/", text)


def vendor_assets(site: Path, node_modules: Path = NODE_MODULES) -> None:
    """Copy each asset (with its source map, when the package has one) and the folders it
    loads into ``site/static/vendor``; a file already there with the same size and time stays."""
    for source, target in _asset_files(site, node_modules):
        try:
            same = target.stat().st_size == source.stat().st_size and int(
                target.stat().st_mtime
            ) == int(source.stat().st_mtime)
        except FileNotFoundError:
            same = False
        if not same:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def _asset_files(site: Path, node_modules: Path) -> Iterator[tuple[Path, Path]]:
    for asset in ASSETS:
        package = node_modules / asset.package
        vendor = site / VENDOR_DIR / asset.package
        names = [asset.path, asset.path + ".map"]
        for folder in asset.folders:
            names += [
                str(path.relative_to(package))
                for path in sorted((package / folder).rglob("*"))
                if path.is_file()
            ]
        for name in names:
            if (package / name).is_file():
                yield package / name, vendor / name


def _to_root(site: Path, page: Path) -> str:
    depth = len(page.relative_to(site).parts) - 1
    return "../" * depth


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file: a reader never sees half a page."""
    partial = path.with_name(f".{path.name}.offline")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
