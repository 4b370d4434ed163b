"""Parse "Daily Papers" text dumps (bytes) into polars frames: listings, rejects and dump facts.

Pure: the caller hands over each file's name, bytes and modification time; nothing here touches the
file system or the warehouse. Many dumps are parsed in one batch so that every step after decoding
is one vectorised polars expression over all their lines at once (no Python loop over lines).

The rules, following ``shared/FORMAT.md``:

* A whole file is rejected (one reason, naming the byte offset for encoding errors) when it is
  empty, not UTF-8, binary, an HTML page, or holds no title/abstract pair at all.
* Line endings (CRLF, CR), a byte-order mark, NUL bytes, tabs, trailing spaces and runs of blank
  lines are normalised away; paragraphs are runs of non-blank lines, joined with a space.
* The header (page chrome and the listing date line) is the leading run of chrome/date paragraphs.
* Each body paragraph is classified as a title or an abstract by its shape. A title followed by an
  abstract is a listing; anything else (an orphan title, an orphan abstract, a paragraph over
  20,000 characters) is quarantined as a reject with its line number, and pairing never slides:
  every listing keeps its own abstract.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from pipelines.dumps.identity import content_hash, paper_ids, title_key

MAX_PARAGRAPH_CHARS = 20_000
EXCERPT_CHARS = 200
# A paragraph longer than this is an abstract, a shorter one a title. Real titles are 15-180
# characters, real abstracts 1,300-2,000; titles may hold "? A ..." or ". I. ..." so sentence shape
# is no guide. An abstract cut below this length is quarantined with its title, never mis-paired.
TITLE_MAX_CHARS = 250

_CHROME = [
    "new",
    "get trending papers in your email inbox!",
    "subscribe",
    "daily papers",
    "byak and the research community",
]
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_DATE_LINE = (
    r"(?i)^(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
    r"\s+(?P<day>\d{1,2})(?:(?:,\s*|\s+)(?P<year>\d{4}))?$"
)
# Only at the start of the document: an abstract may mention "<html>" tags.
_HTML_SNIFF = r"(?i)^[\s\x{feff}]*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta\s)"
# Share of control characters (other than tab/newline/CR/NUL-stripping) above which a file is
# treated as binary junk even when it happens to decode as UTF-8.
_BINARY_CONTROL_SHARE = 0.01


@dataclass(frozen=True)
class DumpFile:
    """One dump as read from disk: its file name, raw bytes and modification time (UTC)."""

    file_name: str
    content: bytes
    mtime: dt.datetime


@dataclass(frozen=True)
class ParsedDumps:
    """The result of parsing a batch of dumps.

    ``dumps``: one row per input file (``file_name, sha256, n_bytes, listing_date,
    listing_date_source, parse_status`` ok | rejected, ``reason``).
    ``sightings``: one row per listing (``file_name, position, paper_id, title, abstract``).
    ``rejects``: one row per quarantined record or rejected file (``file_name, sha256, line_no,
    reason, excerpt``).
    """

    dumps: pl.DataFrame
    sightings: pl.DataFrame
    rejects: pl.DataFrame


DUMP_SCHEMA = {
    "file_name": pl.String,
    "sha256": pl.String,
    "n_bytes": pl.Int64,
    "listing_date": pl.Date,
    "listing_date_source": pl.String,
    "parse_status": pl.String,
    "reason": pl.String,
}
SIGHTING_SCHEMA = {
    "file_name": pl.String,
    "position": pl.Int32,
    "paper_id": pl.String,
    "title": pl.String,
    "abstract": pl.String,
}
REJECT_SCHEMA = {
    "file_name": pl.String,
    "sha256": pl.String,
    "line_no": pl.Int64,
    "reason": pl.String,
    "excerpt": pl.String,
}


def parse_dump(dump: DumpFile) -> ParsedDumps:
    """Parse a single dump (see ``parse_dumps``)."""
    return parse_dumps([dump])


def parse_dumps(dumps: Sequence[DumpFile], shas: dict[str, str] | None = None) -> ParsedDumps:
    """Parse a batch of dumps into listings, rejects and one fact row per file.

    ``shas`` (file name -> SHA-256 of its content) saves hashing again when the caller has.
    """
    names = [d.file_name for d in dumps]
    if len(set(names)) != len(names):
        raise ValueError("a batch holds one version per file name")
    if shas is None:
        shas = {d.file_name: content_hash(d.content) for d in dumps}
    texts, file_rejects = _decode(dumps, shas)
    texts, shape_rejects = _reject_by_shape(texts)
    file_rejects = pl.concat([file_rejects, shape_rejects])

    paragraphs = _paragraphs(texts)
    headers, body = _split_header(paragraphs)
    listings, record_rejects = _pair(body)

    # A file that yields no listing at all is rejected whole.
    with_listings = listings.select("file_name").unique()
    empty = texts.join(with_listings, on="file_name", how="anti").select(
        "file_name",
        "sha256",
        pl.lit(None, pl.Int64).alias("line_no"),
        pl.lit("no papers: no title followed by its abstract").alias("reason"),
        pl.lit(None, pl.String).alias("excerpt"),
    )
    file_rejects = pl.concat([file_rejects, empty])
    record_rejects = (
        record_rejects.join(empty.select("file_name"), on="file_name", how="anti")
        .drop("sha256")
        .join(texts.select("file_name", "sha256"), on="file_name", how="left")
        .select(list(REJECT_SCHEMA))
    )
    listings = listings.join(empty.select("file_name"), on="file_name", how="anti")

    sightings = _identify(listings)
    facts = _dump_facts(dumps, shas, headers, file_rejects)
    rejects = pl.concat([file_rejects, record_rejects]).sort(
        "file_name", "line_no", nulls_last=False
    )
    return ParsedDumps(dumps=facts, sightings=sightings, rejects=rejects)


def _decode(dumps: Sequence[DumpFile], shas: dict[str, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Decode every file as UTF-8 in one vectorised cast; reject empty and non-UTF-8 files.

    Only when the cast fails are the files decoded one by one in Python, for the offset of the
    bad byte (or to accept a file cut inside its last character).
    """
    rejects: list[dict] = []
    kept = []
    for dump in dumps:
        content = dump.content
        if not content or content.isspace():  # same as `not content.strip()`, without a copy
            rejects.append(_file_reject(dump.file_name, shas[dump.file_name], None, "empty file"))
        else:
            kept.append(dump)
    try:
        texts = pl.Series("text", [d.content for d in kept], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.ComputeError:  # some file is not UTF-8: find it, decode the others
        values: list[str | None] = []
        for dump in kept:
            try:
                values.append(_decode_utf8(dump.content))
            except UnicodeDecodeError as err:
                bad = dump.content[err.start]
                line_no = dump.content.count(b"\n", 0, err.start) + 1
                reason = f"not UTF-8: invalid byte 0x{bad:02x} at byte offset {err.start}"
                rejects.append(_file_reject(dump.file_name, shas[dump.file_name], line_no, reason))
                values.append(None)
        texts = pl.Series("text", values, dtype=pl.String)
    frame = pl.DataFrame(
        {
            "file_name": pl.Series([d.file_name for d in kept], dtype=pl.String),
            "sha256": pl.Series([shas[d.file_name] for d in kept], dtype=pl.String),
            "text": texts,
        }
    ).filter(pl.col("text").is_not_null())
    return frame, pl.DataFrame(rejects, schema=REJECT_SCHEMA)


def _decode_utf8(content: bytes) -> str:
    """Strict UTF-8, except that a file cut inside its last character (a truncated save) loses
    only that partial character: the cut-off end is then handled like any cut-off dump."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.end == len(content) and err.reason == "unexpected end of data":
            return content[: err.start].decode("utf-8")
        raise


def _file_reject(file_name: str, sha: str, line_no: int | None, reason: str) -> dict:
    return {
        "file_name": file_name,
        "sha256": sha,
        "line_no": line_no,
        "reason": reason,
        "excerpt": None,
    }


def _reject_by_shape(texts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Reject decoded files that are HTML pages, binary junk or blank once cleaned."""
    n_chars = pl.col("text").str.len_chars()
    # NUL is not counted: NUL padding (left by a crash) is stripped and the dump still loads.
    control = pl.col("text").str.count_matches(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
    checked = texts.with_columns(
        pl.when(pl.col("text").str.slice(0, 4096).str.contains(_HTML_SNIFF))
        .then(pl.lit("HTML page, not a text dump"))
        .when(control > pl.max_horizontal(pl.lit(8), n_chars * _BINARY_CONTROL_SHARE))
        .then(pl.format("binary content: {} control characters", control))
        .when(~pl.col("text").str.contains(r"[^\s\x00\x{feff}]"))
        .then(pl.lit("empty file"))
        .alias("reason")
    )
    rejects = checked.filter(pl.col("reason").is_not_null()).select(
        "file_name",
        "sha256",
        pl.lit(None, pl.Int64).alias("line_no"),
        "reason",
        pl.lit(None, pl.String).alias("excerpt"),
    )
    return checked.filter(pl.col("reason").is_null()).drop("reason"), rejects


# A text holding none of these needs little clean-up: every line is already trimmed, and
# paragraphs are separated by exactly one blank line ("\n\n").
# Runs of spaces inside a line are allowed: they are collapsed with a literal replace.
_UNTIDY = ("\r", "\x00", "\t", "\x0b", "\x0c", " \n", "\n ", "\n\n\n")
# White space other than " " and "\n" outside ASCII (what `\s` and trimming also act on).
_UNICODE_SPACE = r"[\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"


def _paragraphs(texts: pl.DataFrame) -> pl.DataFrame:
    """Lines -> paragraphs with the line number of their first line, per file, in page order.

    Tidy texts (the usual case: see ``_is_tidy``) are split on blank lines directly; the others
    go line by line through the full clean-up. Both give the same paragraphs for a tidy text.
    """
    tidy = _is_tidy(texts)
    if tidy.all():  # also when there are no texts at all
        return _tidy_paragraphs(texts)
    if not tidy.any():
        return _untidy_paragraphs(texts)
    return pl.concat(
        [_tidy_paragraphs(texts.filter(tidy)), _untidy_paragraphs(texts.filter(~tidy))]
    )


def _is_tidy(texts: pl.DataFrame) -> pl.Series:
    """Texts whose lines need no white-space clean-up, decided with literal (SIMD) searches; the
    regex for non-ASCII white space runs only on the texts that are not ASCII."""
    text = pl.col("text")
    untidy = pl.any_horizontal(*(text.str.contains(s, literal=True) for s in _UNTIDY))
    untidy = untidy | text.str.starts_with(" ") | text.str.starts_with("\n")
    untidy = untidy | text.str.starts_with("\ufeff") | text.str.ends_with(" ")
    ascii_only = text.str.len_bytes() == text.str.len_chars()
    flags = texts.select(untidy.alias("untidy"), ascii_only.alias("ascii"))
    odd_space = pl.Series([False] * texts.height, dtype=pl.Boolean)
    if not flags["ascii"].all():
        others = texts.filter(~flags["ascii"]).select(text.str.contains(_UNICODE_SPACE)).to_series()
        odd_space = odd_space.scatter(flags["ascii"].not_().arg_true(), others)
    return ~(flags["untidy"] | odd_space)


def _tidy_paragraphs(texts: pl.DataFrame) -> pl.DataFrame:
    """Paragraphs of tidy texts: runs of spaces collapsed, split on "\n\n", lines inside a
    paragraph joined by a space."""
    while texts.height and texts.get_column("text").str.contains("  ", literal=True).any():
        texts = texts.with_columns(pl.col("text").str.replace_all("  ", " ", literal=True))
    paragraphs = texts.select(
        "file_name",
        pl.col("text").str.strip_chars_end("\n").str.split("\n\n").alias("text"),
    ).explode("text")
    newlines = pl.col("text").str.count_matches("\n", literal=True)
    return paragraphs.select(
        "file_name",
        pl.int_range(pl.len(), dtype=pl.Int32).over("file_name").alias("paragraph"),
        # a paragraph's first line: after the earlier paragraphs' lines and one blank line each
        ((newlines + 2).cum_sum().over("file_name") - newlines - 1).cast(pl.Int64).alias("line_no"),
        pl.col("text").str.replace_all("\n", " ", literal=True),
    )


def _untidy_paragraphs(texts: pl.DataFrame) -> pl.DataFrame:
    """Paragraphs of any text: line endings, BOM, NUL, white space normalised line by line."""
    lines = (
        texts.select(
            "file_name",
            pl.col("text")
            .str.replace(r"^\x{feff}", "")
            .str.replace_all("\x00", "", literal=True)
            .str.replace_all("\r\n", "\n", literal=True)
            .str.replace_all("\r", "\n", literal=True)
            .str.split("\n")
            .alias("line"),
        )
        .explode("line")
        .with_columns(
            (pl.int_range(pl.len()).over("file_name") + 1).alias("line_no"),
            # runs of white space become one space (same as `\s+` -> " ", far fewer matches)
            pl.col("line").str.replace_all(r"\s{2,}|[^\S ]", " ").str.strip_chars(),
        )
    )
    blank = pl.col("line") == ""
    starts = ~blank & (blank.shift(1, fill_value=True).over("file_name"))
    return (
        lines.with_columns(starts.cast(pl.Int32).cum_sum().over("file_name").alias("paragraph"))
        .filter(~blank)
        .group_by("file_name", "paragraph", maintain_order=True)
        .agg(pl.col("line_no").first(), pl.col("line").str.join(" ").alias("text"))
        .with_columns((pl.col("paragraph") - 1).alias("paragraph"))
    )


def _split_header(paragraphs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split the leading chrome/date paragraphs (the header) from the body; read the date."""
    lowered = pl.col("text").str.to_lowercase()
    is_date = pl.col("text").str.contains(_DATE_LINE)
    is_header_like = lowered.is_in(_CHROME) | is_date
    marked = paragraphs.with_columns(
        is_date.alias("is_date"),
        (~is_header_like).cast(pl.Int32).cum_sum().over("file_name").alias("_body_seen"),
    )
    header = marked.filter(pl.col("_body_seen") == 0)
    dates = (
        header.filter("is_date")
        .group_by("file_name", maintain_order=True)
        .agg(pl.col("text").first())
        .with_columns(pl.col("text").str.extract_groups(_DATE_LINE).alias("date"))
        .select(
            "file_name",
            pl.col("date").struct.field("month").str.to_lowercase().str.slice(0, 3).alias("month"),
            pl.col("date").struct.field("day").cast(pl.Int32).alias("day"),
            pl.col("date").struct.field("year").cast(pl.Int32).alias("year"),
        )
    )
    body = marked.filter(pl.col("_body_seen") > 0).drop("_body_seen", "is_date")
    return dates, body


def _pair(body: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Pair each title with the abstract right after it; quarantine everything that does not pair."""
    n_chars = pl.col("text").str.len_chars()
    kind = (
        pl.when(n_chars > MAX_PARAGRAPH_CHARS)
        .then(pl.lit("too_long"))
        .when(n_chars > TITLE_MAX_CHARS)
        .then(pl.lit("abstract"))
        .otherwise(pl.lit("title"))
    )
    classified = body.with_columns(kind.alias("kind"), n_chars.alias("n_chars")).with_columns(
        pl.col("kind").shift(-1).over("file_name").alias("next_kind"),
        pl.col("kind").shift(1).over("file_name").alias("prev_kind"),
        pl.col("text").shift(-1).over("file_name").alias("next_text"),
    )
    # fill_null: the first/last paragraph of a file has no neighbour, which must read as "no".
    is_listing = ((pl.col("kind") == "title") & (pl.col("next_kind") == "abstract")).fill_null(
        False
    )
    is_paired_abstract = (
        (pl.col("kind") == "abstract") & (pl.col("prev_kind") == "title")
    ).fill_null(False)

    listings = classified.filter(is_listing).select(
        "file_name",
        (pl.int_range(pl.len()).over("file_name") + 1).cast(pl.Int32).alias("position"),
        pl.col("text").alias("title"),
        pl.col("next_text").alias("abstract"),
    )
    reason = (
        pl.when(pl.col("kind") == "too_long")
        .then(pl.format("paragraph too long: {} characters (limit 20000)", pl.col("n_chars")))
        .when((pl.col("kind") == "title") & (pl.col("next_kind") == "too_long"))
        .then(pl.lit("orphan title: its abstract was rejected as too long"))
        .when((pl.col("kind") == "title") & pl.col("next_kind").is_null())
        .then(pl.lit("orphan title: no abstract before the end of the dump (cut off?)"))
        .when(pl.col("kind") == "title")
        .then(pl.lit("orphan title: followed by another title, its abstract is missing"))
        .otherwise(pl.lit("orphan abstract: no title before it"))
    )
    rejects = classified.filter(~is_listing & ~is_paired_abstract).select(
        "file_name",
        pl.lit(None, pl.String).alias("sha256"),
        pl.col("line_no").cast(pl.Int64),
        reason.alias("reason"),
        pl.col("text").str.slice(0, EXCERPT_CHARS).alias("excerpt"),
    )
    return listings, rejects


def _identify(listings: pl.DataFrame) -> pl.DataFrame:
    """Attach ``paper_id`` to each listing, hashing each distinct normalised title once."""
    # Key each distinct title once; ASCII titles take a cheaper route to the same key (NFKC and
    # case folding leave ASCII as lower-casing does; its letters and digits are [a-z0-9]).
    titles = listings.select(pl.col("title").unique())
    ascii_only = pl.col("title").str.len_bytes() == pl.col("title").str.len_chars()
    keyed_titles = pl.concat(
        [
            titles.filter(ascii_only).with_columns(
                pl.col("title").str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "").alias("_key")
            ),
            titles.filter(~ascii_only).with_columns(title_key(pl.col("title")).alias("_key")),
        ]
    )
    keyed = listings.join(keyed_titles, on="title", how="left")
    keys = keyed_titles.select(pl.col("_key").unique())
    keys = keys.with_columns(paper_ids(keys.get_column("_key")).alias("paper_id"))
    return (
        keyed.join(keys, on="_key", how="left")
        .select(list(SIGHTING_SCHEMA))
        .cast(SIGHTING_SCHEMA)
        .sort("file_name", "position")
    )


def _dump_facts(
    dumps: Sequence[DumpFile],
    shas: dict[str, str],
    dates: pl.DataFrame,
    file_rejects: pl.DataFrame,
) -> pl.DataFrame:
    """One row per input file: hash, size, listing date with its source, parse status."""
    found = {row["file_name"]: row for row in dates.iter_rows(named=True)}
    rejected = dict(
        zip(file_rejects["file_name"].to_list(), file_rejects["reason"].to_list(), strict=True)
    )
    rows = []
    for dump in dumps:  # one iteration per file, not per line
        date, source = listing_date(found.get(dump.file_name), dump.mtime)
        rows.append(
            {
                "file_name": dump.file_name,
                "sha256": shas[dump.file_name],
                "n_bytes": len(dump.content),
                "listing_date": date,
                "listing_date_source": source,
                "parse_status": "rejected" if dump.file_name in rejected else "ok",
                "reason": rejected.get(dump.file_name),
            }
        )
    return pl.DataFrame(rows, schema=DUMP_SCHEMA)


def listing_date(found: dict | None, mtime: dt.datetime) -> tuple[dt.date, str]:
    """Resolve a listing date from a header date line (month, day, maybe year) and the file mtime.

    With a year on the line: that date (``line``). Without: the latest date with that month and
    day not after the file's modification date (``inferred``). No date line, or an impossible
    date (``Feb 30``): the modification date itself (``file_mtime``).
    """
    modified = mtime.date()
    if not found:
        return modified, "file_mtime"
    month, day, year = _MONTHS[found["month"]], found["day"], found["year"]
    if year is not None:
        try:
            return dt.date(year, month, day), "line"
        except ValueError:
            return modified, "file_mtime"
    for candidate_year in range(modified.year, modified.year - 9, -1):
        try:
            candidate = dt.date(candidate_year, month, day)
        except ValueError:  # Feb 29 outside a leap year, or Apr 31
            continue
        if candidate <= modified:
            return candidate, "inferred"
    return modified, "file_mtime"
