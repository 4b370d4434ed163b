"""Key phrases of papers: the 1-3 word phrases of titles and abstracts, as 64-bit ids.

Pure and vectorised (polars and numpy; no Python loop over papers or words): a frame of papers
in, a frame of phrase occurrences out. dbt's ``int_paper_terms`` (a Python model) calls it for
new and changed papers, ``int_term_stats`` for the few papers whose phrases it labels.

The rules:
* text = lower-cased title, " . ", abstract; URLs dropped; a hyphen after a prefix joins
  ("pre-trained" = "pretrained"); other hyphens, dashes, slashes and underscores split words.
* a word is ``[a-z0-9][a-z0-9+]*``; phrases never cross punctuation (``.,;:!?()[]{}"“”'```).
* a phrase is 1-3 consecutive words; it may neither start nor end with a stop word (the
  ``stopwords`` seed) or a number; a one-word phrase needs 3 characters.
* ``surface_id`` hashes the words as written, ``term_id`` the words with plurals folded
  (:func:`fold_plural`: "mixture of experts" and "mixture of expert" share a term_id).

Ids are polars string hashes combined with a 64-bit mixer: stable for one polars version (and
seed), which :func:`version` folds in, so a new polars extracts everything again.
"""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
import pyarrow as pa

RULES = "key-phrases-v4"
SEED = 0x5EED

# links and prefix hyphens, shared with pipelines.text.search (the search index cuts words alike)
URL = r"https?://[^ ]+"
PREFIX = r"(?-u:\b)(pre|post|fine|multi|non|co|re|semi|sub|un)[-‐‑]([a-z])"
_SPLIT = r"[-‐‑‒–—/_]"
_PUNCT = r"[.,;:!?()\[\]{}\"“”'`]"
_TOKEN = r"[a-z0-9][a-z0-9+]*|" + _PUNCT + "+"

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)

OCCURRENCES = {
    "doc": pl.UInt32,
    "term_id": pl.UInt64,
    "surface_id": pl.UInt64,
    "position": pl.UInt32,
}

# paper_term_pairs: one row per (paper, term)
PAIRS = {
    "doc": pl.UInt32,
    "term_id": pl.UInt64,
    "surface_id": pl.UInt64,
    "n_occurrences": pl.UInt16,
}

# int_paper_terms: one row per paper, its distinct phrases as aligned lists
PAPER_TERMS = pa.schema(
    [
        ("paper_id", pa.string()),
        ("text_hash", pa.string()),
        ("term_ids", pa.large_list(pa.uint64())),
        ("surface_ids", pa.large_list(pa.uint64())),
        ("n_occurrences", pa.large_list(pa.uint16())),
        ("n_word_occurrences", pa.uint32()),
        (
            "new_surfaces",
            pa.large_list(
                pa.struct(
                    [
                        ("surface_id", pa.uint64()),
                        ("term_id", pa.uint64()),
                        ("surface", pa.string()),
                        ("term", pa.string()),
                    ]
                )
            ),
        ),
    ]
)


def version(stopwords: list[str]) -> str:
    """Changes with the rules, the stop words and polars' version (ids are polars hashes)."""
    key = "|".join([RULES, pl.__version__, str(SEED), *sorted(stopwords)])
    return hashlib.md5(key.encode()).hexdigest()


def combine(*ids: np.ndarray) -> np.ndarray:
    """The id of a phrase from the ids of its words, in order: each word id is a string hash
    already, so a multiply-add per word (modulo 2^64) keeps two phrases apart with probability
    1 - 2^-64."""
    with np.errstate(over="ignore"):
        h = ids[0] * _GOLDEN
        for other in ids[1:-1]:
            h = (h + other) * _GOLDEN
        return h + ids[-1] if len(ids) > 1 else ids[0]


def with_length(ids: np.ndarray, n_words: int) -> np.ndarray:
    """A term id holds its number of words in its top two bits (``term_id >> 62``)."""
    return (ids >> np.uint64(2)) | np.uint64(n_words << 62)


def fold_plural(word: pl.Expr) -> pl.Expr:
    """An English plural to its singular, conservatively: models -> model, studies -> study,
    classes -> class, approaches -> approach; bias, focus, analysis, loss, series alone."""
    n = word.str.len_chars()
    keep = word.is_in(["series", "species"])
    return (
        pl.when(~keep & (n > 4) & word.str.ends_with("ies"))
        .then(word.str.slice(0, n - 3) + "y")
        .when(
            (n > 4)
            & (
                word.str.ends_with("sses")
                | word.str.ends_with("shes")
                | word.str.ends_with("ches")
                | word.str.ends_with("xes")
            )
        )
        .then(word.str.slice(0, n - 2))
        .when(
            ~keep
            & (n > 3)
            & word.str.ends_with("s")
            & ~(
                word.str.ends_with("ss")
                | word.str.ends_with("us")
                | word.str.ends_with("is")
                | word.str.ends_with("as")
            )
        )
        .then(word.str.slice(0, n - 1))
        .otherwise(word)
    )


def _normalised_tokens(papers: pl.LazyFrame) -> pl.LazyFrame:
    text = (
        pl.concat_str([pl.col("title"), pl.col("abstract")], separator=" . ", ignore_nulls=True)
        .str.to_lowercase()
        .str.replace_all(URL, " . ")
        .str.replace_all(PREFIX, "${1}${2}")
        .str.replace_all(_SPLIT, " ")
        .str.extract_all(_TOKEN)
    )
    return papers.select(pl.col("doc"), text.alias("token"))


def tokens(papers: pl.DataFrame) -> pl.DataFrame:
    """One row per token (word or run of punctuation) of each paper, in order: doc (the
    paper's row number in ``papers``), token. The papers are cut into one slice per core: the
    regular expressions of one slice run on one core."""
    numbered = papers.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("doc"), "title", "abstract"
    )
    n_slices = max(1, min(pl.thread_pool_size(), numbered.height // 1000))
    size = -(-numbered.height // n_slices) if numbered.height else 1
    slices = [_normalised_tokens(numbered.slice(i * size, size).lazy()) for i in range(n_slices)]
    listed = (
        pl.concat(pl.collect_all(slices)) if slices else numbered.select("doc", token=pl.lit([]))
    )
    return listed.explode("token").drop_nulls("token")


def _lexicon(toks: pl.DataFrame, stopwords: list[str]) -> pl.DataFrame:
    """Per distinct token: its folded id, whether it is a word, whether it may start or end a
    phrase (a word, not a stop word, not a number), whether it has 3 characters or more."""
    token = pl.col("token")
    is_word = token.str.contains(r"^[a-z0-9]")
    return toks.unique("s").select(
        "s",
        token.pipe(fold_plural).hash(SEED).alias("t"),
        (is_word & ~token.is_in(stopwords) & ~token.str.contains(r"^[0-9]+$")).alias("edge"),
        is_word.alias("word"),
        (token.str.len_chars() >= 3).alias("long"),
    )


def occurrences(toks: pl.DataFrame, stopwords: list[str]) -> pl.DataFrame:
    """One row per occurrence of a phrase in ``toks`` (from :func:`tokens`): doc, term_id,
    surface_id, position (the row of its first word in ``toks``)."""
    toks = toks.with_columns(pl.col("token").hash(SEED).alias("s"))
    lex = _lexicon(toks, stopwords)
    toks = toks.join(lex, on="s", how="left", maintain_order="left")
    doc = toks["doc"].to_numpy()
    s = toks["s"].to_numpy()
    t = toks["t"].to_numpy()
    edge = toks["edge"].to_numpy()
    word = toks["word"].to_numpy()
    long = toks["long"].to_numpy()
    starts = [np.flatnonzero(edge & long)]
    if len(doc) > 1:
        starts.append(np.flatnonzero(edge[:-1] & edge[1:] & (doc[:-1] == doc[1:])))
    if len(doc) > 2:
        starts.append(np.flatnonzero(edge[:-2] & word[1:-1] & edge[2:] & (doc[:-2] == doc[2:])))
    frames = []
    for n, idx in enumerate(starts, start=1):
        words = [idx + k for k in range(n)]
        frames.append(
            pl.DataFrame(
                {
                    "doc": doc[idx],
                    "term_id": with_length(combine(*(t[w] for w in words)), n),
                    "surface_id": combine(*(s[w] for w in words)),
                    "position": idx.astype(np.uint32),
                },
                schema=OCCURRENCES,
            )
        )
    return pl.concat(frames)


def n_words(term_ids: np.ndarray) -> np.ndarray:
    """The number of words of each term, from its id."""
    return (term_ids >> np.uint64(62)).astype(np.uint8)


def paper_term_pairs(occ: pl.DataFrame, n_docs: int) -> pl.DataFrame:
    """One row per (paper, term) of the occurrences ``occ`` (doc < ``n_docs``), in paper order:
    doc, term_id, surface_id (the least the paper writes it as), n_occurrences.

    One sort, then runs: the occurrences are sorted by a 64-bit key holding the doc in its top
    bits and the term id's low bits below (a sort of one integer column: a hash group-by of
    millions of small groups took half as long again), and each run of one doc and one term is
    a pair. Two terms of one paper whose low bits agree would share a key; when that happens
    (about once in 10^5 archives of 10,000 dumps) the occurrences are sorted by doc and whole
    term id instead."""
    if occ.height == 0:
        return pl.DataFrame(schema=PAIRS)
    doc_bits = max(1, (max(n_docs, 1) - 1).bit_length())
    low = np.uint64((1 << (64 - doc_bits)) - 1)
    doc = occ["doc"].to_numpy().astype(np.uint64)
    key = (doc << np.uint64(64 - doc_bits)) | (occ["term_id"].to_numpy() & low)
    ordered = occ.with_columns(key=key).sort("key")
    key = ordered["key"].to_numpy()
    term = ordered["term_id"].to_numpy()
    if np.any((key[1:] == key[:-1]) & (term[1:] != term[:-1])):
        ordered = occ.sort("doc", "term_id")
        term = ordered["term_id"].to_numpy()
    doc = ordered["doc"].to_numpy()
    first = np.flatnonzero(np.r_[True, (doc[1:] != doc[:-1]) | (term[1:] != term[:-1])])
    return pl.DataFrame(
        {
            "doc": doc[first],
            "term_id": term[first],
            "surface_id": np.minimum.reduceat(ordered["surface_id"].to_numpy(), first),
            "n_occurrences": np.diff(np.r_[first, len(doc)]),
        },
        schema=PAIRS,
    )


def paper_terms(
    papers: pl.DataFrame, stopwords: list[str], known: pl.Series | None = None
) -> pa.Table:
    """int_paper_terms rows (schema PAPER_TERMS) for ``papers`` (paper_id, text_hash, title,
    abstract): each paper's distinct terms with the surface it writes (the least id when it
    writes a term two ways) and how often it writes the term, and the texts of the surfaces
    first met in this call (not in ``known``), each with the first paper that writes it; and
    how many word occurrences (one-word phrases) the paper has in all."""
    toks = tokens(papers)
    occ = occurrences(toks, stopwords)
    pairs = paper_term_pairs(occ, papers.height)
    pair_doc = pairs["doc"].to_numpy()
    offsets = np.zeros(papers.height + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair_doc, minlength=papers.height), out=offsets[1:])
    one_word = n_words(pairs["term_id"].to_numpy()) == 1
    word_occurrences = np.bincount(
        pair_doc[one_word],
        weights=pairs["n_occurrences"].to_numpy()[one_word],
        minlength=papers.height,
    ).astype(np.uint32)

    surfaces = occ.unique("surface_id", keep="any")
    if known is not None:
        surfaces = surfaces.filter(~pl.col("surface_id").is_in(known.implode()))
    surfaces = surfaces.sort("doc")
    positions = surfaces["position"].to_numpy()
    counts = n_words(surfaces["term_id"].to_numpy())
    token = toks["token"]
    written = [token.gather(np.minimum(positions + k, len(token) - 1)) for k in range(3)]
    folded = [w.to_frame().select(fold_plural(pl.col("token"))).to_series() for w in written]

    def phrase(parts: list[pl.Series]) -> pl.Series:
        frame = pl.DataFrame({"n": counts, "w1": parts[0], "w2": parts[1], "w3": parts[2]})
        return frame.select(
            pl.when(pl.col("n") == 1)
            .then(pl.col("w1"))
            .when(pl.col("n") == 2)
            .then(pl.concat_str("w1", "w2", separator=" "))
            .otherwise(pl.concat_str("w1", "w2", "w3", separator=" "))
        ).to_series()

    texts = pa.StructArray.from_arrays(
        [
            surfaces["surface_id"].to_arrow(),
            surfaces["term_id"].to_arrow(),
            phrase(written).to_arrow().cast(pa.string()),
            phrase(folded).to_arrow().cast(pa.string()),
        ],
        names=["surface_id", "term_id", "surface", "term"],
    )
    text_offsets = np.zeros(papers.height + 1, dtype=np.int64)
    np.cumsum(
        np.bincount(surfaces["doc"].to_numpy(), minlength=papers.height), out=text_offsets[1:]
    )

    def listed(values: pl.Series, arrow_type: pa.DataType, offs: np.ndarray = offsets) -> pa.Array:
        return pa.LargeListArray.from_arrays(pa.array(offs), values.to_arrow().cast(arrow_type))

    return pa.table(
        {
            "paper_id": papers["paper_id"].to_arrow().cast(pa.string()),
            "text_hash": papers["text_hash"].to_arrow().cast(pa.string()),
            "term_ids": listed(pairs["term_id"], pa.uint64()),
            "surface_ids": listed(pairs["surface_id"], pa.uint64()),
            "n_occurrences": listed(pairs["n_occurrences"], pa.uint16()),
            "n_word_occurrences": pa.array(word_occurrences, pa.uint32()),
            "new_surfaces": pa.LargeListArray.from_arrays(pa.array(text_offsets), texts),
        },
        schema=PAPER_TERMS,
    )
