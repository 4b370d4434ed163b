"""The key-phrase extraction of int_paper_terms (pipelines.text.keyphrases): pure, no warehouse."""

import polars as pl

from pipelines.text import keyphrases

STOPWORDS = ["a", "and", "as", "by", "for", "in", "of", "on", "see", "the", "to", "we", "with"]


def _papers(*texts):
    return pl.DataFrame(
        {
            "paper_id": [f"p{i}" for i in range(len(texts))],
            "text_hash": [f"h{i}" for i in range(len(texts))],
            "title": [title for title, _ in texts],
            "abstract": [abstract for _, abstract in texts],
        }
    )


def _phrases(table):
    """Per paper: {surface text: (term text, n_words, n_occurrences)}."""
    texts = {}
    for row in table.column("new_surfaces").to_pylist():
        for surface in row:
            texts[surface["surface_id"]] = (surface["surface"], surface["term"], surface["term_id"])
    result = []
    for terms, surfaces, counts in zip(
        table.column("term_ids").to_pylist(),
        table.column("surface_ids").to_pylist(),
        table.column("n_occurrences").to_pylist(),
        strict=True,
    ):
        paper = {}
        for term_id, surface_id, count in zip(terms, surfaces, counts, strict=True):
            surface, term, text_term_id = texts[surface_id]
            assert text_term_id == term_id
            paper[surface] = (term, term_id >> 62, count)
        result.append(paper)
    return result


def test_phrases_follow_the_rules():
    table = keyphrases.paper_terms(
        _papers(
            (
                "Sparse Mixture-of-Experts Models",
                "We pre-train mixtures of experts (see https://github.com/x/moe-kernels). "
                "The mixture of experts routes 2 tokens; multi-task routing, by the router.",
            )
        ),
        STOPWORDS,
    )
    (paper,) = _phrases(table)
    terms = {term: (words, n) for term, words, n in paper.values()}
    # hyphens split words, a prefix joins ("pre-train" = "pretrain"); plurals fold in the term:
    # "Mixture-of-Experts", "mixtures of experts" and "mixture of experts" are one term, 3 times
    assert terms["mixture of expert"] == (3, 3)
    assert terms["pretrain mixture"] == (2, 1)
    assert terms["multitask routing"] == (2, 1)
    written = {surface for surface in paper}
    assert written & {"mixture of experts", "mixtures of experts"}
    # stop words and numbers neither start nor end a phrase, but may sit inside one
    assert not [s for s in paper if s.split()[0] in STOPWORDS or s.split()[-1] in STOPWORDS]
    assert "2" not in paper and "routes 2" not in paper and "routes 2 tokens" in paper
    # no phrase crosses punctuation (the title/abstract boundary included) or keeps a URL
    assert "models we" not in paper and "experts see" not in paper
    assert not [s for s in paper if "github" in s or "kernels" in s]
    assert "tokens multitask" not in paper
    # a one-word phrase needs three characters
    assert "moe" not in paper  # only inside the URL
    assert table.column("n_word_occurrences").to_pylist() == [
        sum(n for _, words, n in paper.values() if words == 1)
    ]


def test_a_paper_writing_a_term_two_ways_holds_it_once():
    table = keyphrases.paper_terms(
        _papers(("Experts", "An expert and experts and more experts.")), STOPWORDS
    )
    terms = table.column("term_ids").to_pylist()[0]
    assert len(terms) == len(set(terms))
    (paper,) = _phrases(table)
    # the least surface id stands for the term; the count is of both ways
    assert sum(1 for term, _, _ in paper.values() if term == "expert") == 1
    assert [n for term, _, n in paper.values() if term == "expert"] == [4]


def test_ids_do_not_depend_on_the_batch():
    texts = [
        ("Low-Rank Adaptation at Scale", "LoRA adapters for large language models."),
        ("Quantization of Large Language Models", "Post-training quantization, 4-bit weights."),
    ]
    together = keyphrases.paper_terms(_papers(*texts), STOPWORDS)
    apart = [keyphrases.paper_terms(_papers(text), STOPWORDS) for text in texts]

    def pairs(table, i):  # the lists are in no particular order
        return sorted(
            zip(
                table.column("term_ids").to_pylist()[i],
                table.column("surface_ids").to_pylist()[i],
                strict=True,
            )
        )

    for i, alone in enumerate(apart):
        assert pairs(together, i) == pairs(alone, 0)
    # "large language models" in both: its text is given once, by the first paper writing it
    firsts = [[s["surface"] for s in row] for row in together.column("new_surfaces").to_pylist()]
    assert "large language models" in firsts[0] and "large language models" not in firsts[1]
    # surfaces already known are not given again
    known = pl.Series(
        [s["surface_id"] for row in apart[0].column("new_surfaces").to_pylist() for s in row]
    )
    again = keyphrases.paper_terms(_papers(texts[0]), STOPWORDS, known)
    assert again.column("new_surfaces").to_pylist() == [[]]


def test_the_version_changes_with_the_stop_words():
    assert keyphrases.version(STOPWORDS) == keyphrases.version(list(reversed(STOPWORDS)))
    assert keyphrases.version(STOPWORDS) != keyphrases.version([*STOPWORDS, "model"])


def test_papers_without_text_give_empty_lists():
    table = keyphrases.paper_terms(_papers(("", ""), ("A", "of the")), STOPWORDS)
    assert table.column("term_ids").to_pylist() == [[], []]
    assert table.num_rows == 2


def test_pairs_are_exact_when_two_terms_of_a_paper_share_their_low_bits():
    """paper_term_pairs sorts by a key of the doc and the term id's low bits; two terms of one
    paper that agree in those bits must still be two pairs, each counted whole."""
    high = 1 << 63  # with 2 docs the key keeps the term id's low 63 bits: these two collide
    occ = pl.DataFrame(
        {
            "doc": [0, 0, 1, 0, 0],
            "term_id": [5 | high, 5, 5, 5 | high, 9],
            "surface_id": [30, 10, 11, 20, 40],
            "position": [0, 1, 2, 3, 4],
        },
        schema=keyphrases.OCCURRENCES,
    )
    for frame in (occ, occ.filter(pl.col("term_id") != 5 | high)):  # with and without it
        pairs = keyphrases.paper_term_pairs(frame, 2)
        assert pairs["doc"].is_sorted()
        expected = (
            frame.group_by("doc", "term_id")
            .agg(pl.col("surface_id").min(), pl.len().cast(pl.UInt16).alias("n_occurrences"))
            .sort("doc", "term_id")
        )
        assert pairs.sort("doc", "term_id").equals(expected)
    assert keyphrases.paper_term_pairs(occ.clear(), 0).height == 0
