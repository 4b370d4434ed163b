"""The baselines papertrends is measured against: what a user would write without it.

``parse_file`` is a straightforward pure-Python parser of one dump: read the file, split it on
blank lines, skip the header up to the date line, pair titles with abstracts, normalise titles
(NFKC, case fold, letters and digits only) and hash them into a ``paper_id`` as papertrends does.

Run as a script (``python -m benchmarks.baseline RAW_DIR WAREHOUSE``) it is the user's whole
ingestion: pure-Python parse of every file, pandas to drop duplicate files (same bytes) and to
dedupe re-listed papers, then a DuckDB load of ``dumps``, ``sightings`` and ``papers`` tables.
"""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from pathlib import Path

_DATE = re.compile(
    r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(, \d{4})?$"
)


def paper_id(title: str) -> str:
    """First 16 hex digits of SHA-256 of the normalised title (the README's rule)."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    key = "".join(ch for ch in folded if ch.isalnum())
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def parse_text(name: str, text: str) -> tuple[str | None, list[tuple]]:
    """(date line, [(file name, position, paper_id, title, abstract), ...]) of one dump's text."""
    text = text.replace("\r\n", "\n")
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    paragraphs = [p for p in paragraphs if p]
    date, start = None, 0
    for i, paragraph in enumerate(paragraphs[:10]):
        if _DATE.match(paragraph):
            date, start = paragraph, i + 1
            break
    body = paragraphs[start:]
    rows = [
        (name, position, paper_id(title), title, abstract)
        for position, (title, abstract) in enumerate(zip(body[0::2], body[1::2], strict=False), 1)
    ]
    return date, rows


def parse_file(path: Path) -> tuple[str | None, list[tuple]]:
    """Read and parse one dump file."""
    return parse_text(path.name, path.read_bytes().decode("utf-8"))


def ingest(raw_dir: Path, warehouse: Path) -> tuple[int, int, int]:
    """The user's script: parse every file, dedupe with pandas, load into DuckDB.

    Returns (files loaded, listings, distinct papers).
    """
    import duckdb
    import pandas as pd

    files, sightings = [], []
    for path in sorted(raw_dir.iterdir()):
        content = path.read_bytes()
        date, rows = parse_text(path.name, content.decode("utf-8"))
        files.append((path.name, hashlib.sha256(content).hexdigest(), len(content), date))
        sightings.extend(rows)
    dumps = pd.DataFrame(files, columns=["file_name", "sha256", "n_bytes", "date_line"])
    dumps = dumps.drop_duplicates("sha256")  # the same bytes saved twice count once
    listings = pd.DataFrame(
        sightings, columns=["file_name", "position", "paper_id", "title", "abstract"]
    )
    listings = listings[listings["file_name"].isin(dumps["file_name"])]
    papers = (
        listings.drop_duplicates("paper_id", keep="last")
        .merge(listings.groupby("paper_id").size().rename("n_listings").reset_index())
        .loc[:, ["paper_id", "title", "abstract", "n_listings"]]
    )
    con = duckdb.connect(str(warehouse))
    try:
        for name, frame in (("dumps", dumps), ("sightings", listings), ("papers", papers)):
            con.register("frame", frame)
            con.execute(f"create or replace table {name} as select * from frame")
            con.unregister("frame")
    finally:
        con.close()
    return len(dumps), len(listings), len(papers)


if __name__ == "__main__":
    loaded, n_listings, n_papers = ingest(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"loaded {loaded} files, {n_listings} listings, {n_papers} papers")
