"""The listing date from a file's head agrees with the full parser's (``parse_dumps``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipelines.dumps.head import head_listing_date
from pipelines.dumps.parse import DumpFile, parse_dumps
from pipelines.landing import LandedFile, file_mtime, read_listing_date, scan_landing
from tests.dumpkit import CHROME, FIXTURES, SHARED_DUMPS, compose_dump, paper, write_dump

DUMP_FIXTURES = FIXTURES / "dumps"
MTIME = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC).timestamp()
# Head sizes: tiny ones make the reader grow its head many times, cut CRLF pairs and UTF-8
# characters in two, and stop inside the chrome, the date line and the first title.
HEAD_SIZES = (1, 7, 64, 100, 8192)


def _parsed(file: LandedFile) -> tuple[tuple[dt.date, str], str, str | None]:
    dump = DumpFile(file.file_name, file.path.read_bytes(), file_mtime(file))
    (row,) = parse_dumps([dump]).dumps.iter_rows(named=True)
    return (row["listing_date"], row["listing_date_source"]), row["parse_status"], row["reason"]


def _beyond_head(reason: str | None) -> bool:
    """Rejections decided by bytes that a head may not hold (see pipelines.dumps.head)."""
    return reason is not None and reason.startswith(("not UTF-8", "binary content"))


def _assert_agrees(folder: Path, head_sizes=HEAD_SIZES) -> int:
    checked = 0
    for file in scan_landing(folder):
        expected, status, reason = _parsed(file)
        for size in head_sizes:
            got = read_listing_date(file, head_bytes=size)
            if status == "rejected" and _beyond_head(reason) and size < file.n_bytes:
                continue  # the one documented disagreement: rejected for bytes past the head
            assert got == expected, (file.file_name, size, reason)
        # the default head holds every fixture whole: always the parser's answer
        assert read_listing_date(file) == expected, file.file_name
        checked += 1
    return checked


def test_head_date_agrees_with_the_parser_on_every_fixture():
    assert _assert_agrees(DUMP_FIXTURES) == len(list(DUMP_FIXTURES.iterdir()))


@pytest.mark.skipif(not SHARED_DUMPS.is_dir(), reason="the shared real dumps are not here")
def test_head_date_agrees_with_the_parser_on_the_real_dumps(tmp_path):
    assert _assert_agrees(SHARED_DUMPS) >= 3
    # and with modification times that move the inferred year (Jan 1, before and after the date)
    for i, source in enumerate(sorted(SHARED_DUMPS.iterdir())):
        for when in (dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.UTC), dt.datetime(2024, 2, 29)):
            write_dump(tmp_path, f"{i}-{when:%Y}.txt", source.read_bytes(), when.timestamp())
    assert _assert_agrees(tmp_path) == 6


def _damaged_heads() -> dict[str, bytes]:
    clean = compose_dump([paper("HeadA"), paper("HeadB")])
    body = "\n\n".join(paper("HeadA")) + "\n"
    return {
        "clean.txt": clean.encode(),
        "crlf.txt": compose_dump([paper("HeadA")], newline="\r\n").encode(),
        "cr_only.txt": clean.replace("\n", "\r").encode(),
        "bom.txt": b"\xef\xbb\xbf" + clean.encode(),
        "bom_crlf.txt": b"\xef\xbb\xbf" + compose_dump([paper("X")], newline="\r\n").encode(),
        "no_date.txt": compose_dump([paper("HeadA")], date=None).encode(),
        "no_chrome.txt": ("Aug 25\n\n" + body).encode(),
        "date_first_then_chrome.txt": ("Sep 9\n\nSubscribe\n\n" + body).encode(),
        "two_dates.txt": ("\n\n".join([*CHROME, "May 29", "Aug 25"]) + "\n\n" + body).encode(),
        "date_after_title.txt": (body + "\nAug 25\n\n" + body).encode(),
        "year.txt": compose_dump([paper("HeadA")], date="Sep 9, 2025").encode(),
        "year_no_comma.txt": compose_dump([paper("HeadA")], date="Sept. 9 2024").encode(),
        "future_day.txt": compose_dump([paper("HeadA")], date="Dec 31").encode(),
        "leap_day.txt": compose_dump([paper("HeadA")], date="Feb 29").encode(),
        "impossible.txt": compose_dump([paper("HeadA")], date="Feb 30").encode(),
        "impossible_year.txt": compose_dump([paper("HeadA")], date="Apr 31, 2025").encode(),
        "lower_case.txt": compose_dump([paper("HeadA")], date="aug 25").encode(),
        "spaces_tabs.txt": ("  new \t\n\n\tDaily   Papers  \n \n  Aug \t 25  \n\n" + body).encode(),
        "wrapped_date.txt": ("new\n\nAug\n25\n\n" + body).encode(),
        "wrapped_chrome.txt": ("Daily\nPapers\n\nAug 25\n\n" + body).encode(),
        "blank_runs.txt": ("\n\n\n\nnew\n\n\n\n\nAug 25\n\n\n\n" + body).encode(),
        "nul_bytes.txt": ("new\x00\n\nAu\x00g 25\n\n" + body).encode(),
        "nbsp.txt": ("new\n\nAug\u00a025\n\n" + body).encode(),
        "chrome_only.txt": ("\n\n".join(CHROME) + "\n").encode(),
        "header_only.txt": ("\n\n".join([*CHROME, "Aug 25"]) + "\n").encode(),
        "long_chrome.txt": ("\n\n".join(CHROME * 400) + "\n\nAug 25\n\n" + body).encode(),
        "date_in_long_para.txt": ("Aug 25 " + "x" * 300 + "\n\n" + body).encode(),
        "html.txt": b"<!DOCTYPE html>\n<html><body>Aug 25</body></html>\n",
        "html_late.txt": b"   \n\n<html>\n" + b"Aug 25\n\n" * 3,
        "blank.txt": b" \n\t\n",
        "empty.txt": b"",
        "cut_in_char.txt": compose_dump([paper("HeadA")]).encode() + "é".encode()[:1],
        "latin1_header.txt": compose_dump([paper("Caf\xe9")]).encode("latin-1"),
        "control_junk.txt": b"Aug 25\n\n" + bytes(range(1, 9)) * 50,
        "multibyte_title.txt": ("new\n\nAug 25\n\n" + "é" * 150 + "\n\n" + "ü" * 400).encode(),
    }


def test_head_date_agrees_with_the_parser_on_synthetic_and_damaged_heads(tmp_path):
    for name, content in _damaged_heads().items():
        write_dump(tmp_path, name, content, MTIME)
    assert _assert_agrees(tmp_path) == len(_damaged_heads())


def test_head_date_agrees_with_the_parser_when_the_file_name_holds_a_date(tmp_path):
    """Every fixture and damaged head again, saved under names holding a date (agreeing with
    the date line, disagreeing, or alone): the sensor's month is the loader's."""
    sources = {**{p.name: p.read_bytes() for p in DUMP_FIXTURES.iterdir()}, **_damaged_heads()}
    for i, (name, content) in enumerate(sorted(sources.items())):
        dated = ("2025-08-25 ", "20250826_", "daily_2024_12_31-")[i % 3] + name
        write_dump(tmp_path, dated, content, MTIME)
    assert _assert_agrees(tmp_path) == len(sources)
    sources_seen = {_parsed(f)[0][1] for f in scan_landing(tmp_path)}
    assert {"file_name", "file_name_year"} <= sources_seen


def test_the_synthetic_generator_dates_agree(tmp_path):
    from pipelines.synth.generator import write_dumps

    write_dumps(tmp_path, 12, seed=3, start=dt.date(2024, 12, 25))
    assert _assert_agrees(tmp_path, head_sizes=(64, 8192)) == 12


def test_a_head_that_ends_inside_the_header_asks_for_more():
    mtime = dt.datetime.fromtimestamp(MTIME, dt.UTC)
    content = compose_dump([paper("HeadA")]).encode()
    cut = content.index(b"Aug 25")
    assert head_listing_date(content[: cut + 3], mtime, whole=False) is None
    assert (
        head_listing_date(content[: cut + 6], mtime, whole=False) is None
    )  # "Aug 25" or "Aug 251"?
    assert head_listing_date(content[: cut + 8], mtime, whole=False) == (
        dt.date(2026, 8, 25),
        "inferred",
    )
    assert head_listing_date(content[: cut + 6], mtime, whole=True) == (
        dt.date(2026, 8, 25),
        "inferred",
    )


def test_reading_the_listing_date_reads_only_the_head(tmp_path, monkeypatch):
    body = "\n\n".join(p for i in range(300) for p in paper(f"Many{i}")) + "\n"
    path = write_dump(tmp_path, "big.txt", compose_dump([]) + "\n" + body, MTIME)
    (file,) = scan_landing(tmp_path)
    assert file.n_bytes > 100_000
    reads: list[int] = []
    real_open = Path.open

    def counting_open(self, *args, **kwargs):
        handle = real_open(self, *args, **kwargs)
        real_read = handle.read

        def read(n=-1):
            data = real_read(n)
            reads.append(len(data))
            return data

        handle.read = read
        return handle

    monkeypatch.setattr(Path, "open", counting_open)
    assert read_listing_date(file) == (dt.date(2026, 8, 25), "inferred")
    assert sum(reads) <= 8192 and path.stat().st_size > 100_000
