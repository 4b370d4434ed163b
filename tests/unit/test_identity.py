"""Tests for paper and dump identity (``pipelines.dumps.identity``).

The rule under test: NFKC, case folding, drop everything but letters and digits, then the first 16
hex digits of the SHA-256 of the UTF-8 key. Variants of one title share a ``paper_id``; titles that
differ in a word, a digit or a letter do not.
"""

from __future__ import annotations

import hashlib
import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.dumps.identity import (
    PAPER_ID_HEX_DIGITS,
    content_hash,
    paper_id_of,
    paper_ids,
    title_key,
    title_keys,
)


def key_of(title: str) -> str:
    return pl.select(title_key(pl.lit(title))).item()


def sha16(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


BASE = "Mixture-of-Experts: A Survey"


def test_paper_id_is_the_first_16_hex_digits_of_the_sha256_of_the_key():
    assert PAPER_ID_HEX_DIGITS == 16
    assert key_of(BASE) == "mixtureofexpertsasurvey"
    assert paper_id_of(BASE) == sha16("mixtureofexpertsasurvey")
    assert re.fullmatch(r"[0-9a-f]{16}", paper_id_of(BASE))


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param("mixture of experts \u2014 a survey", id="documented-example"),
        pytest.param("MIXTURE-OF-EXPERTS: A SURVEY", id="upper-case"),
        pytest.param("mixture-of-experts: a survey", id="lower-case"),
        pytest.param("Mixture-Of-Experts: A survey", id="mixed-case"),
        pytest.param("  Mixture-of-Experts:   A\tSurvey  ", id="spacing-and-tab"),
        pytest.param("Mixture-of-Experts:\u00a0A\u2009Survey", id="nbsp-and-thin-space"),
        pytest.param("Mixture of Experts - A Survey.", id="punctuation"),
        pytest.param("Mixture-of-Experts; a survey!", id="other-punctuation"),
        pytest.param('"Mixture-of-Experts": (A Survey)', id="quotes-and-brackets"),
        pytest.param("Mixture\u2010of\u2010Experts: A Survey", id="hyphen-u2010"),
        pytest.param("Mixture\u2011of\u2011Experts: A Survey", id="non-breaking-hyphen"),
        pytest.param("Mixture\u2013of\u2013Experts: A Survey", id="en-dash"),
        pytest.param("Mixture\u2014of\u2014Experts: A Survey", id="em-dash"),
        pytest.param("Mixture\u2212of\u2212Experts: A Survey", id="minus-sign"),
        pytest.param("MixtureofExperts: A Survey", id="dashes-dropped"),
        pytest.param(
            "\uff2d\uff49\uff58\uff54\uff55\uff52\uff45\uff0d\uff4f\uff46\uff0d\uff25\uff58\uff50"
            "\uff45\uff52\uff54\uff53\uff1a\u3000\uff21\u3000\uff33\uff55\uff52\uff56\uff45\uff59",
            id="nfkc-full-width",
        ),
    ],
)
def test_title_variants_share_one_paper_id(variant):
    assert paper_id_of(variant) == paper_id_of(BASE)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        pytest.param(
            "Marrowind^{2}: Two-Stage Distillation",
            "Marrowind\u00b2: Two Stage Distillation",
            id="superscript",
        ),
        pytest.param("\ufb01ne-tuning at scale", "Fine-Tuning at Scale", id="ligature"),
        pytest.param("Stra\u00dfe Scenes", "STRASSE scenes", id="sharp-s"),
        pytest.param(
            "\u039f\u0394\u039f\u03a3 \u039a\u0391\u0399",
            "\u03bf\u03b4\u03bf\u03c2 \u03ba\u03b1\u03b9",
            id="greek-final-sigma",
        ),
        pytest.param("Caf\u00e9 Bench", "Cafe\u0301 Bench", id="composed-vs-decomposed"),
        pytest.param(
            "\uff2c\uff2c\uff2d\uff53 for \uff11\uff10\uff10 Languages",
            "LLMs for 100 languages",
            id="full-width-digits",
        ),
        pytest.param(
            "\uff93\uff83\uff9e\uff99\u306e\u8a55\u4fa1",
            "\u30e2\u30c7\u30eb\u306e\u8a55\u4fa1",
            id="half-width-katakana",
        ),
        pytest.param("Scaling Laws \u2162", "scaling laws III", id="roman-numeral"),
    ],
)
def test_unicode_forms_of_a_title_share_one_paper_id(left, right):
    assert paper_id_of(left) == paper_id_of(right)


@pytest.mark.parametrize(
    "other",
    [
        pytest.param("Mixture-of-Experts: A Benchmark", id="other-word"),
        pytest.param("Mixture-of-Expert: A Survey", id="one-letter-less"),
        pytest.param("Mixture-of-Experts 2: A Survey", id="extra-digit"),
        pytest.param("Mixtures-of-Experts: A Survey", id="plural"),
        pytest.param("Mixture-of-Experts: A Survey of Surveys", id="longer"),
        pytest.param("Mixture-of-Experts: A Survey \u00e9", id="accented-letter"),
    ],
)
def test_genuinely_different_titles_get_different_paper_ids(other):
    assert paper_id_of(other) != paper_id_of(BASE)


def test_titles_differing_only_in_a_number_are_different_papers():
    ids = {paper_id_of(f"GPT-{n} Technical Report") for n in range(1, 6)}
    assert len(ids) == 5


def test_non_latin_titles_keep_their_letters():
    title = "\u5927\u898f\u6a21\u8a00\u8a9e\u30e2\u30c7\u30eb\u306e\u8a55\u4fa1"  # CJK
    assert key_of(title) == title
    assert key_of(f" {title}\u3002") == title
    assert paper_id_of(title) != paper_id_of(title[:-1])


def test_key_holds_only_lower_case_letters_and_digits():
    key = key_of("Tessellon++: Fast Mesh (v2) \u2014 3D Views! 100% #1 @home")
    assert key == "tessellonfastmeshv23dviews1001home"
    assert key_of("  --- ::: ") == ""


def test_title_key_expression_matches_the_single_title_function():
    titles = [
        BASE,
        "mixture of experts \u2014 a survey",
        "Quillfeather: Sparse Attention",
        "\u00df",
    ]
    frame = pl.DataFrame({"title": titles}).with_columns(title_key(pl.col("title")).alias("key"))
    assert frame.get_column("key").to_list() == [key_of(title) for title in titles]
    ids = paper_ids(frame.get_column("key")).to_list()
    assert ids == [paper_id_of(title) for title in titles]


def test_title_keys_of_a_series_match_the_expression_in_order():
    titles = [
        BASE,
        "Stra\u00dfe Scenes",
        "  --- ::: ",
        "",
        "GPT-4 Technical Report",
        "\uff2c\uff2c\uff2d\uff53 for \uff11\uff10\uff10 Languages",
        "Tessellon++: Fast Mesh (v2) \u2014 3D Views! 100% #1 @home",
        "x^{2}: A\tB",
        "two\nlines",
    ]
    series = pl.Series("title", titles)
    assert title_keys(series).to_list() == [key_of(title) for title in titles]
    assert title_keys(series.head(1)).to_list() == [key_of(BASE)]  # ASCII only
    assert title_keys(series.slice(1, 1)).to_list() == [key_of(titles[1])]  # non-ASCII only
    assert title_keys(pl.Series("title", [], dtype=pl.String)).to_list() == []


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(st.text(alphabet="aZ09 -:!^{}()\u00e9\u00df\u2014\uff21\u03a3\t\n", max_size=12)))
def test_title_keys_agree_with_the_expression_on_any_titles(titles):
    series = pl.Series("title", titles, dtype=pl.String)
    assert title_keys(series).to_list() == [key_of(title) for title in titles]


def test_vectorised_paper_ids_agree_with_hashlib_in_order():
    keys = ["mixtureofexpertsasurvey", "", "\u00e9t\u00e9", "\u5927\u898f\u6a21", "abc", "abc"]
    ids = paper_ids(pl.Series("key", keys))
    assert ids.to_list() == [sha16(key) for key in keys]


def test_vectorised_paper_ids_of_no_keys_is_empty():
    assert paper_ids(pl.Series("key", [], dtype=pl.String)).len() == 0


WORDS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8),
    min_size=1,
    max_size=6,
)
SEPARATORS = st.sampled_from(
    [
        " ",
        "  ",
        "\t",
        "-",
        "\u2010",
        "\u2013",
        "\u2014",
        ": ",
        ", ",
        " - ",
        "\u00a0",
        "\u3000",
        "/",
        "_",
    ]
)


@settings(max_examples=60, deadline=None, database=None)
@given(words=WORDS, data=st.data())
def test_spacing_case_and_punctuation_never_change_the_paper_id(words, data):
    plain = " ".join(words)
    seps = [data.draw(SEPARATORS) for _ in words[1:]]
    variant = words[0] + "".join(sep + word for sep, word in zip(seps, words[1:], strict=True))
    variant = data.draw(st.sampled_from([str.upper, str.title, str.lower, str.capitalize]))(variant)
    variant += data.draw(st.sampled_from(["", ".", "!", "?", " ", "\u2026"]))
    assert paper_id_of(variant) == paper_id_of(plain)


def test_content_hash_is_sha256_hex_of_the_raw_bytes():
    content = b"new\n\nAug 25\n\nTitle\n\nAbstract\n"
    assert content_hash(content) == hashlib.sha256(content).hexdigest()
    assert content_hash(content) == content_hash(bytes(content))
    assert content_hash(content) != content_hash(content.replace(b"\n", b"\r\n"))
    assert content_hash(content) != content_hash(b"\xef\xbb\xbf" + content)
    assert content_hash(b"") == hashlib.sha256(b"").hexdigest()
