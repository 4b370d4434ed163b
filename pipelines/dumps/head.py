"""The listing date of a dump from its first bytes and its modification time: no full parse.

The landing sensor and the raw asset need every new or changed file's listing month before
they load it (which month partitions a run covers, which files a run takes). Parsing a file in
full costs its whole size; the date line sits in the header, the first few hundred bytes. This
module reads that header with the parser's own rules (``pipelines.dumps.parse``): the same
clean-up of line ends, byte-order mark, NUL bytes and white space, the same paragraphs, the same
header (the leading run of page-chrome and date paragraphs, its first date paragraph wins), and
the same resolution of the date (``parse.listing_date``: year on the line, else inferred from the
modification time, else the modification date).

Pure: bytes and a time in, a date out. The caller reads the head (``pipelines.landing``) and, when
the answer is ``None`` (the head ends inside the header), reads more and asks again.

One case cannot agree without reading everything: a file the parser rejects for bytes beyond
the head (an invalid UTF-8 byte or binary junk after a good header) gets the modification date
from the parser, since a rejected file has no header, but its date line from here. Such a file
loads no listings either way; callers use this function alone to route files to runs, so routing
stays consistent.
"""

from __future__ import annotations

import datetime as dt
import re

from pipelines.dumps import parse

# Bytes read first; the header of a real dump is about 150 bytes.
HEAD_BYTES = 8192
# The parser sniffs HTML in the first 4096 characters of the text.
_HTML_SNIFF_CHARS = 4096
_HTML_SNIFF = re.compile(
    r"^[\s\ufeff]*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta\s)", re.IGNORECASE
)
# Unicode White_Space, what the parser's regex `\s` and polars' trimming act on (Python's `\s`
# would also take the ASCII separators 0x1c-0x1f, which are control characters there).
_WS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_WS_RUN = re.compile(f"[{_WS}]+")
_WS_CHARS = _WS.replace("\u2000-\u200a", "".join(chr(c) for c in range(0x2000, 0x200B)))
_NON_BLANK = re.compile(f"[^{_WS}\x00\ufeff]")
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The parser's date line: every white space in a paragraph is one ASCII space by then.
_DATE_LINE = re.compile(parse._DATE_LINE.removeprefix("(?i)"), re.IGNORECASE | re.ASCII)


def head_listing_date(
    head: bytes, mtime: dt.datetime, whole: bool, file_name: str | None = None
) -> tuple[dt.date, str] | None:
    """The listing date and its source (``line``, ``file_name``, ``file_name_year``,
    ``inferred``, ``file_mtime``: ``parse.listing_date``) that ``parse_dumps`` gives the file
    named ``file_name`` whose content starts with ``head`` and was modified at ``mtime`` (UTC).
    ``whole``: ``head`` is the entire file. ``None`` when the head ends before the header does:
    call again with more bytes."""
    text = _decode(head, whole)
    if text is None:  # not UTF-8: the whole file is rejected, no header
        return parse.listing_date(None, mtime, file_name)
    # A match in the head is a match in the file. No match, once the first paragraph is
    # complete (else ``_header_date`` asks for more), rules an HTML page out: a page starts
    # with a tag after white space only.
    if _HTML_SNIFF.match(text[:_HTML_SNIFF_CHARS]):
        return parse.listing_date(None, mtime, file_name)
    if whole and _rejected_whole(text):
        return parse.listing_date(None, mtime, file_name)
    found = _header_date(text, whole)
    if found is _MORE:
        return None
    return parse.listing_date(found, mtime, file_name)


_MORE = object()


def _decode(head: bytes, whole: bool) -> str | None:
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as err:
        # a head cut inside a character, or a file cut inside its last one (the parser keeps it)
        if err.end == len(head) and err.reason == "unexpected end of data":
            return head[: err.start].decode("utf-8")
        return None


def _rejected_whole(text: str) -> bool:
    """The parser's whole-file rejections that the complete text decides: blank, binary."""
    if not _NON_BLANK.search(text):
        return True
    control = len(_CONTROL.findall(text))
    return control > max(8, len(text) * parse._BINARY_CONTROL_SHARE)


def _paragraphs(text: str, whole: bool) -> list[tuple[str, bool]]:
    """(paragraph, complete) in page order, cleaned as the parser cleans them. A paragraph is
    complete when a blank line follows it inside the head, or the head is the whole file."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not whole:
        # the last line may go on beyond the head (a CR there may be half a CRLF: it ends a
        # line either way, and the line after it is dropped here)
        lines = lines[:-1]
    paragraphs: list[tuple[str, bool]] = []
    current: list[str] = []
    for line in lines:
        cleaned = _WS_RUN.sub(" ", line).strip(_WS_CHARS)
        if cleaned:
            current.append(cleaned)
        elif current:
            paragraphs.append((" ".join(current), True))
            current = []
    if current:
        paragraphs.append((" ".join(current), whole))
    return paragraphs


def _is_chrome(paragraph: str) -> bool:
    return (
        len(paragraph) <= parse._CHROME_MAX_CHARS
        and paragraph[: parse._CHROME_MAX_CHARS].lower() in parse._CHROME
    )


def _header_date(text: str, whole: bool):
    """The first date paragraph of the header as the parser's match dict, ``None`` when the
    header holds none, ``_MORE`` when the head ends inside the header."""
    for paragraph, complete in _paragraphs(text, whole):
        if not complete:
            return _MORE
        match = _DATE_LINE.match(paragraph)
        if match:
            year = match["year"]
            return {
                "month": match["month"].lower()[:3],
                "day": int(match["day"]),
                "year": int(year) if year is not None else None,
            }
        if not _is_chrome(paragraph):
            return None  # the body begins: no date line
    return None if whole else _MORE
