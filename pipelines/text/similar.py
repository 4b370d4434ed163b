"""Similar papers (README "Similar papers"): each paper a vector of its content words, random
projections of those vectors to find each paper's candidates, the exact cosine to rank them.

Pure: frames and arrays in, frames and arrays out. The dbt Python models
``search.similar_signatures`` (the vectors and their projections) and ``marts.similar_papers``
(the lists) call these.

- A paper's vector: its search words (stop words left out, plurals folded) without the
  background words of the ``term_boilerplate`` seed, each weighing ``1 + ln(tf)``, a title
  occurrence counting ``title_weight`` times; scaled to length 1. It depends on the paper alone
  (no IDF), so a paper is signed once and a score never goes stale while both texts stay.
- Its projection: the vector times a random Gaussian direction per word (seeded by the word, so
  the same word always points the same way), ``dims`` figures scaled to length 1: a coarse
  estimate of the cosine (within about ``1 / sqrt(dims)``).
- Every list is scored exactly. When that is affordable (a day's new papers against the
  archive, or a small archive) each asked paper is scored against every paper (``exact_pairs``).
  Otherwise (a full build of a large archive) through an inverted file (``clustered_pairs``):
  the projections clustered by spherical k-means, each cluster's papers compared by projection
  with the papers of its ``probes`` nearest clusters, the best ``candidates`` by that estimate
  scored exactly.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import polars as pl
from scipy import sparse

# exact scores of every asked paper against every paper up to this many multiplications (asked
# papers times the archive's words); candidates by projection above it
EXACT_WORK = 20_000_000_000
_BLOCK = 2048  # query rows scored at once
_PAIR_CHUNK = 250_000  # pairs scored exactly at once


def vectors(postings: pl.DataFrame, background: list[str], title_weight: float) -> pl.DataFrame:
    """One row per paper of ``postings`` (paper_id, word, title_tf, abstract_tf): ``words``
    (sorted), ``weights`` (the unit vector's figures, in the same order) and ``norm`` (the
    length before scaling). A paper of background words only has no row."""
    weighted = (
        postings.filter(~pl.col("word").is_in(background))
        .with_columns(weight=1 + (title_weight * pl.col("title_tf") + pl.col("abstract_tf")).log())
        .with_columns(norm=(pl.col("weight") ** 2).sum().over("paper_id").sqrt())
        .sort("paper_id", "word")
    )
    return weighted.group_by("paper_id", maintain_order=True).agg(
        words=pl.col("word"),
        weights=(pl.col("weight") / pl.col("norm")).cast(pl.Float32),
        norm=pl.col("norm").first(),
    )


def _directions(words: list[str], dims: int) -> np.ndarray:
    """A Gaussian direction per word, the same for a word on every build and machine."""
    out = np.empty((len(words), dims), dtype=np.float32)
    for row, word in enumerate(words):
        seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
        out[row] = np.random.default_rng(seed).standard_normal(dims, dtype=np.float32)
    return out


def matrix(frame: pl.DataFrame) -> sparse.csr_matrix:
    """The unit vectors of ``frame`` (words, weights lists) as rows of a sparse matrix."""
    return _matrix(frame)[0]


def _matrix(frame: pl.DataFrame) -> tuple[sparse.csr_matrix, list[str]]:
    """The papers of ``frame`` (words sorted, weights lists) as rows of a sparse matrix over
    their vocabulary (column j = word j of the returned sorted list). Built straight from the
    lists' offsets: a row's words are sorted, so are its column indices."""
    lengths = frame["words"].list.len().fill_null(0).to_numpy()
    words = frame["words"].explode().drop_nulls()
    vocabulary = words.unique().sort()
    columns = words.cast(pl.Enum(vocabulary)).to_physical().to_numpy().astype(np.int32)
    weights = frame["weights"].explode().drop_nulls().to_numpy().astype(np.float64)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    matrix = sparse.csr_matrix((weights, columns, offsets), shape=(frame.height, len(vocabulary)))
    return matrix, vocabulary.to_list()


def projections(frame: pl.DataFrame, dims: int) -> np.ndarray:
    """Each paper's projection (rows in ``frame`` order), float32 of length 1."""
    if frame.height == 0:
        return np.zeros((0, dims), dtype=np.float32)
    matrix, vocabulary = _matrix(frame)
    projected = np.asarray(matrix @ _directions(vocabulary, dims), dtype=np.float32)
    return _unit(projected)


def _unit(rows: np.ndarray) -> np.ndarray:
    lengths = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(lengths, 1e-12)


def _best_of(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's ``k`` highest scores (any order)."""
    if scores.shape[1] <= k:
        return np.broadcast_to(np.arange(scores.shape[1]), scores.shape).copy()
    return np.argpartition(-scores, k - 1, axis=1)[:, :k]


def clustered_pairs(
    vectors: sparse.csr_matrix,
    projected: np.ndarray,
    queries: np.ndarray,
    k: int,
    probes: int = 12,
    candidates: int = 64,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each asked row's ``k`` best other rows by exact cosine (rounded to 6 decimals), as (left,
    right, score) arrays, for when scoring every pair costs too much: an inverted file of about
    sqrt(n) spherical k-means clusters of the projections; each cluster's rows are compared by
    projection with the rows of its ``probes`` nearest clusters, and each row's ``candidates``
    best by that estimate are scored exactly. A neighbour the estimate misses is missed."""
    n = vectors.shape[0]
    if n < 2 or len(queries) == 0:
        return _stack([])
    centroids, assigned = _clusters(projected, max(2, int(math.sqrt(n))), seed)
    nearest_clusters = _best_of(centroids @ centroids.T, min(probes, len(centroids)))
    members = _members(assigned, len(centroids))
    in_query = np.zeros(n, dtype=bool)
    in_query[queries] = True
    lefts, rights = [], []
    for cluster, cluster_members in enumerate(members):
        asked = cluster_members[in_query[cluster_members]]
        if len(asked) == 0:
            continue
        pool = np.concatenate([members[c] for c in nearest_clusters[cluster]])
        base = projected[pool]
        for start in range(0, len(asked), _BLOCK):
            block = asked[start : start + _BLOCK]
            estimates = projected[block] @ base.T
            estimates[pool[None, :] == block[:, None]] = -np.inf
            best = _best_of(estimates, min(candidates, len(pool)))
            keep = np.take_along_axis(estimates, best, axis=1) > -np.inf
            lefts.append(np.broadcast_to(block[:, None], best.shape)[keep])
            rights.append(pool[best][keep])
    left, right = np.concatenate(lefts), np.concatenate(rights)
    scores = _pair_scores(vectors, left, right)
    ranked = np.lexsort((right, -scores, left))
    left, right, scores = left[ranked], right[ranked], scores[ranked]
    first = np.searchsorted(left, left)  # each row's first pair
    keep = np.arange(len(left)) - first < k
    return left[keep], right[keep], scores[keep]


def _pair_scores(vectors: sparse.csr_matrix, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The cosine of each pair of rows (left[i], right[i]), rounded to 6 decimals."""
    out = np.empty(len(left))
    for start in range(0, len(left), _PAIR_CHUNK):
        a = vectors[left[start : start + _PAIR_CHUNK]]
        b = vectors[right[start : start + _PAIR_CHUNK]]
        out[start : start + _PAIR_CHUNK] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return np.round(out, 6)


def _clusters(projected: np.ndarray, n_clusters: int, seed: int, rounds: int = 8):
    """Spherical k-means on a sample; every row then joins its nearest centroid."""
    rng = np.random.default_rng(seed)
    sample = projected[rng.choice(len(projected), min(len(projected), 64 * n_clusters), False)]
    centroids = sample[rng.choice(len(sample), n_clusters, replace=False)].copy()
    for _ in range(rounds):
        assigned = _assign(sample, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assigned, sample)
        empty = np.linalg.norm(sums, axis=1) == 0
        sums[empty] = sample[rng.choice(len(sample), int(empty.sum()))]
        centroids = _unit(sums)
    return centroids, _assign(projected, centroids)


def _assign(rows: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), dtype=np.int64)
    for start in range(0, len(rows), 16 * _BLOCK):
        out[start : start + 16 * _BLOCK] = np.argmax(
            rows[start : start + 16 * _BLOCK] @ centroids.T, axis=1
        )
    return out


def _members(assigned: np.ndarray, n_clusters: int) -> list[np.ndarray]:
    order = np.argsort(assigned, kind="stable")
    bounds = np.searchsorted(assigned[order], np.arange(n_clusters + 1))
    return [order[bounds[c] : bounds[c + 1]] for c in range(n_clusters)]


def is_exact_affordable(vectors: sparse.csr_matrix, n_asked: int) -> bool:
    return n_asked * vectors.nnz <= EXACT_WORK


def exact_pairs(
    vectors: sparse.csr_matrix, queries: np.ndarray, k: int, floors: np.ndarray | None = None
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each asked row's ``k`` best other rows by exact cosine (rounded to 6 decimals), as
    (left, right, score) arrays; and, when ``floors`` (one per row, inf for none) is given, the
    pairs (row, asked row) whose score reaches that row's floor: the lists an asked paper
    enters."""
    best_parts, entering_parts = [], []
    block_size = max(1, min(256, 100_000_000 // max(vectors.shape[0], 1)))
    for start in range(0, len(queries), block_size):
        block = queries[start : start + block_size]
        scores = np.round(np.asarray(vectors @ vectors[block].T.toarray()), 6)  # rows x block
        scores[block, np.arange(len(block))] = -np.inf
        kk = min(k, vectors.shape[0])
        best = _best_of(scores.T, kk)
        chosen = np.take_along_axis(scores.T, best, axis=1)
        keep = chosen > -np.inf
        best_parts.append(
            (np.broadcast_to(block[:, None], best.shape)[keep], best[keep], chosen[keep])
        )
        if floors is not None:
            rows, columns = np.nonzero(scores >= floors[:, None])
            entering_parts.append((rows, block[columns], scores[rows, columns]))
    return _stack(best_parts), _stack(entering_parts)


def _stack(parts):
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    return tuple(np.concatenate([part[i] for part in parts]) for i in range(3))


def ranked(pairs: pl.DataFrame, per_paper: int, min_score: float) -> pl.DataFrame:
    """Each paper's ``per_paper`` best pairs (paper_id, similar_paper_id, score) of at least
    ``min_score``, one row per pair, ``rank`` 1 = the highest score (ties by similar_paper_id)."""
    return (
        pairs.filter(pl.col("score") >= min_score)
        .unique(["paper_id", "similar_paper_id"])
        .sort("paper_id", "score", "similar_paper_id", descending=[False, True, False])
        .with_columns(rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("paper_id"))
        .filter(pl.col("rank") <= per_paper)
        .select("paper_id", "rank", "similar_paper_id", "score")
    )
