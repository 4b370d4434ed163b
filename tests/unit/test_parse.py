"""Tests for the dump parser (``pipelines.dumps.parse``): each case of ``shared/FORMAT.md``.

Fixture dumps under ``tests/fixtures/dumps/`` are small hand-written files in the real format (fake
papers, see ``PAPERS``); variants that are easier to state in code are built with ``make_dump``.
Every fake title holds a unique token (``TOKENS``) that its own abstract, and no other, repeats, so
the tests can check that pairing never slides.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Sequence

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipelines.dumps.identity import paper_id_of
from pipelines.dumps.parse import (
    DUMP_SCHEMA,
    REJECT_SCHEMA,
    SIGHTING_SCHEMA,
    DumpFile,
    ParsedDumps,
    parse_dump,
    parse_dumps,
)
from tests.dumpkit import FIXTURES, SHARED_DUMPS

DUMP_FIXTURES = FIXTURES / "dumps"
REAL_DUMPS = SHARED_DUMPS
MTIME = dt.datetime(2025, 9, 20, 12, 0, tzinfo=dt.UTC)

# The fake papers of the fixtures: (title, abstract). Titles use the real shapes (":", "^{2}", "++",
# "?", "!"); abstracts are 360-400 characters, two carry URLs, the last one has no final period.
PAPERS: list[tuple[str, str]] = [
    (
        "Quillfeather: Sparse Attention Routing for Long-Context Language Models",
        "We present Quillfeather, a sparse attention router that lets a language model read "
        "inputs of a million tokens on a single accelerator. Quillfeather learns which key "
        "blocks each query block should visit and skips the rest, cutting memory by an order of "
        "magnitude while matching dense attention on retrieval and summarisation benchmarks. "
        "Code is available at https://github.com/example/quillfeather.",
    ),
    (
        "Marrowind^{2}: Scaling Diffusion Transformers with Two-Stage Distillation",
        "Diffusion transformers produce strong images but sample slowly. Marrowind^{2} distils a "
        "large teacher into a four-step student in two stages: first matching the teacher's "
        "trajectory, then sharpening the student with an adversarial loss. On class-conditional "
        "generation Marrowind keeps the teacher's quality at a tenth of its sampling cost, and "
        "the recipe transfers to video.",
    ),
    (
        "Tessellon++: Fast Mesh Reconstruction from Sparse Views",
        "Reconstructing a watertight mesh from three or four photographs remains hard. "
        "Tessellon++ predicts a signed distance field with a feed-forward network conditioned on "
        "the views and extracts the surface in under a second. Compared with optimisation-based "
        "pipelines, Tessellon is two orders of magnitude faster and more robust to wide "
        "baselines and specular materials.",
    ),
    (
        "Do Agents Dream of Brambleworth? Evaluating Long-Horizon Planning in Web Environments",
        "Web agents are usually scored on short tasks. We introduce Brambleworth, a suite of 400 "
        "long-horizon tasks that need dozens of page visits, form submissions and backtracking. "
        "Frontier models solve fewer than a fifth of Brambleworth tasks; failures come mostly "
        "from forgetting earlier observations rather than from wrong clicks. The project page is "
        "https://example.org/bw.",
    ),
    (
        "Orrerybench: A Benchmark for Multilingual Scientific Reasoning",
        "Scientific reasoning benchmarks are almost all in English. Orrerybench gathers 12,000 "
        "exam problems in physics, chemistry and biology written natively in eighteen languages. "
        "Models lose up to thirty points when the same Orrerybench problem is posed outside "
        "English, and chain-of-thought prompting narrows but does not close the gap. We release "
        "the data and the grader.",
    ),
    (
        "Halcyonet! Self-Supervised Speech Representations at Scale",
        "We train Halcyonet, a self-supervised speech encoder, on one million hours of "
        "unlabelled audio in 120 languages. Halcyonet uses a masked prediction objective over "
        "learned discrete units and a curriculum over utterance length. Fine-tuned on ten "
        "minutes of labelled speech it beats prior encoders on low-resource recognition, and its "
        "features also help emotion and speaker tasks",
    ),
]
TOKENS = ["Quillfeather", "Marrowind", "Tessellon", "Brambleworth", "Orrerybench", "Halcyonet"]
CHROME = [
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
]
HEADER = [*CHROME, "Aug 25"]
BOM = "\ufeff"


# --------------------------------------------------------------------------------------- helpers


def make_dump(
    papers: Sequence[tuple[str, str] | str],
    *,
    header: Sequence[str] = HEADER,
    newline: str = "\n",
    blank_lines: int = 1,
    bom: bool = False,
    final_newline: bool = True,
    encoding: str = "utf-8",
) -> bytes:
    """A dump in the real format: header paragraphs, then each paper's title and abstract.

    An item of ``papers`` that is a plain string is one lone paragraph (an orphan title or
    abstract).
    """
    paragraphs = list(header)
    for item in papers:
        paragraphs.extend(item if isinstance(item, tuple) else [item])
    text = (newline * (blank_lines + 1)).join(paragraphs) + (newline if final_newline else "")
    return ((BOM if bom else "") + text).encode(encoding)


def dump_file(content: bytes, name: str = "dump.txt", mtime: dt.datetime = MTIME) -> DumpFile:
    return DumpFile(name, content, mtime)


def load_fixture(name: str, mtime: dt.datetime = MTIME) -> DumpFile:
    return DumpFile(name, (DUMP_FIXTURES / name).read_bytes(), mtime)


@functools.cache
def parse_fixture(name: str, mtime: dt.datetime = MTIME) -> ParsedDumps:
    """Parse one fixture (cached: parsing is pure, and the tests never modify the frames)."""
    return parse_dump(load_fixture(name, mtime))


def listed(result: ParsedDumps) -> list[tuple[int, str, str]]:
    """(position, title, abstract) of every listing, in position order."""
    return (
        result.sightings.sort("file_name", "position")
        .select("position", "title", "abstract")
        .rows()
    )


def expected(papers: Sequence[tuple[str, str]]) -> list[tuple[int, str, str]]:
    return [(position, title, abstract) for position, (title, abstract) in enumerate(papers, 1)]


def token_of(title: str) -> str:
    (token,) = [token for token in TOKENS if token in title]
    return token


def assert_aligned(result: ParsedDumps) -> None:
    """Every listing's abstract names its own title's token and no other paper's token."""
    for title, abstract in result.sightings.select("title", "abstract").iter_rows():
        own = token_of(title)
        assert own in abstract, (title, abstract[:80])
        others = [token for token in TOKENS if token != own and token in abstract]
        assert not others, (title, others)


def line_no_of(content: bytes, paragraph: str) -> int:
    """1-based number of the one source line that, stripped, is the given one-line paragraph."""
    text = content.decode("utf-8").removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n")
    matches = [n for n, line in enumerate(text.split("\n"), 1) if line.strip() == paragraph]
    assert len(matches) == 1, (paragraph, matches)
    return matches[0]


def dump_row(result: ParsedDumps, file_name: str = "dump.txt") -> dict:
    (row,) = result.dumps.filter(pl.col("file_name") == file_name).iter_rows(named=True)
    return row


def assert_rejected_whole(result: ParsedDumps, file_name: str) -> str:
    """The file is rejected as a whole: no listings, one file-level reject; returns its reason."""
    row = dump_row(result, file_name)
    assert row["parse_status"] == "rejected"
    assert result.sightings.is_empty()
    assert result.rejects.height == 1
    reject = result.rejects.row(0, named=True)
    assert reject["file_name"] == file_name
    assert reject["sha256"] == row["sha256"]
    assert reject["reason"] == row["reason"]
    assert reject["reason"]
    return reject["reason"]


def all_fixture_files() -> list[DumpFile]:
    return [load_fixture(path.name) for path in sorted(DUMP_FIXTURES.iterdir()) if path.is_file()]


# ------------------------------------------------------------------------------------ clean dump


def test_clean_dump_pairs_every_title_with_its_own_abstract():
    dump = load_fixture("clean.txt")
    result = parse_fixture(dump.file_name)

    assert listed(result) == expected(PAPERS[:5])
    assert_aligned(result)
    assert result.rejects.is_empty()
    row = dump_row(result, "clean.txt")
    assert row["parse_status"] == "ok"
    assert row["reason"] is None
    assert row["sha256"] == hashlib.sha256(dump.content).hexdigest()
    assert row["n_bytes"] == len(dump.content)
    assert (row["listing_date"], row["listing_date_source"]) == (dt.date(2025, 8, 25), "inferred")


def test_frames_have_the_documented_schemas():
    result = parse_dumps([load_fixture("clean.txt"), load_fixture("cut_off.txt")])
    assert dict(result.dumps.schema) == DUMP_SCHEMA
    assert dict(result.sightings.schema) == SIGHTING_SCHEMA
    assert dict(result.rejects.schema) == REJECT_SCHEMA


def test_frames_keep_their_schemas_when_nothing_loads():
    for batch in ([], [load_fixture("empty.txt")]):
        result = parse_dumps(batch)
        assert dict(result.dumps.schema) == DUMP_SCHEMA
        assert dict(result.sightings.schema) == SIGHTING_SCHEMA
        assert dict(result.rejects.schema) == REJECT_SCHEMA
        assert result.sightings.is_empty()


def test_sighting_paper_id_is_the_documented_title_hash():
    result = parse_fixture("clean.txt")
    for title, paper_id in result.sightings.select("title", "paper_id").iter_rows():
        assert paper_id == paper_id_of(title)


def test_positions_are_one_based_page_order():
    papers = list(reversed(PAPERS))  # page order differs from alphabetical and from PAPERS order
    result = parse_dump(dump_file(make_dump(papers)))
    assert listed(result) == expected(papers)
    content = make_dump(papers)
    by_line = sorted(papers, key=lambda paper: line_no_of(content, paper[0]))
    assert [title for _, title, _ in listed(result)] == [title for title, _ in by_line]


def test_multi_line_paragraphs_are_joined_with_one_space():
    title, abstract = PAPERS[0]
    half = abstract.index(" a sparse") + 1
    wrapped = (title, abstract[:half].rstrip() + "\n" + abstract[half:])
    result = parse_dump(dump_file(make_dump([wrapped, PAPERS[1]])))
    assert listed(result) == expected(PAPERS[:2])


# ------------------------------------------------------------------- line endings and whitespace


def test_crlf_line_endings_parse_like_lf():
    dump = load_fixture("crlf.txt")
    assert b"\r\n" in dump.content and b"\n" not in dump.content.replace(b"\r\n", b"")
    result = parse_fixture(dump.file_name)
    assert listed(result) == expected(PAPERS[:5])
    assert result.rejects.is_empty()
    assert dump_row(result, "crlf.txt")["listing_date"] == dt.date(2025, 8, 25)


def test_lone_cr_line_endings_parse_like_lf():
    result = parse_dump(dump_file(make_dump(PAPERS[:4], newline="\r")))
    assert listed(result) == expected(PAPERS[:4])
    assert result.rejects.is_empty()


def test_utf8_bom_is_dropped():
    dump = load_fixture("utf8_bom.txt")
    assert dump.content.startswith(BOM.encode("utf-8"))
    result = parse_fixture(dump.file_name)
    assert listed(result) == expected(PAPERS[:5])
    assert result.rejects.is_empty()
    assert dump_row(result, "utf8_bom.txt")["listing_date_source"] == "inferred"


@pytest.mark.parametrize(
    "header",
    [pytest.param(["Aug 25"], id="bom-before-date"), pytest.param([], id="bom-before-first-title")],
)
def test_utf8_bom_does_not_hide_the_first_paragraph(header):
    result = parse_dump(dump_file(make_dump(PAPERS[:3], header=header, bom=True)))
    assert listed(result) == expected(PAPERS[:3])
    assert result.rejects.is_empty()
    source = dump_row(result)["listing_date_source"]
    assert source == ("inferred" if header else "file_mtime")


def test_crlf_with_bom_parses_like_clean():
    result = parse_dump(dump_file(make_dump(PAPERS, newline="\r\n", bom=True)))
    assert listed(result) == expected(PAPERS)
    assert result.rejects.is_empty()


def test_trailing_spaces_and_tabs_are_stripped():
    dump = load_fixture("trailing_spaces_tabs.txt")
    assert b" \n" in dump.content and b"\t" in dump.content
    result = parse_fixture(dump.file_name)
    # Tabs and runs of spaces inside a line fold to one space; ends are stripped.
    assert listed(result) == expected(PAPERS[:5])
    assert result.rejects.is_empty()
    assert dump_row(result, "trailing_spaces_tabs.txt")["listing_date"] == dt.date(2025, 8, 25)


def test_runs_of_blank_lines_separate_paragraphs_like_one():
    dump = load_fixture("blank_line_runs.txt")
    assert b"\n\n\n\n" in dump.content
    result = parse_fixture(dump.file_name)
    assert listed(result) == expected(PAPERS[:5])
    assert result.rejects.is_empty()


@pytest.mark.parametrize("blank_lines", [2, 5])
def test_several_blank_lines_between_every_paragraph(blank_lines):
    result = parse_dump(dump_file(make_dump(PAPERS, blank_lines=blank_lines)))
    assert listed(result) == expected(PAPERS)
    assert result.rejects.is_empty()


def test_white_space_beyond_ascii_folds_like_a_space():
    title, abstract = PAPERS[0]
    spaced = (title.replace(": ", ":\u00a0", 1), abstract + "\u3000")
    thin_space_line = "\n\u2009\nAug 25".encode()  # a blank line holding a thin space
    content = make_dump([spaced, PAPERS[1]]).replace(b"\n\nAug 25", thin_space_line)
    result = parse_dump(dump_file(content))
    assert listed(result) == expected(PAPERS[:2])
    assert result.rejects.is_empty()
    assert dump_row(result)["listing_date"] == dt.date(2025, 8, 25)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: text.replace(" a ", " a\x07 ", 3), id="stray-control-characters"),
        pytest.param(lambda text: text.replace(" the ", "   the  ", 5), id="runs-of-spaces"),
        pytest.param(lambda text: text.replace(" the ", " the\u00a0", 5), id="no-break-space"),
        pytest.param(lambda text: text.replace(". ", ".\n", 4), id="hard-wrapped-lines"),
        pytest.param(lambda text: text + "\n\n", id="blank-lines-at-the-end"),
    ],
)
def test_clean_up_gives_the_same_paragraphs_whatever_the_line_endings(damage):
    text = damage(make_dump(PAPERS).decode("utf-8"))
    lf = parse_dumps([dump_file(text.encode("utf-8"), "lf.txt")])
    crlf = parse_dumps([dump_file(text.replace("\n", "\r\n").encode("utf-8"), "crlf.txt")])
    assert lf.sightings.height == len(PAPERS)
    assert_frame_equal(lf.sightings.drop("file_name"), crlf.sightings.drop("file_name"))
    assert_frame_equal(
        lf.rejects.drop("file_name", "sha256"), crlf.rejects.drop("file_name", "sha256")
    )


def test_long_header_is_found_past_its_first_paragraphs():
    header = [*CHROME * 4, "Sep 9, 2025"]  # 21 header paragraphs
    result = parse_dump(dump_file(make_dump(PAPERS[:3], header=header)))
    assert listed(result) == expected(PAPERS[:3])
    assert result.rejects.is_empty()
    row = dump_row(result)
    assert (row["listing_date"], row["listing_date_source"]) == (dt.date(2025, 9, 9), "line")


# ---------------------------------------------------------------------- cut-off and lost paragraphs


def test_cut_off_dump_loads_every_complete_pair():
    dump = load_fixture("cut_off.txt")
    assert dump.content.rstrip().endswith(PAPERS[4][0].encode())
    result = parse_fixture(dump.file_name)
    assert listed(result) == expected(PAPERS[:4])
    assert_aligned(result)
    assert dump_row(result, "cut_off.txt")["parse_status"] == "ok"
    assert PAPERS[4][0] not in result.sightings.get_column("title").to_list()


def test_cut_off_dump_quarantines_last_title_with_its_line_number():
    dump = load_fixture("cut_off.txt")
    last_title = PAPERS[4][0]
    result = parse_fixture(dump.file_name)
    assert listed(result) == expected(PAPERS[:4])
    (reject,) = result.rejects.iter_rows(named=True)
    assert reject["line_no"] == line_no_of(dump.content, last_title)
    assert reject["reason"].startswith("orphan title")
    assert "end of the dump" in reject["reason"]
    assert reject["excerpt"] == last_title
    assert reject["sha256"] == hashlib.sha256(dump.content).hexdigest()


def test_cut_off_crlf_dump_reports_the_source_line_number():
    papers = [*PAPERS[:3], PAPERS[3][0]]
    content = make_dump(papers, newline="\r\n", blank_lines=2, bom=True, final_newline=False)
    result = parse_dump(dump_file(content))
    assert listed(result) == expected(PAPERS[:3])
    (reject,) = result.rejects.iter_rows(named=True)
    assert reject["line_no"] == line_no_of(content, PAPERS[3][0])


def test_orphan_title_is_quarantined_and_rest_stays_aligned():
    dump = load_fixture("lost_abstract.txt")
    orphan = PAPERS[1][0]
    result = parse_fixture(dump.file_name)

    kept = [PAPERS[0], *PAPERS[2:5]]
    assert [(title, abstract) for _, title, abstract in listed(result)] == kept
    assert_aligned(result)
    positions = result.sightings.get_column("position").to_list()
    assert positions[0] == 1 and positions == sorted(set(positions))
    (reject,) = result.rejects.iter_rows(named=True)
    assert reject["line_no"] == line_no_of(dump.content, orphan)
    assert reject["reason"].startswith("orphan title")
    assert "followed by another title" in reject["reason"]
    assert reject["excerpt"] == orphan


@pytest.mark.parametrize(
    ("papers", "orphans"),
    [
        pytest.param([PAPERS[0][0], *PAPERS[1:4]], [PAPERS[0][0]], id="first-abstract-lost"),
        pytest.param(
            [PAPERS[0], PAPERS[1][0], PAPERS[2][0], *PAPERS[3:6]],
            [PAPERS[1][0], PAPERS[2][0]],
            id="two-abstracts-lost-in-a-row",
        ),
        pytest.param(
            [PAPERS[0], PAPERS[1][0], PAPERS[2], PAPERS[3][0], PAPERS[4], PAPERS[5]],
            [PAPERS[1][0], PAPERS[3][0]],
            id="two-abstracts-lost-apart",
        ),
    ],
)
def test_lost_abstracts_never_make_pairing_slide(papers, orphans):
    content = make_dump(papers)
    result = parse_dump(dump_file(content))
    kept = [paper for paper in papers if isinstance(paper, tuple)]
    assert [(title, abstract) for _, title, abstract in listed(result)] == kept
    assert_aligned(result)
    assert result.rejects.get_column("excerpt").to_list() == orphans
    assert result.rejects.get_column("line_no").to_list() == [
        line_no_of(content, orphan) for orphan in orphans
    ]
    assert all(reason.startswith("orphan title") for reason in result.rejects["reason"])


def test_orphan_abstract_is_quarantined_and_rest_stays_aligned():
    dump = load_fixture("lost_title.txt")
    orphan = PAPERS[1][1]
    result = parse_fixture(dump.file_name)

    assert [(title, abstract) for _, title, abstract in listed(result)] == [
        PAPERS[0],
        PAPERS[2],
        PAPERS[3],
    ]
    assert_aligned(result)
    (reject,) = result.rejects.iter_rows(named=True)
    assert reject["line_no"] == line_no_of(dump.content, orphan)
    assert reject["reason"].startswith("orphan abstract")
    assert reject["excerpt"] == orphan[:200]


def test_orphan_abstract_at_the_end_is_quarantined():
    orphan = PAPERS[3][1]
    content = make_dump([*PAPERS[:3], orphan])
    result = parse_dump(dump_file(content))
    assert listed(result) == expected(PAPERS[:3])
    (reject,) = result.rejects.iter_rows(named=True)
    assert reject["line_no"] == line_no_of(content, orphan)
    assert reject["reason"].startswith("orphan abstract")


def test_orphan_abstract_right_after_the_header_is_quarantined():
    orphan = PAPERS[0][1]
    content = make_dump([orphan, *PAPERS[1:4]])
    result = parse_dump(dump_file(content))
    assert listed(result) == expected(PAPERS[1:4])
    (reject,) = result.rejects.iter_rows(named=True)
    assert reject["line_no"] == line_no_of(content, orphan)
    assert reject["reason"].startswith("orphan abstract")


def test_abstract_cut_below_title_length_is_quarantined_with_its_title():
    title, abstract = PAPERS[4]
    cut = abstract[:120]  # cut mid-sentence, short enough to look like a title
    result = parse_dump(dump_file(make_dump([*PAPERS[:4], title, cut])))
    assert listed(result) == expected(PAPERS[:4])
    assert result.rejects.get_column("excerpt").to_list() == [title, cut]


# ------------------------------------------------------------------------- files rejected whole


@pytest.mark.parametrize(
    ("name", "encoding"), [("cp1252.txt", "cp1252"), ("latin1.txt", "latin-1")]
)
def test_non_utf8_file_is_rejected_whole_naming_the_byte_offset(name, encoding):
    dump = load_fixture(name)
    offset = next(i for i, byte in enumerate(dump.content) if byte >= 0x80)
    dump.content.decode(encoding)  # the fixture really is that encoding
    with pytest.raises(UnicodeDecodeError):
        dump.content.decode("utf-8")

    reason = assert_rejected_whole(parse_fixture(dump.file_name), name)
    assert "not UTF-8" in reason
    assert f"at byte offset {offset}" in reason
    assert f"0x{dump.content[offset]:02x}" in reason
    line_no = parse_fixture(dump.file_name).rejects.get_column("line_no").item()
    assert line_no == dump.content.count(b"\n", 0, offset) + 1


def test_non_utf8_byte_offset_is_exact_for_a_built_dump():
    content = make_dump(PAPERS[:2]) + "Caf\u00e9 Models: A Study of Bistro Benchmarks\n".encode(
        "latin-1"
    )
    offset = content.index(b"\xe9")
    reason = assert_rejected_whole(parse_dump(dump_file(content)), "dump.txt")
    assert f"at byte offset {offset}" in reason


def test_binary_junk_is_rejected_whole():
    dump = load_fixture("binary_junk.bin")
    reason = assert_rejected_whole(parse_fixture(dump.file_name), "binary_junk.bin")
    assert reason.startswith(("not UTF-8", "binary"))


def test_binary_junk_that_decodes_as_utf8_is_rejected_whole():
    junk = bytes(range(1, 32)) * 40 + make_dump(PAPERS[:2])
    junk.decode("utf-8")
    reason = assert_rejected_whole(parse_dump(dump_file(junk)), "dump.txt")
    assert "binary" in reason


def test_html_page_saved_instead_is_rejected_whole():
    dump = load_fixture("html_page.txt")
    reason = assert_rejected_whole(parse_fixture(dump.file_name), "html_page.txt")
    assert "HTML" in reason


def test_html_page_without_doctype_is_rejected_whole():
    page = make_dump(['<html lang="en">', "<body>", *PAPERS[:3], "</body>", "</html>"], header=[])
    reason = assert_rejected_whole(parse_dump(dump_file(page)), "dump.txt")
    assert "HTML" in reason


def test_text_dump_whose_abstract_mentions_html_tags_still_loads():
    title, abstract = PAPERS[0]
    abstract = abstract.replace(
        "Code is available", "It also reads raw web pages, <html> and <body> tags included. Code is"
    )
    result = parse_dump(dump_file(make_dump([(title, abstract), *PAPERS[1:4]])))
    assert dump_row(result)["parse_status"] == "ok"
    assert listed(result) == expected([(title, abstract), *PAPERS[1:4]])


@pytest.mark.parametrize("name", ["empty.txt", "whitespace_only.txt"])
def test_empty_or_whitespace_only_file_is_rejected_whole(name):
    dump = load_fixture(name)
    assert not dump.content.strip()
    reason = assert_rejected_whole(parse_fixture(dump.file_name), name)
    assert "empty" in reason


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(BOM.encode(), id="bom-only"),
        pytest.param(BOM.encode() + b"\r\n \t\r\n", id="bom-and-whitespace"),
        pytest.param(b"\x00\x00\n\x00", id="nul-only"),
    ],
)
def test_file_blank_once_cleaned_is_rejected_whole(content):
    reason = assert_rejected_whole(parse_dump(dump_file(content)), "dump.txt")
    assert "empty" in reason


def test_header_with_no_papers_is_rejected_whole():
    dump = load_fixture("header_only.txt")
    reason = assert_rejected_whole(parse_fixture(dump.file_name), "header_only.txt")
    assert "no papers" in reason
    assert parse_fixture(dump.file_name).rejects.get_column("line_no").item() is None


def test_file_of_orphans_only_is_rejected_whole_without_record_rejects():
    content = make_dump([title for title, _ in PAPERS[:3]])
    reason = assert_rejected_whole(parse_dump(dump_file(content)), "dump.txt")
    assert "no papers" in reason


# ------------------------------------------------------------------------------- listing date


def test_missing_date_line_falls_back_to_file_mtime_date():
    mtime = dt.datetime(2025, 9, 20, 23, 59, 59, tzinfo=dt.UTC)
    result = parse_fixture("no_date_line.txt", mtime=mtime)
    row = dump_row(result, "no_date_line.txt")
    assert (row["listing_date"], row["listing_date_source"]) == (dt.date(2025, 9, 20), "file_mtime")
    assert listed(result) == expected(PAPERS[:4])
    assert result.rejects.is_empty()


def test_date_line_with_year_is_taken_from_the_line():
    mtime = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    result = parse_fixture("date_with_year.txt", mtime=mtime)
    row = dump_row(result, "date_with_year.txt")
    assert (row["listing_date"], row["listing_date_source"]) == (dt.date(2025, 9, 9), "line")
    assert listed(result) == expected(PAPERS[:4])


@pytest.mark.parametrize("line", ["Sep 9, 2025", "Sep 9 2025", "Sept 9, 2025", "September 9, 2025"])
def test_date_line_spellings_with_a_year(line):
    result = parse_dump(dump_file(make_dump(PAPERS[:2], header=[*CHROME, line])))
    row = dump_row(result)
    assert (row["listing_date"], row["listing_date_source"]) == (dt.date(2025, 9, 9), "line")
    assert listed(result) == expected(PAPERS[:2])


@pytest.mark.parametrize(
    ("line", "mtime", "date"),
    [
        ("Dec 30", dt.datetime(2026, 1, 2, 8, 0, tzinfo=dt.UTC), dt.date(2025, 12, 30)),
        ("Feb 29", dt.datetime(2026, 6, 1, tzinfo=dt.UTC), dt.date(2024, 2, 29)),
        ("Jan 2", dt.datetime(2026, 1, 2, 0, 0, 1, tzinfo=dt.UTC), dt.date(2026, 1, 2)),
        ("Aug 25", dt.datetime(2025, 8, 24, tzinfo=dt.UTC), dt.date(2024, 8, 25)),
        ("May 29", dt.datetime(2025, 11, 23, tzinfo=dt.UTC), dt.date(2025, 5, 29)),
    ],
)
def test_year_is_inferred_as_latest_such_date_not_after_mtime(line, mtime, date):
    result = parse_dump(dump_file(make_dump(PAPERS[:2], header=[*CHROME, line]), mtime=mtime))
    row = dump_row(result)
    assert (row["listing_date"], row["listing_date_source"]) == (date, "inferred")


def test_impossible_date_line_falls_back_to_file_mtime():
    mtime = dt.datetime(2026, 4, 7, tzinfo=dt.UTC)
    result = parse_dump(dump_file(make_dump(PAPERS[:2], header=[*CHROME, "Feb 30"]), mtime=mtime))
    row = dump_row(result)
    assert (row["listing_date"], row["listing_date_source"]) == (dt.date(2026, 4, 7), "file_mtime")


def test_rejected_file_still_gets_a_listing_date():
    row = dump_row(parse_fixture("header_only.txt"), "header_only.txt")
    assert (row["listing_date"], row["listing_date_source"]) == (dt.date(2025, 8, 25), "inferred")
    row = dump_row(parse_fixture("empty.txt"), "empty.txt")
    assert (row["listing_date"], row["listing_date_source"]) == (MTIME.date(), "file_mtime")


@pytest.mark.parametrize(
    ("name", "line", "date", "source"),
    [
        # the file name's full date gives the year, whatever the modification time says
        ("2024-08-25.txt", "Aug 25", dt.date(2024, 8, 25), "file_name"),
        ("daily papers 20240825.txt", "Aug 25", dt.date(2024, 8, 25), "file_name"),
        ("saved_2024_08_25_v2.txt", "Aug 25", dt.date(2024, 8, 25), "file_name"),
        # no date line: the name's date, not the modification time
        ("2024-08-25.txt", None, dt.date(2024, 8, 25), "file_name"),
        ("2024-08-25.txt", "Feb 30", dt.date(2024, 8, 25), "file_name"),
        # they disagree: the line's month and day, the name's year, and the source says so
        ("2024-08-26.txt", "Aug 25", dt.date(2024, 8, 25), "file_name_year"),
        ("2024-03-01.txt", "Feb 29", dt.date(2024, 2, 29), "file_name_year"),
        # ... or the year next to it when nearer: a page of 31 December saved on 1 January
        ("2025-01-01.txt", "Dec 31", dt.date(2024, 12, 31), "file_name_year"),
        ("2024-12-31.txt", "Jan 1", dt.date(2025, 1, 1), "file_name_year"),
        # a year on the line wins over the name
        ("2024-08-25.txt", "Sep 9, 2025", dt.date(2025, 9, 9), "line"),
        # not a date: a longer run of digits, month 13, 29 February 2023, mixed separators
        ("run-120240825.txt", "Aug 25", dt.date(2025, 8, 25), "inferred"),
        ("2024-13-01.txt", "Aug 25", dt.date(2025, 8, 25), "inferred"),
        ("2023-02-29.txt", "Aug 25", dt.date(2025, 8, 25), "inferred"),
        ("2024-08_25.txt", "Aug 25", dt.date(2025, 8, 25), "inferred"),
    ],
)
def test_a_date_in_the_file_name_gives_the_year(name, line, date, source):
    mtime = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    header = [*CHROME, line] if line else list(CHROME)
    result = parse_dump(dump_file(make_dump(PAPERS[:2], header=header), name=name, mtime=mtime))
    row = dump_row(result, name)
    assert (row["listing_date"], row["listing_date_source"]) == (date, source)
    assert listed(result) == expected(PAPERS[:2])


# ------------------------------------------------------------------------------------ NUL bytes


def test_nul_bytes_are_stripped_and_data_still_loads():
    dump = load_fixture("nul_bytes.txt")
    assert dump.content.count(b"\x00") >= 3
    result = parse_fixture(dump.file_name)
    assert listed(result) == expected(PAPERS[:5])
    assert result.rejects.is_empty()
    assert dump_row(result, "nul_bytes.txt")["listing_date"] == dt.date(2025, 8, 25)


def test_nul_padding_after_a_good_dump_is_stripped_and_data_still_loads():
    content = make_dump(PAPERS) + b"\x00" * 512  # a zero-filled tail, as a crash leaves it
    result = parse_dump(dump_file(content))
    assert dump_row(result)["parse_status"] == "ok"
    assert listed(result) == expected(PAPERS)
    assert result.rejects.is_empty()


# ------------------------------------------------------------------------------ over-long lines


def test_over_long_paragraph_is_rejected_and_its_title_quarantined():
    dump = load_fixture("long_paragraph.txt")
    title = PAPERS[1][0]
    result = parse_fixture(dump.file_name)

    assert [(t, a) for _, t, a in listed(result)] == [PAPERS[0], PAPERS[2], PAPERS[3]]
    assert_aligned(result)
    assert dump_row(result, "long_paragraph.txt")["parse_status"] == "ok"
    orphan, too_long = result.rejects.sort("line_no").iter_rows(named=True)
    assert orphan["line_no"] == line_no_of(dump.content, title)
    assert orphan["reason"].startswith("orphan title") and "too long" in orphan["reason"]
    assert orphan["excerpt"] == title
    assert too_long["line_no"] == orphan["line_no"] + 2
    assert "too long" in too_long["reason"]
    assert "25000" in too_long["reason"]
    assert len(too_long["excerpt"]) == 200


def test_multi_megabyte_line_is_rejected_and_the_rest_stays_paired():
    title = PAPERS[2][0]
    huge = ("Tessellon is slow here. " * 110_000)[:2_500_000]
    papers = [PAPERS[0], PAPERS[1], (title, huge), PAPERS[3], PAPERS[4]]
    content = make_dump(papers)
    assert len(content) > 2_500_000
    result = parse_dump(dump_file(content))

    assert [(t, a) for _, t, a in listed(result)] == [PAPERS[0], PAPERS[1], PAPERS[3], PAPERS[4]]
    assert_aligned(result)
    reasons = dict(result.rejects.select("excerpt", "reason").iter_rows())
    assert reasons[title].startswith("orphan title") and "too long" in reasons[title]
    assert "too long" in reasons[huge[:200]]
    assert "2500000" in reasons[huge[:200]]


@pytest.mark.parametrize(("n_chars", "loads"), [(20_000, True), (20_001, False)])
def test_paragraph_length_limit_is_20000_characters(n_chars, loads):
    title, abstract = PAPERS[0]
    long_abstract = ((abstract + " ") * 60)[: n_chars - 1] + "."
    assert len(long_abstract) == n_chars
    result = parse_dump(dump_file(make_dump([(title, long_abstract), PAPERS[1]])))
    titles = result.sightings.get_column("title").to_list()
    assert (title in titles) is loads
    assert PAPERS[1][0] in titles
    assert any("too long" in reason for reason in result.rejects["reason"]) is not loads


@pytest.mark.parametrize(("n_chars", "is_title"), [(250, True), (251, False)])
def test_paragraphs_up_to_250_characters_are_titles(n_chars, is_title):
    paragraph = ("Quillfeather " * 30)[: n_chars - 1] + "!"
    assert len(paragraph) == n_chars
    result = parse_dump(dump_file(make_dump([*PAPERS[:2], paragraph, PAPERS[2][1]])))
    titles = result.sightings.get_column("title").to_list()
    assert titles[:2] == [PAPERS[0][0], PAPERS[1][0]]
    if is_title:  # it pairs with the abstract after it
        assert titles[2:] == [paragraph]
        assert result.rejects.is_empty()
    else:  # two abstracts in a row, neither with a title
        assert titles[2:] == []
        assert result.rejects.get_column("excerpt").to_list() == [
            paragraph[:200],
            PAPERS[2][1][:200],
        ]
        assert all(r.startswith("orphan abstract") for r in result.rejects["reason"])


# ------------------------------------------------------------------------------------- excerpts


def test_excerpts_are_at_most_200_characters_and_prefixes_of_the_paragraph():
    long_orphan = PAPERS[1][1] * 10  # an orphan abstract of ~3,700 characters
    huge = "y" * 25_000
    papers = [PAPERS[0], long_orphan, PAPERS[2][0], PAPERS[3], (PAPERS[4][0], huge), PAPERS[5]]
    result = parse_dump(dump_file(make_dump(papers)))
    excerpts = result.rejects.get_column("excerpt").to_list()
    assert len(excerpts) == 4
    assert all(len(excerpt) <= 200 for excerpt in excerpts)
    assert excerpts == [long_orphan[:200], PAPERS[2][0], PAPERS[4][0], huge[:200]]


# ------------------------------------------------------------------------------ title variants


def test_title_variants_map_to_the_same_paper_id_across_dumps():
    variants = {
        "Quillfeather: Sparse Attention Routing for Long-Context Language Models": [
            "QUILLFEATHER: sparse attention routing for long-context language models",
            "Quillfeather:  Sparse   Attention Routing for Long Context Language Models.",
            "Quillfeather - Sparse Attention Routing for Long\u2010Context Language Models",
            "Quillfeather \u2013 Sparse Attention Routing for Long\u2013Context Language Models",
            "Quillfeather \u2014 Sparse Attention Routing for Long\u2014Context Language Models",
            "\uff31uillfeather\uff1a Sparse Attention Routing for Long\uff0dContext "
            "Language Models",
        ],
        "Marrowind^{2}: Scaling Diffusion Transformers with Two-Stage Distillation": [
            "Marrowind\u00b2: Scaling Diffusion Transformers with Two Stage Distillation",
        ],
    }
    dumps = []
    for n, (canonical, others) in enumerate(variants.items()):
        abstract = dict(PAPERS)[canonical]
        for m, title in enumerate([canonical, *others]):
            dumps.append(dump_file(make_dump([(title, abstract)]), name=f"v{n}_{m}.txt"))
    result = parse_dumps(dumps)

    assert result.sightings.height == sum(1 + len(others) for others in variants.values())
    ids = result.sightings.group_by(pl.col("abstract")).agg(pl.col("paper_id").unique())
    assert all(len(group) == 1 for group in ids.get_column("paper_id"))
    assert result.sightings.get_column("paper_id").n_unique() == len(variants)


def test_different_titles_get_different_paper_ids():
    base = "Quillfeather: Sparse Attention Routing for Long-Context Language Models"
    others = [
        "Quillfeather: Dense Attention Routing for Long-Context Language Models",
        "Quillfeather 2: Sparse Attention Routing for Long-Context Language Models",
        "Quillfeather: Sparse Attention Routing for Long-Context Vision Models",
    ]
    abstract = PAPERS[0][1]
    dumps = [
        dump_file(make_dump([(title, abstract)]), name=f"d{n}.txt")
        for n, title in enumerate([base, *others])
    ]
    assert parse_dumps(dumps).sightings.get_column("paper_id").n_unique() == 1 + len(others)


def test_one_dump_lists_each_sighting_even_when_a_paper_repeats():
    result = parse_dump(dump_file(make_dump([PAPERS[0], PAPERS[1], PAPERS[0]])))
    assert result.sightings.get_column("position").to_list() == [1, 2, 3]
    assert result.sightings.get_column("paper_id").n_unique() == 2


# ---------------------------------------------------------------------------------------- purity


def _sorted(result: ParsedDumps) -> ParsedDumps:
    return ParsedDumps(
        dumps=result.dumps.sort("file_name"),
        sightings=result.sightings.sort("file_name", "position"),
        rejects=result.rejects.sort("file_name", "line_no", "reason", nulls_last=False),
    )


def _assert_same(left: ParsedDumps, right: ParsedDumps) -> None:
    left, right = _sorted(left), _sorted(right)
    assert_frame_equal(left.dumps, right.dumps)
    assert_frame_equal(left.sightings, right.sightings)
    assert_frame_equal(left.rejects, right.rejects)


def test_parse_is_deterministic():
    batch = all_fixture_files()
    first, second = parse_dumps(batch), parse_dumps(batch)
    assert_frame_equal(first.dumps, second.dumps)
    assert_frame_equal(first.sightings, second.sightings)
    assert_frame_equal(first.rejects, second.rejects)


def test_batch_gives_the_same_rows_as_parsing_each_file_alone():
    batch = all_fixture_files()
    assert len(batch) >= 10
    together = parse_dumps(batch)
    alone = [parse_dump(dump) for dump in batch]
    each = ParsedDumps(
        dumps=pl.concat([r.dumps for r in alone]),
        sightings=pl.concat([r.sightings for r in alone]),
        rejects=pl.concat([r.rejects for r in alone]),
    )
    _assert_same(together, each)
    _assert_same(together, parse_dumps(list(reversed(batch))))
    assert together.dumps.get_column("file_name").to_list() == [d.file_name for d in batch]


def test_batch_with_a_repeated_file_name_is_refused():
    dump = load_fixture("clean.txt")
    with pytest.raises(ValueError, match="file name"):
        parse_dumps([dump, dump])


def test_same_content_under_two_names_parses_identically():
    content = load_fixture("clean.txt").content
    result = parse_dumps([dump_file(content, "a.txt"), dump_file(content, "b.txt")])
    a, b = (result.sightings.filter(pl.col("file_name") == n).drop("file_name") for n in "ab")
    assert_frame_equal(a, b)
    assert result.dumps.get_column("sha256").n_unique() == 1


def test_every_reject_carries_its_file_sha256():
    batch = all_fixture_files()
    result = parse_dumps(batch)
    shas = {d.file_name: hashlib.sha256(d.content).hexdigest() for d in batch}
    assert not result.rejects.is_empty()
    for file_name, sha in result.rejects.select("file_name", "sha256").iter_rows():
        assert sha == shas[file_name]


# ------------------------------------------------------------------------------------ real dumps


def _paragraphs_of(text: str) -> list[str]:
    """Independent oracle: runs of non-blank lines, stripped and joined with one space."""
    paragraphs, current = [], []
    for line in text.splitlines():
        if line.strip():
            current.append(" ".join(line.split()))
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def test_real_dumps_load_completely_and_every_abstract_follows_its_title():
    files = sorted(REAL_DUMPS.glob("*.txt")) if REAL_DUMPS.is_dir() else []
    if not files:
        pytest.skip(f"real dumps not found at {REAL_DUMPS}")
    mtime = dt.datetime(2025, 11, 23, 8, 48, tzinfo=dt.UTC)
    batch = [DumpFile(path.name, path.read_bytes(), mtime) for path in files]
    result = parse_dumps(batch)

    assert len(batch) == 3
    assert result.rejects.is_empty()
    assert result.dumps.get_column("parse_status").to_list() == ["ok"] * 3
    assert result.sightings.height == 222
    assert result.sightings.get_column("paper_id").n_unique() == 217
    assert result.dumps.get_column("listing_date_source").to_list() == ["inferred"] * 3
    assert result.dumps.get_column("listing_date").to_list() == [
        dt.date(2025, 8, 25),
        dt.date(2025, 5, 29),
        dt.date(2025, 9, 9),
    ]

    for dump in batch:
        paragraphs = _paragraphs_of(dump.content.decode("utf-8"))
        mine = result.sightings.filter(pl.col("file_name") == dump.file_name).sort("position")
        assert mine.get_column("position").to_list() == list(range(1, mine.height + 1))
        cursor = 0
        for title, abstract in mine.select("title", "abstract").iter_rows():
            index = paragraphs.index(title, cursor)
            assert paragraphs[index + 1] == abstract, (dump.file_name, title)
            cursor = index + 2
        # Nothing after the header was skipped: the listings cover the body exactly.
        assert len(paragraphs) - cursor == 0
        first = paragraphs.index(mine.get_column("title")[0])
        assert len(paragraphs) - first == 2 * mine.height
