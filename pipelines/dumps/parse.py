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

Inside a batch the files are handled in file-name order and named by their index in that order
(``fid``): the frames carry a small integer rather than the name, rows of one file stay next to each
other, and "the previous/next paragraph of the same file" is a plain shift plus a ``fid`` check
instead of a window over groups.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from pipelines.dumps.identity import content_hash, paper_ids, title_keys

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
# lower-casing never shortens a text, so no paragraph longer than this is chrome
_CHROME_MAX_CHARS = max(len(line) for line in _CHROME)
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
_CONTROL = r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]"
# Every ASCII control character but "\n", in classes of at most 8 bytes: the regex engine scans
# for so small a class with SIMD, for the whole class byte by byte (far slower). A clean
# dump holds none, so these four scans clear it of binary junk and of "\r", NUL, tab, VT and FF.
_CONTROL_SCANS = (r"[\x00-\x07]", r"[\x08\x09\x0b-\x10]", r"[\x11-\x18]", r"[\x19-\x1f\x7f]")
# Headers are a few paragraphs long: the header is looked for in this many leading paragraphs of
# each file first, and in all of them only when some file's scanned paragraphs are all header.
_HEADER_SCAN = 16

_TITLE, _ABSTRACT, _TOO_LONG = 0, 1, 2


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
# Rejects inside the parser, before the file's name and hash are attached.
_FILE_REJECT_SCHEMA = {
    "fid": pl.UInt32,
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
    if shas is not None:
        return _parse(dumps, lambda: shas)
    # hashlib lets go of the GIL while it hashes, and so does polars while it computes: the
    # files are hashed on a second thread while they are parsed, and the hashes joined at the end
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(lambda: {d.file_name: content_hash(d.content) for d in dumps})
        return _parse(dumps, hashing.result)


def _parse(dumps: Sequence[DumpFile], hashes: Callable[[], dict[str, str]]) -> ParsedDumps:
    """``parse_dumps``, given a call that returns the files' hashes (asked for at the end)."""
    ordered = sorted(dumps, key=lambda d: d.file_name)  # position in this list = fid
    texts, file_rejects = _decode(ordered)
    texts, shape_rejects = _reject_by_shape(texts)

    paragraphs = _paragraphs(texts)
    headers, body = _split_header(paragraphs, len(ordered))
    listings, record_rejects = _pair(body)

    # A file that yields no listing at all is rejected whole, without its record rejects.
    with_listings = listings.get_column("fid").unique().implode()
    empty = texts.filter(~pl.col("fid").is_in(with_listings)).select(
        "fid",
        pl.lit(None, pl.Int64).alias("line_no"),
        pl.lit("no papers: no title followed by its abstract").alias("reason"),
        pl.lit(None, pl.String).alias("excerpt"),
    )
    file_rejects = pl.concat([file_rejects, shape_rejects, empty])
    record_rejects = record_rejects.filter(~pl.col("fid").is_in(empty.get_column("fid").implode()))

    file_names = pl.Series("file_name", [d.file_name for d in ordered], dtype=pl.String)
    sightings = _identify(listings, file_names)
    shas = hashes()
    file_shas = pl.Series("sha256", [shas[d.file_name] for d in ordered], dtype=pl.String)
    rejects = (
        pl.concat([file_rejects, record_rejects])
        .sort("fid", "line_no", nulls_last=False)
        .select(
            pl.lit(file_names).gather("fid").alias("file_name"),
            pl.lit(file_shas).gather("fid").alias("sha256"),
            "line_no",
            "reason",
            "excerpt",
        )
    )
    facts = _dump_facts(dumps, shas, file_names, headers, file_rejects)
    return ParsedDumps(dumps=facts, sightings=sightings, rejects=rejects)


def _decode(dumps: Sequence[DumpFile]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Decode every file as UTF-8 in one vectorised cast; reject empty and non-UTF-8 files.

    Only when the cast fails are the files decoded one by one in Python, for the offset of the
    bad byte (or to accept a file cut inside its last character).
    """
    rejects: list[tuple] = []
    fids, contents = [], []
    for fid, dump in enumerate(dumps):
        content = dump.content
        if not content or content.isspace():  # same as `not content.strip()`, without a copy
            rejects.append((fid, None, "empty file", None))
        else:
            fids.append(fid)
            contents.append(content)
    try:
        texts = pl.Series("text", contents, dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.ComputeError:  # some file is not UTF-8: find it, decode the others
        values: list[str | None] = []
        for fid, content in zip(fids, contents, strict=True):
            try:
                values.append(_decode_utf8(content))
            except UnicodeDecodeError as err:
                bad = content[err.start]
                line_no = content.count(b"\n", 0, err.start) + 1
                reason = f"not UTF-8: invalid byte 0x{bad:02x} at byte offset {err.start}"
                rejects.append((fid, line_no, reason, None))
                values.append(None)
        texts = pl.Series("text", values, dtype=pl.String)
    frame = pl.DataFrame({"fid": pl.Series(fids, dtype=pl.UInt32), "text": texts})
    frame = frame.filter(pl.col("text").is_not_null())
    return frame, pl.DataFrame(rejects, schema=_FILE_REJECT_SCHEMA, orient="row")


def _decode_utf8(content: bytes) -> str:
    """Strict UTF-8, except that a file cut inside its last character (a truncated save) loses
    only that partial character: the cut-off end is then handled like any cut-off dump."""
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.end == len(content) and err.reason == "unexpected end of data":
            return content[: err.start].decode("utf-8")
        raise


def _reject_by_shape(texts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Reject decoded files that are HTML pages, binary junk or blank once cleaned.

    Also tells, for the files kept, whether their text is ``untidy`` (see ``_paragraphs``) and
    whether it holds runs of spaces: one round of fast literal scans over every text.
    """
    text = pl.col("text")
    scans = [f"_control_{i}" for i in range(len(_CONTROL_SCANS))]
    surveyed = texts.with_columns(  # each column a task of its own: they run side by side
        *(text.str.contains(c).alias(name) for c, name in zip(_CONTROL_SCANS, scans, strict=True)),
        text.str.slice(0, 4096).str.contains(_HTML_SNIFF).alias("html"),
        text.str.contains(r"[^\s\x00\x{feff}]").alias("non_blank"),
        _untidy_lines_or_blanks(text).alias("untidy"),
        text.str.contains("  ", literal=True).alias("double_space"),
    ).with_columns(pl.any_horizontal(scans).alias("any_control"))
    # NUL is not counted: NUL padding (left by a crash) is stripped and the dump still loads.
    if surveyed.get_column("any_control").any():  # count only in the texts that have some
        counted = surveyed.filter("any_control").select(
            "fid",
            text.str.count_matches(_CONTROL).alias("control"),
            text.str.len_chars().alias("n_chars"),
            text.str.contains(r"[\x00\t\r\x0b\x0c]").alias("untidy_control"),
        )
        surveyed = surveyed.join(counted, on="fid", how="left", maintain_order="left")
        surveyed = surveyed.with_columns(
            pl.col("control").fill_null(0),
            pl.col("untidy") | pl.col("untidy_control").fill_null(False),
        )
    else:
        surveyed = surveyed.with_columns(control=pl.lit(0, pl.UInt32), n_chars=pl.lit(0, pl.UInt32))
    control = pl.col("control")
    checked = surveyed.with_columns(
        pl.when("html")
        .then(pl.lit("HTML page, not a text dump"))
        .when(control > pl.max_horizontal(pl.lit(8), pl.col("n_chars") * _BINARY_CONTROL_SHARE))
        .then(pl.format("binary content: {} control characters", control))
        .when(~pl.col("non_blank"))
        .then(pl.lit("empty file"))
        .alias("reason")
    )
    rejects = checked.filter(pl.col("reason").is_not_null()).select(
        "fid",
        pl.lit(None, pl.Int64).alias("line_no"),
        "reason",
        pl.lit(None, pl.String).alias("excerpt"),
    )
    kept = checked.filter(pl.col("reason").is_null()).select(
        "fid", "text", "untidy", "double_space"
    )
    return kept, rejects


def _untidy_lines_or_blanks(text: pl.Expr) -> pl.Expr:
    """Whether lines of the text need trimming or blank lines folding (ASCII white space only).

    A text for which this is false, and that holds no CR, NUL, tab, VT, FF or white space beyond
    ASCII, is tidy: every line is already trimmed, and paragraphs are separated by exactly one
    blank line ("\n\n"); only runs of spaces inside lines remain to collapse.
    """
    return (
        text.str.contains_any([" \n", "\n ", "\n\n\n"])
        | text.str.starts_with(" ")
        | text.str.starts_with("\n")
        | text.str.starts_with("\ufeff")
        | text.str.ends_with(" ")
    )


# White space other than " " and "\n" outside ASCII (what `\s` and trimming also act on).
_UNICODE_SPACE = r"[\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"


def _paragraphs(texts: pl.DataFrame) -> pl.DataFrame:
    """Lines -> paragraphs with the line number of their first line, per file, in page order.

    Tidy texts (the usual case) are only split into lines; the others have their line ends, BOM
    and NUL bytes normalised first, which leaves most of them tidy (a CRLF file), and the rest go
    line by line through the full clean-up. Both routes give the same lines for a tidy text. A
    text that looks tidy to the literal scans but holds white space beyond ASCII is found among
    its non-ASCII lines (few) and sent through the clean-up too.
    """
    tidy = texts.filter(~pl.col("untidy"))
    untidy = texts.filter("untidy")
    if untidy.height:
        text = pl.col("text")
        normalised = untidy.select(
            "fid",
            text.str.replace(r"^\x{feff}", "")
            .str.replace_all("\x00", "", literal=True)
            .str.replace_all("\r\n", "\n", literal=True)
            .str.replace_all("\r", "\n", literal=True),
        ).with_columns(
            (_untidy_lines_or_blanks(text) | text.str.contains(r"[\t\x0b\x0c]")).alias("untidy"),
            text.str.contains("  ", literal=True).alias("double_space"),
        )
        tidy = pl.concat([tidy, normalised.filter(~pl.col("untidy"))]).sort("fid")
        untidy = normalised.filter("untidy")
    lines = _tidy_lines(tidy)
    line = pl.col("line")
    spaced = (
        lines.filter(line.str.len_bytes() != pl.col("n_chars"))
        .filter(line.str.contains(_UNICODE_SPACE))
        .get_column("fid")
        .unique()
    )
    if spaced.len():
        lines = lines.filter(~pl.col("fid").is_in(spaced.implode()))
        untidy = pl.concat([untidy, tidy.filter(pl.col("fid").is_in(spaced.implode()))])
    if untidy.height:
        lines = pl.concat([lines, _untidy_lines(untidy)]).sort("fid", "line_no")
    return _join_lines(lines)


def _tidy_lines(texts: pl.DataFrame) -> pl.DataFrame:
    """Non-blank lines of tidy texts, runs of spaces collapsed, with their line numbers."""
    if texts.get_column("double_space").any():  # only the texts that have runs are rewritten
        texts = pl.concat(
            [
                texts.filter(~pl.col("double_space")),
                texts.filter("double_space").with_columns(
                    pl.col("text").str.replace_all(" {2,}", " ")
                ),
            ]
        ).sort("fid")
    return _non_empty(_split_lines(texts))


def _split_lines(texts: pl.DataFrame) -> pl.DataFrame:
    """Split texts into lines: (fid, line_no, line)."""
    line = pl.col("line")
    split = texts.select("fid", pl.col("text").str.split("\n").alias("line"))
    return split.with_columns(
        pl.int_ranges(1, line.list.len() + 1, dtype=pl.Int64).alias("line_no")
    ).explode("line", "line_no")


def _non_empty(lines: pl.DataFrame) -> pl.DataFrame:
    """The non-empty lines, with their length in characters."""
    line = pl.col("line")
    return lines.filter(line.str.len_bytes() > 0).with_columns(
        line.str.len_chars().alias("n_chars")
    )


def _untidy_lines(texts: pl.DataFrame) -> pl.DataFrame:
    """Non-blank lines of texts with normalised line ends, white space cleaned up line by line."""
    lines = _split_lines(texts).with_columns(
        # runs of white space become one space (same as `\s+` -> " ", far fewer matches)
        pl.col("line").str.replace_all(r"\s{2,}|[^\S ]", " ").str.strip_chars()
    )
    return _non_empty(lines)


def _join_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """Runs of consecutive non-blank lines -> paragraphs (lines joined with a space), numbered."""
    fid, line_no = pl.col("fid"), pl.col("line_no")
    continues = ((fid == fid.shift(1)) & (line_no == line_no.shift(1) + 1)).fill_null(False)
    lines = lines.with_columns(continues.alias("continues"))
    if lines.get_column("continues").any():  # some paragraph spans lines (a hard-wrapped text)
        multi = pl.col("continues") | pl.col("continues").shift(-1).fill_null(False)
        joined = (
            lines.filter(multi)
            .with_columns((~pl.col("continues")).cum_sum().alias("_paragraph"))
            .group_by("_paragraph", maintain_order=True)
            .agg(
                fid.first(),
                line_no.first(),
                pl.col("line").str.join(" "),
                (pl.col("n_chars").sum() + pl.len() - 1).alias("n_chars"),
            )
        )
        columns = ["fid", "line_no", "line", "n_chars"]
        lines = pl.concat(
            [lines.filter(~multi).select(columns), joined.select(columns)], how="vertical_relaxed"
        ).sort("fid", "line_no")
    return lines.select(
        "fid",
        _row_in_file().alias("paragraph"),
        "line_no",
        pl.col("line").alias("text"),
        pl.col("n_chars").cast(pl.Int64),
    )


def _row_in_file() -> pl.Expr:
    """0-based index of each row among the rows of its file (rows of a file are contiguous)."""
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    first = (pl.col("fid") != pl.col("fid").shift(1)).fill_null(True)
    return row - pl.when(first).then(row).forward_fill()


def _split_header(paragraphs: pl.DataFrame, n_files: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split the leading chrome/date paragraphs (the header) from the body; read the date."""
    header = _header(paragraphs.filter(pl.col("paragraph") < _HEADER_SCAN))
    per_file = header.group_by("fid").len()
    if per_file.height and per_file.get_column("len").max() >= _HEADER_SCAN:
        header = _header(paragraphs)  # a header may run on past the paragraphs scanned
        per_file = header.group_by("fid").len()
    header_len = pl.zeros(n_files, pl.Int64, eager=True).scatter(
        per_file.get_column("fid"), per_file.get_column("len")
    )
    body = paragraphs.filter(pl.col("paragraph") >= pl.lit(header_len).gather(pl.col("fid")))
    dates = (
        header.filter("is_date")
        .group_by("fid", maintain_order=True)
        .agg(pl.col("text").first())
        .with_columns(pl.col("text").str.extract_groups(_DATE_LINE).alias("date"))
        .select(
            "fid",
            pl.col("date").struct.field("month").str.to_lowercase().str.slice(0, 3).alias("month"),
            pl.col("date").struct.field("day").cast(pl.Int32).alias("day"),
            pl.col("date").struct.field("year").cast(pl.Int32).alias("year"),
        )
    )
    return dates, body


def _header(paragraphs: pl.DataFrame) -> pl.DataFrame:
    """The leading run of chrome/date paragraphs of each file, with which of them are dates."""
    text = pl.col("text")
    is_date = text.str.contains(_DATE_LINE)
    is_chrome = (pl.col("n_chars") <= _CHROME_MAX_CHARS) & text.str.head(
        _CHROME_MAX_CHARS
    ).str.to_lowercase().is_in(_CHROME)
    is_header_like = is_chrome | is_date
    marked = paragraphs.select(
        "fid",
        "text",
        is_date.alias("is_date"),
        (~is_header_like).cast(pl.Int32).cum_sum().over("fid").alias("_body_seen"),
    )
    return marked.filter(pl.col("_body_seen") == 0)


def _pair(body: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Pair each title with the abstract right after it; quarantine everything that does not pair."""
    n_chars = pl.col("n_chars")
    kind = (
        pl.when(n_chars > MAX_PARAGRAPH_CHARS)
        .then(_TOO_LONG)
        .when(n_chars > TITLE_MAX_CHARS)
        .then(_ABSTRACT)
        .otherwise(_TITLE)
        .cast(pl.Int8)
    )
    fid = pl.col("fid")
    # null at a file's first/last paragraph: no neighbour, which must read as "no"
    next_kind = pl.when(fid.shift(-1) == fid).then(pl.col("kind").shift(-1))
    prev_kind = pl.when(fid.shift(1) == fid).then(pl.col("kind").shift(1))
    classified = body.with_columns(kind.alias("kind")).with_columns(
        next_kind.alias("next_kind"),
        prev_kind.alias("prev_kind"),
        pl.col("text").shift(-1).alias("next_text"),
    )
    is_title = pl.col("kind") == _TITLE
    is_listing = (is_title & (pl.col("next_kind") == _ABSTRACT)).fill_null(False)
    is_paired_abstract = (
        (pl.col("kind") == _ABSTRACT) & (pl.col("prev_kind") == _TITLE)
    ).fill_null(False)

    listings = classified.filter(is_listing).select(
        "fid",
        (_row_in_file() + 1).cast(pl.Int32).alias("position"),
        pl.col("text").alias("title"),
        pl.col("next_text").alias("abstract"),
    )
    reason = (
        pl.when(pl.col("kind") == _TOO_LONG)
        .then(pl.format("paragraph too long: {} characters (limit 20000)", n_chars))
        .when(is_title & (pl.col("next_kind") == _TOO_LONG))
        .then(pl.lit("orphan title: its abstract was rejected as too long"))
        .when(is_title & pl.col("next_kind").is_null())
        .then(pl.lit("orphan title: no abstract before the end of the dump (cut off?)"))
        .when(is_title)
        .then(pl.lit("orphan title: followed by another title, its abstract is missing"))
        .otherwise(pl.lit("orphan abstract: no title before it"))
    )
    rejects = classified.filter(~is_listing & ~is_paired_abstract).select(
        "fid",
        "line_no",
        reason.alias("reason"),
        pl.col("text").str.slice(0, EXCERPT_CHARS).alias("excerpt"),
    )
    return listings, rejects


def _identify(listings: pl.DataFrame, file_names: pl.Series) -> pl.DataFrame:
    """Attach ``file_name`` and ``paper_id`` to each listing, hashing each distinct key once."""
    keyed = listings.with_columns(title_keys(listings.get_column("title")).alias("_key"))
    keys = keyed.select(pl.col("_key").unique())
    keys = keys.with_columns(paper_ids(keys.get_column("_key")).alias("paper_id"))
    return (
        keyed.join(keys, on="_key", how="left", maintain_order="left")
        .sort("fid", "position")
        .select(
            pl.lit(file_names).gather("fid").alias("file_name"),
            "position",
            "paper_id",
            "title",
            "abstract",
        )
        .cast(SIGHTING_SCHEMA)
    )


def _dump_facts(
    dumps: Sequence[DumpFile],
    shas: dict[str, str],
    file_names: pl.Series,
    dates: pl.DataFrame,
    file_rejects: pl.DataFrame,
) -> pl.DataFrame:
    """One row per input file, in input order: hash, size, listing date with its source, status."""
    names = file_names.to_list()
    found = {names[row["fid"]]: row for row in dates.iter_rows(named=True)}
    rejected = {
        names[fid]: reason
        for fid, reason in zip(
            file_rejects["fid"].to_list(), file_rejects["reason"].to_list(), strict=True
        )
    }
    columns: dict[str, list] = {name: [] for name in DUMP_SCHEMA}
    for dump in dumps:  # one iteration per file, not per line
        name = dump.file_name
        date, source = listing_date(found.get(name), dump.mtime, name)
        columns["file_name"].append(name)
        columns["sha256"].append(shas[name])
        columns["n_bytes"].append(len(dump.content))
        columns["listing_date"].append(date)
        columns["listing_date_source"].append(source)
        columns["parse_status"].append("rejected" if name in rejected else "ok")
        columns["reason"].append(rejected.get(name))
    return pl.DataFrame(columns, schema=DUMP_SCHEMA)


# A full date in a file name, as people name saved pages: 2024-08-25, 20240825, 2024_08_25, with
# or without other text around it (not inside a longer run of digits).
_FILE_NAME_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})([-_]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)"
)


def file_name_date(file_name: str) -> dt.date | None:
    """The first real date written in ``file_name`` (``2024-08-25``, ``20240825``,
    ``2024_08_25``), or None."""
    for match in _FILE_NAME_DATE.finditer(file_name):
        try:
            return dt.date(int(match[1]), int(match[3]), int(match[4]))
        except ValueError:  # 2023-02-29
            continue
    return None


def listing_date(
    found: dict | None, mtime: dt.datetime, file_name: str | None = None
) -> tuple[dt.date, str]:
    """Resolve a listing date from a header date line (month, day, maybe year), the file name
    and the file mtime, in this order:

    * a year on the line: that date (``line``);
    * a full date in the file name (:func:`file_name_date`) that agrees with the line's month
      and day, or with no usable date line: the file name's date (``file_name``);
    * a file name date whose month and day differ from the line's: the line's month and day in
      the file name's year, or the year before or after when that is nearer the file name's date
      (a page of 31 December saved as ``2025-01-01``) (``file_name_year``: raw.dumps says the
      two disagreed);
    * else the latest date with the line's month and day not after the file's modification
      date (``inferred``);
    * no date line, or an impossible date (``Feb 30``), and no date in the name: the
      modification date itself (``file_mtime``).
    """
    modified = mtime.date()
    named = file_name_date(file_name) if file_name else None
    fallback = (named, "file_name") if named else (modified, "file_mtime")
    if not found:
        return fallback
    month, day, year = _MONTHS[found["month"]], found["day"], found["year"]
    if year is not None:
        try:
            return dt.date(year, month, day), "line"
        except ValueError:
            return fallback
    if named is not None:
        if (month, day) == (named.month, named.day):
            return named, "file_name"
        candidates = []
        for candidate_year in (named.year - 1, named.year, named.year + 1):
            try:
                candidates.append(dt.date(candidate_year, month, day))
            except ValueError:  # Feb 29 outside a leap year, or Apr 31
                continue
        if not candidates:
            return fallback
        return min(candidates, key=lambda d: (abs(d - named), d.year != named.year)), (
            "file_name_year"
        )
    for candidate_year in range(modified.year, modified.year - 9, -1):
        try:
            candidate = dt.date(candidate_year, month, day)
        except ValueError:  # Feb 29 outside a leap year, or Apr 31
            continue
        if candidate <= modified:
            return candidate, "inferred"
    return modified, "file_mtime"
