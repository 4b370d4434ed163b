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
import string

import duckdb
import polars as pl

PAPER_ID_HEX_DIGITS = 16

# Full case folds that Unicode lower-casing does not do (Python's str.casefold does them).
_CASEFOLD_EXTRAS = {"ß": "ss", "ẞ": "ss", "ς": "σ", "ﬅ": "st", "ﬆ": "st"}
# The rule on ASCII, as one byte table: upper case to lower case, every other byte but letters,
# digits and "\n" (which separates titles, and is never inside one) deleted.
_ASCII_LOWER = bytes.maketrans(string.ascii_uppercase.encode(), string.ascii_lowercase.encode())
_ASCII_NOT_KEY = bytes(b for b in range(128) if not chr(b).isalnum() and b != ord("\n"))


def title_key(titles: pl.Expr) -> pl.Expr:
    """Normalised title key (NFKC, case-folded, letters and digits only) of a title column."""
    folded = titles.str.normalize("NFKC").str.to_lowercase()
    for source, target in _CASEFOLD_EXTRAS.items():
        folded = folded.str.replace_all(source, target, literal=True)
    return folded.str.replace_all(r"[^\p{L}\p{N}]+", "")


def title_keys(titles: pl.Series) -> pl.Series:
    """``title_key`` of each title of a Series, in order: the same keys, faster.

    NFKC and case folding leave ASCII as lower-casing does, and its letters and digits are
    ``[a-z0-9]``: the ASCII titles (nearly all) are joined into one buffer and keyed by a single
    ``bytes.translate`` over it, where a regex replace costs a match per word of every title.
    """
    is_plain = titles.str.len_bytes() == titles.str.len_chars()  # ASCII
    plain = titles.filter(is_plain)
    plain_keys = pl.Series(titles.name, [], dtype=pl.String)
    if plain.len():
        buffer = plain.str.join("\n").cast(pl.Binary).item()
        translated = buffer.translate(_ASCII_LOWER, _ASCII_NOT_KEY)
        plain_keys = pl.Series(titles.name, [translated], dtype=pl.Binary).cast(pl.String)
        plain_keys = plain_keys.str.split("\n").explode()
        if plain_keys.len() != plain.len():  # a title holds "\n": the split went astray
            return pl.select(title_key(pl.lit(titles))).to_series().alias(titles.name)
    if plain.len() == titles.len():
        return plain_keys
    other_keys = pl.select(title_key(pl.lit(titles.filter(~is_plain)))).to_series()
    keys = pl.Series(titles.name, [None] * titles.len(), dtype=pl.String)
    return keys.scatter(is_plain.arg_true(), plain_keys).scatter((~is_plain).arg_true(), other_keys)


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
