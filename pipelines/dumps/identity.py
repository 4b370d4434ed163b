"""Identity of papers and dumps: title normalisation -> ``paper_id``, bytes -> content hash.

The rule for ``paper_id`` (documented in the README, relied on by every mart):

1. Unicode NFKC normalisation (full-width letters, ligatures, ``^{2}`` forms fold to plain ones);
2. case folding: Unicode lower-casing plus the few full case folds lower-casing misses
   (``ß`` -> ``ss``, final sigma -> sigma);
3. every character that is not a letter or a digit is removed: white space, punctuation, dashes of
   every kind, symbols;
4. ``paper_id`` is the first 16 hex digits of the SHA-256 of the UTF-8 bytes of that key.

So ``"Mixture-of-Experts: A Survey"`` and ``"mixture of experts — a survey"`` are the same paper.
"""

from __future__ import annotations

import functools
import hashlib

import duckdb
import polars as pl

PAPER_ID_HEX_DIGITS = 16

# Full case folds that Unicode lower-casing does not do (Python's str.casefold does them).
_CASEFOLD_EXTRAS = {"ß": "ss", "ẞ": "ss", "ς": "σ", "ﬅ": "st", "ﬆ": "st"}


def title_key(titles: pl.Expr) -> pl.Expr:
    """Normalised title key (NFKC, case-folded, letters and digits only) of a title column."""
    folded = titles.str.normalize("NFKC").str.to_lowercase()
    for source, target in _CASEFOLD_EXTRAS.items():
        folded = folded.str.replace_all(source, target, literal=True)
    return folded.str.replace_all(r"[^\p{L}\p{N}]+", "")


def paper_ids(keys: pl.Series) -> pl.Series:
    """Stable ``paper_id`` for each normalised title key: first 16 hex digits of its SHA-256.

    Hashed by DuckDB's vectorised ``sha256`` (polars' own hash is not stable across versions).
    """
    frame = pl.DataFrame({"key": keys})  # noqa: F841 (read by DuckDB's replacement scan)
    query = f"select left(sha256(key), {PAPER_ID_HEX_DIGITS}) as paper_id from frame"
    return _hasher().sql(query).pl().get_column("paper_id")


@functools.cache
def _hasher() -> duckdb.DuckDBPyConnection:
    """One private in-memory DuckDB connection per process, used only as a vectorised hasher."""
    return duckdb.connect(":memory:")


def paper_id_of(title: str) -> str:
    """``paper_id`` of one title (for tests and ad-hoc use; the pipeline uses ``paper_ids``)."""
    key = pl.select(title_key(pl.lit(title))).item()
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:PAPER_ID_HEX_DIGITS]


def content_hash(content: bytes) -> str:
    """SHA-256 hex digest of a dump's raw bytes: the same content under two names is one dump."""
    return hashlib.sha256(content).hexdigest()


def dump_id(file_name: str, sha256: str) -> str:
    """Identity of one file version: first 16 hex of SHA-256 over its name and content hash."""
    return hashlib.sha256(f"{file_name}\0{sha256}".encode("utf-8", "surrogateescape")).hexdigest()[
        :16
    ]
