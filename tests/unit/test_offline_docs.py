"""Data Docs and dbt docs made to work offline (pipelines/quality/offline_docs.py,
pipelines/warehouse/dbt_docs.py): every file GX loads from a CDN comes from its locked npm
package, pages are rewritten to relative links, dbt's page asks for no missing file."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from pipelines.quality.offline_docs import (
    ASSETS,
    NODE_MODULES,
    missing_assets,
    rewrite_page,
)
from pipelines.warehouse.dbt_docs import mended_page

# what a page loads (not the links a reader may follow): scripts, style sheets, images, icons
LOADED = re.compile(r"<(?:script|img)\b[^>]*\bsrc=\"([^\"]+)\"|<link\b[^>]*\bhref=\"([^\"]+)\"")

needs_packages = pytest.mark.skipif(
    shutil.which("npm") is None and bool(missing_assets()),
    reason="npm is not installed, so `make install` could not fetch the Data Docs' packages",
)


@needs_packages
def test_every_cdn_file_comes_from_its_locked_package_at_the_version_gx_names():
    assert missing_assets() == []
    for asset in ASSETS:
        version = json.loads((NODE_MODULES / asset.package / "package.json").read_text())["version"]
        named = re.search(r"[@/-](\d+(?:\.\d+\.\d+)?)(?:/|\.min|$)", asset.url)[1]
        # bootstrap-table's filter-control sheet: GX names 1.19.0 beside its 1.19.1 script
        if asset.package == "bootstrap-table":
            named = "1.19.1"
        assert version == named or version.startswith(named + "."), (asset.url, version)


@needs_packages
def test_the_packages_files_have_the_integrity_hashes_gx_names():
    import great_expectations

    templates = Path(great_expectations.__file__).parent / "render/view/templates"
    named = re.findall(
        r'src="([^"]+)" integrity="sha384-([^"]+)"',
        (templates / "js_script_imports.j2").read_text(),
    )
    assert len(named) == 2  # popper.js and bootstrap's script
    by_url = {asset.url: asset for asset in ASSETS}
    for url, digest in named:
        asset = by_url[url]
        data = (NODE_MODULES / asset.package / asset.path).read_bytes()
        assert base64.b64encode(hashlib.sha384(data).digest()).decode() == digest, url


def test_a_page_is_rewritten_to_relative_links_at_its_depth():
    page = (
        '<link href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css">'
        '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>'
        '<script src="https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js" '
        'integrity="sha384-x" crossorigin="anonymous"></script>'
        '<script src="https://cdn.jsdelivr.net/npm/vega-lite@5"></script>'
        '<img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/'
        'logo-long.png?d=20261207T064727Z&dataContextId=x">'
        '<link rel="icon" href="../../../../static/images/favicon.ico">'
        '<a href="https://greatexpectations.io">GX</a>'
    )
    rewritten = rewrite_page(page, "../../../../../")
    assert LOADED.findall(rewritten) == [
        ("", "../../../../../static/vendor/bootstrap/dist/css/bootstrap.min.css"),
        ("../../../../../static/vendor/vega/build/vega.min.js", ""),
        ("../../../../../static/vendor/bootstrap/dist/js/bootstrap.min.js", ""),
        ("../../../../../static/vendor/vega-lite/build/vega-lite.min.js", ""),
        ("../../../../../static/images/logo-long.png", ""),
        ("", "../../../../../static/images/favicon.ico"),  # GX's link was one folder short
    ]
    assert '<a href="https://greatexpectations.io">' in rewritten  # a link, not a load
    # a page opened from the disk may not make a CORS request: the local script goes without
    assert "integrity" not in rewritten and "crossorigin" not in rewritten
    assert rewrite_page(rewritten, "../../../../../") == rewritten


def test_dbt_docs_page_asks_for_no_file_that_is_nowhere():
    page = (
        '<link rel="shortcut icon" href="${require(\'./assets/favicons/favicon.ico\')}"/>'
        "<svg><use xlink:href=\"{{ getIcon(item.type, 'on') }}\"></use></svg>"
    )
    assert mended_page(page) == (
        '<link rel="shortcut icon" href="data:,"/>'
        "<svg><use ng-attr-xlink:href=\"{{ getIcon(item.type, 'on') }}\"></use></svg>"
    )
