"""Realistic synthetic "Daily Papers" dumps in the real text format, for demo, tests and benchmarks.

A synthetic dump looks like the real ones described in ``shared/FORMAT.md``: the page chrome
("Daily Papers" is sometimes absent), a date line without a year (``Aug 25``), then title and
abstract paragraphs alternating, every paragraph one line, separated by one blank line, ending with
a newline. Every dump parses with ``pipelines.dumps.parse.parse_dumps`` into exactly the listings
generated.

The content reads like ML research. About 30 themes (mixture of experts, LoRA, quantization,
diffusion, GNNs, RL, code generation, genomics, ...) each carry a vocabulary of key phrases; a paper
belongs to one or two themes and its title and abstract use their phrases, so downstream topic
matching has something to find. Theme popularity drifts slowly over the days, so there are trends to
find too. The themes, templates and names are data, in ``vocabulary.toml`` beside this module.

* One dump per consecutive day from ``start``; 50-100 papers per dump.
* ``relist_share`` of the listings in a dump re-list papers seen in earlier dumps (trending papers,
  recent ones favoured, a few long-lived "classics"); the rest are new papers with unique titles.
  A re-listed paper keeps its abstract; within one dump a paper appears at most once.
* ``variant_share`` of the re-listings write the title slightly differently (case, double spaces,
  a dash variant, full-width or other NFKC forms, punctuation) while keeping its ``paper_id`` under
  ``pipelines.dumps.identity``. Variants draw from their own random stream, so the choice and order
  of papers for a seed do not depend on ``variant_share``.
* Deterministic for a seed: only seeded ``random.Random`` instances are used, never the global RNG.

Speed: sentences are not built word by word per paper. Each theme has pools of ready sentences,
joined into ready abstract chunks: a fixed corpus built once per process on first use (from an RNG
seeded by the theme's name), while the seed decides which papers are written from it. An abstract
is three chunks picked to fit a target length, generated once per paper and reused when the paper
is re-listed. Only recent papers (plus a small reservoir of older ones) are kept in memory, so any
number of dumps streams in constant memory.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import functools
import math
import os
import random
import re
import string
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["SyntheticDump", "generate_dumps", "write_dumps"]

_CHROME_TOP = ("new", "Get trending papers in your email inbox!", "Subscribe")
_CHROME_DAILY = "Daily Papers"
_CHROME_BY = "byAK and the research community"
_DAILY_PAPERS_ABSENT_SHARE = 0.25

_TITLE_MIN_CHARS, _TITLE_MAX_CHARS = 15, 180
_ABSTRACT_MIN_CHARS, _ABSTRACT_MAX_CHARS = 1_300, 2_000
_URL_SHARE = 0.25
_CUT_SHARE = 0.03  # abstracts cut off mid-word (or mid-URL), as some real ones are
_SECOND_THEME_SHARE = 0.4
_NAMED_TITLE_SHARE = 0.55
_EXCLAIM_TITLE_SHARE = 0.03

_RECENT_DAYS = 30  # re-listings mostly come from papers first listed in the last month ...
_CLASSICS = 300  # ... and sometimes from a reservoir sample of older papers
_CLASSIC_RELIST_SHARE = 0.15

# Sentences per section and theme, then ready-made abstract chunks assembled from them.
_POOL_SIZES = {
    "context": 120,
    "gap": 80,
    "propose": 120,
    "method": 240,
    "experiment": 140,
    "result": 80,
    "closing": 60,
    "head": 240,
    "tail": 160,
    "exclaim": 30,
    "name": 400,
}
_INTRO_CHUNKS, _METHOD_CHUNKS, _EVAL_CHUNKS = 200, 400, 200
_METHOD_CHUNK_MAX_SENTENCES = 7


@dataclass(frozen=True)
class SyntheticDump:
    """One generated dump: the file name to save it under, its text and its listing date."""

    file_name: str
    text: str
    listing_date: dt.date


# --------------------------------------------------------------------------------------------------
# Vocabulary: the word lists and templates, plain data in ``vocabulary.toml`` beside this module
# (what each list is for is described there), read once on import.
# --------------------------------------------------------------------------------------------------

VOCABULARY_FILE = "vocabulary.toml"
_TEMPLATE_SECTIONS = tuple(section for section in _POOL_SIZES if section != "name")
_NUMBER_SLOTS = frozenset({"pct", "factor", "n", "count"})  # made up by ``_fill``
# What the code reads besides the templates' slots: a table's keys, or a theme's.
_REQUIRED = {
    "generic": (),
    "templates": _TEMPLATE_SECTIONS,
    "names": ("prefixes", "suffixes", "versions", "acronym_letters"),
    "titles": ("small_words",),
    "urls": ("templates", "github_orgs", "hf_orgs", "handle_parts"),
    "plants": ("asides",),
    "themes": (),
}
_REQUIRED_THEME_KEYS = frozenset({"weight", "part"})


def load_vocabulary() -> dict[str, Any]:
    """The package's vocabulary file, parsed; ``ValueError`` when it lacks what the code reads."""
    path = resources.files(__package__).joinpath(VOCABULARY_FILE)
    vocabulary = tomllib.loads(path.read_text(encoding="utf-8"))
    problems = vocabulary_problems(vocabulary)
    if problems:
        raise ValueError(f"{VOCABULARY_FILE}: {'; '.join(problems)}")
    return vocabulary


def vocabulary_problems(vocabulary: dict[str, Any]) -> list[str]:
    """What the generator reads and ``vocabulary`` lacks: a table, a list, or a theme's weight,
    ``part`` or a list a template slot names (``{task}``, ``{task2}`` and ``{Task}`` name the list
    ``task``: of ``[generic]`` when it has one, else of every theme)."""
    problems = []
    for section, keys in _REQUIRED.items():
        table = vocabulary.get(section)
        if not isinstance(table, dict):
            problems.append(f"no [{section}] table")
            continue
        problems += [f"[{section}] has no {key}" for key in keys if key not in table]
    if problems:
        return problems
    slots = {
        slot.rstrip("23")
        for templates in vocabulary["templates"].values()
        for template in templates
        for slot in _slots(template)
    } - _NUMBER_SLOTS
    for name, theme in vocabulary["themes"].items():
        lists = vocabulary["generic"].keys() | theme.keys()
        unknown = slots - lists - {key.capitalize() for key in lists}
        missing = sorted(_REQUIRED_THEME_KEYS - theme.keys())
        missing += [f"a list for {{{slot}}}" for slot in sorted(unknown)]
        if missing:
            problems.append(f"[themes.{name}] lacks {', '.join(missing)}")
    return problems


def _slots(template: str) -> tuple[str, ...]:
    """The distinct slot names of a ``str.format`` template, in order."""
    names = (name for _, name, _, _ in string.Formatter().parse(template) if name)
    return tuple(dict.fromkeys(names))


_KEY_DROP = bytes(c for c in range(256) if not (chr(c).isascii() and chr(c).isalnum()))
_ARTICLE_BEFORE_VOWEL = re.compile(r"\b[aA] (?=[aeioAEIO])")
_PARENTHETICAL = re.compile(r"\s*\([^)]*\)")
_REPO_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DASHES = ("\u2010", "\u2011", "\u2013", "\u2014")  # hyphen, non-breaking hyphen, en, em dash


@dataclass(frozen=True, eq=False)
class _Theme:
    name: str
    weight: float
    vocab: dict[str, tuple[str, ...]]


_VOCABULARY = load_vocabulary()
_THEMES: tuple[_Theme, ...] = tuple(
    _Theme(
        name,
        float(theme["weight"]),
        {key: tuple(options) for key, options in theme.items() if key != "weight"},
    )
    for name, theme in _VOCABULARY["themes"].items()
)
_GENERIC_VOCAB = {key: tuple(options) for key, options in _VOCABULARY["generic"].items()}
# In the code's order of sections, not the file's: the pools are drawn section by section.
_PARSED_TEMPLATES = {
    section: tuple((template, _slots(template)) for template in _VOCABULARY["templates"][section])
    for section in _TEMPLATE_SECTIONS
}
_NAME_PREFIXES = tuple(_VOCABULARY["names"]["prefixes"])
_NAME_SUFFIXES = tuple(_VOCABULARY["names"]["suffixes"])
_NAME_VERSIONS = tuple(_VOCABULARY["names"]["versions"])
_ACRONYM_LETTERS = _VOCABULARY["names"]["acronym_letters"]
_SMALL_WORDS = frozenset(_VOCABULARY["titles"]["small_words"])
_URL_TEMPLATES = tuple(_VOCABULARY["urls"]["templates"])
_GITHUB_ORGS = tuple(_VOCABULARY["urls"]["github_orgs"])
_HF_ORGS = tuple(_VOCABULARY["urls"]["hf_orgs"])
_HANDLE_PARTS = tuple(_VOCABULARY["urls"]["handle_parts"])
_PLANT_ASIDES = tuple(_VOCABULARY["plants"]["asides"])


def _titlecase(phrase: str) -> str:
    """Title-case a phrase for use in a paper title, keeping acronyms and small words as is."""
    phrase = _PARENTHETICAL.sub("", phrase)
    if phrase.startswith(("a ", "an ", "the ")):
        phrase = phrase.split(" ", 1)[1]
    words = []
    for w_index, word in enumerate(phrase.split(" ")):
        parts = []
        for p_index, part in enumerate(word.split("-")):
            # Small words stay lower-case inside ("Mixture-of-Experts", "Tuning for Code"), but
            # not at the start of the title or of a compound ("In-Context").
            starts = p_index == 0 and (w_index == 0 or "-" in word)
            if part.islower() and (starts or part not in _SMALL_WORDS):
                part = part[0].upper() + part[1:]
            parts.append(part)
        words.append("-".join(parts))
    return " ".join(words)


def _fill(
    template: str,
    slots: tuple[str, ...],
    vocab: dict[str, tuple[str, ...]],
    rnd: Callable[[], float],
) -> str:
    """Fill a template's slots from the vocabulary (``key2``/``key3`` differ from ``key``)."""
    values: dict[str, str] = {}
    for key in slots:
        if key == "pct":
            value = f"{0.8 + 17.0 * rnd() * rnd():.1f}%"
        elif key == "factor":
            value = f"{1.3 + 6.0 * rnd() * rnd():.1f}x"
        elif key == "n":
            value = str(3 + int(rnd() * 28))
        elif key == "count":
            value = f"{1 + int(rnd() * 900)}{'KMB'[int(rnd() * 3)]}"
        else:
            base = key.rstrip("23")
            options = vocab[base]
            value = options[int(rnd() * len(options))]
            if base != key:
                taken = (values.get(base), values.get(base + "2"))
                for _ in range(4):
                    if value not in taken:
                        break
                    value = options[int(rnd() * len(options))]
        values[key] = value
    return _ARTICLE_BEFORE_VOWEL.sub("an ", template.format_map(values))


@dataclass(frozen=True, eq=False)
class _ThemePools:
    """One theme's ready-made material.

    Title fragments: ``names`` (method names), ``heads``, ``tails`` (with ``tail_words``, the last
    word of each tail) and ``exclaims``. Abstract chunks: ``intro`` (context, gap and proposal
    sentences), ``method`` (1-7 method sentences, sorted by length, ``method_lengths``, so an
    abstract can pick one that fits its target length) and ``evaluation`` (experiments, results).
    Sentences name the method ``@M@``; no chunk repeats a sentence template.
    """

    names: tuple[str, ...]
    heads: tuple[str, ...]
    tails: tuple[str, ...]
    tail_words: tuple[str, ...]
    exclaims: tuple[str, ...]
    intro: tuple[str, ...]
    method: tuple[str, ...]
    method_lengths: tuple[int, ...]
    evaluation: tuple[str, ...]


@functools.cache
def _theme_pools(theme: _Theme) -> _ThemePools:
    """Ready-made sentences, abstract chunks, title fragments and method names of one theme.

    Built once per process on first use, from an RNG seeded by the theme's name alone: the pools
    are a fixed corpus (like a vocabulary), while the seed of ``generate_dumps`` decides which
    papers are written from them. That keeps every ``generate_dumps`` call after the first fast.
    """
    rng = random.Random(f"synth-pools:{theme.name}")
    vocab = _vocabulary(theme)
    rnd = rng.random
    text: dict[str, list[str]] = {}
    template_of: dict[str, list[int]] = {}
    for section, templates in _PARSED_TEMPLATES.items():
        capitalize = section != "tail"
        indices = [int(rnd() * len(templates)) for _ in range(_POOL_SIZES[section])]
        out = []
        for index in indices:
            template, slots = templates[index]
            filled = _fill(template, slots, vocab, rnd)
            out.append(filled[0].upper() + filled[1:] if capitalize else filled)
        text[section] = out
        template_of[section] = indices

    def chunk(sections: list[str]) -> str:
        """Join one sentence per entry of ``sections``, never the same template twice."""
        used: set[tuple[str, int]] = set()
        picked = []
        for section in sections:
            sentences, templates = text[section], template_of[section]
            for _ in range(6):
                i = int(rnd() * len(sentences))
                if (section, templates[i]) not in used:
                    break
            used.add((section, templates[i]))
            picked.append(sentences[i])
        return " ".join(picked)

    intro = [
        chunk(["context"] * (1 + (rnd() < 0.5)) + ["gap", "propose"]) for _ in range(_INTRO_CHUNKS)
    ]
    method = sorted(
        (
            chunk(["method"] * (1 + int(rnd() * _METHOD_CHUNK_MAX_SENTENCES)))
            for _ in range(_METHOD_CHUNKS)
        ),
        key=len,
    )
    evaluation = [
        chunk(
            ["experiment"] * (1 + (rnd() < 0.5)) + ["result"] + (["closing"] if rnd() < 0.4 else [])
        )
        for _ in range(_EVAL_CHUNKS)
    ]
    return _ThemePools(
        names=tuple(_method_name(theme, rng) for _ in range(_POOL_SIZES["name"])),
        heads=tuple(text["head"]),
        tails=tuple(text["tail"]),
        tail_words=tuple(tail.rsplit(" ", 1)[-1] for tail in text["tail"]),
        exclaims=tuple(text["exclaim"]),
        intro=tuple(intro),
        method=tuple(method),
        method_lengths=tuple(len(m) for m in method),
        evaluation=tuple(evaluation),
    )


@functools.cache
def _vocabulary(theme: _Theme) -> dict[str, tuple[str, ...]]:
    """A theme's slot vocabulary; a capitalised key (``Task``) holds the title-case forms."""
    vocab = {**_GENERIC_VOCAB, **theme.vocab}
    for key, options in list(vocab.items()):
        vocab[key.capitalize()] = tuple(dict.fromkeys(_titlecase(option) for option in options))
    return vocab


def _method_name(theme: _Theme, rng: random.Random) -> str:
    """A made-up method name in the styles of real ones: ``FluxMoE``, ``SpQR``, ``Orca-2``."""
    rnd = rng.random
    parts = theme.vocab["part"]
    part = parts[int(rnd() * len(parts))]
    prefix = _NAME_PREFIXES[int(rnd() * len(_NAME_PREFIXES))]
    style = rnd()
    if style < 0.35:
        name = prefix + part
    elif style < 0.55:
        name = part + _NAME_SUFFIXES[int(rnd() * len(_NAME_SUFFIXES))]
    elif style < 0.8:
        letters = [_ACRONYM_LETTERS[int(rnd() * len(_ACRONYM_LETTERS))] for _ in range(3)]
        extra = int(rnd() * 3)
        letters += [_ACRONYM_LETTERS[int(rnd() * len(_ACRONYM_LETTERS))] for _ in range(extra)]
        if rnd() < 0.25:
            letters[1] = letters[1].lower()
        if rnd() < 0.15:
            letters.insert(2, str(2 + int(rnd() * 7)))
        name = "".join(letters)
    else:
        name = prefix + "-" + part if rnd() < 0.5 else prefix
    decoration = rnd()
    if decoration < 0.04:
        name += "++"
    elif decoration < 0.08:
        name += "^{2}"
    elif decoration < 0.25:
        name += _NAME_VERSIONS[int(rnd() * len(_NAME_VERSIONS))]
    return name


def _title_key(title: str) -> bytes:
    """Identity key of an ASCII title (what ``identity.title_key`` computes for ASCII text)."""
    return title.encode().lower().translate(None, _KEY_DROP)


def _variant(title: str, rng: random.Random) -> str:
    """The same title written slightly differently; identical under ``identity.title_key``."""
    rnd = rng.random
    for _ in range(8):
        kind = int(rnd() * 6)
        if kind == 0:  # case change
            out = (title.lower(), title.upper(), title.title())[int(rnd() * 3)]
        elif kind == 1:  # a double space
            spaces = [i for i, c in enumerate(title) if c == " "]
            if not spaces:
                continue
            i = spaces[int(rnd() * len(spaces))]
            out = title[:i] + "  " + title[i + 1 :]
        elif kind == 2:  # dash variant
            if "-" not in title:
                continue
            out = title.replace("-", _DASHES[int(rnd() * len(_DASHES))])
        elif kind == 3:  # full-width letters and digits in one word (NFKC folds them back)
            words = title.split(" ")
            i = int(rnd() * len(words))
            words[i] = "".join(
                chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in words[i]
            )
            out = " ".join(words)
        elif kind == 4:  # other NFKC forms: ligature, superscript two
            out = title.replace("fi", "\ufb01").replace("^{2}", "\u00b2")
        else:  # punctuation change
            if ": " in title:
                out = title.replace(": ", (" - ", " \u2014 ", ", ", " ")[int(rnd() * 4)], 1)
            else:
                out = title + "."
        if out != title:
            return out
    return title + "."


@dataclass(frozen=True)
class PlantedPhrase:
    """A phrase that starts to appear at dump ``start_dump`` (0-based) in ``share`` of the new
    papers of every dump from then on (re-listings of those papers carry it too): a burst to test
    emerging-term detection on."""

    phrase: str
    start_dump: int
    share: float

    def __post_init__(self) -> None:
        if not self.phrase.strip():
            raise ValueError("a planted phrase must not be empty")
        if self.start_dump < 0:
            raise ValueError("a planted phrase's start dump must not be negative")
        if not 0.0 < self.share <= 1.0:
            raise ValueError("a planted phrase's share must be in (0, 1]")

    @classmethod
    def parse(cls, text: str) -> PlantedPhrase:
        """``PHRASE@DUMP:SHARE``, e.g. ``spectral routing@20:0.3``."""
        phrase, at, rest = text.rpartition("@")
        start, colon, share = rest.partition(":")
        try:
            numbers = (int(start), float(share)) if at and colon else None
        except ValueError:
            numbers = None
        if numbers is None:
            raise ValueError(f"--plant {text!r} is not PHRASE@DUMP:SHARE (e.g. 'x routing@20:0.3')")
        return cls(phrase.strip(), *numbers)


class _Paper(NamedTuple):
    number: int
    title: str
    abstract: str


class _Generator:
    """State of one ``generate_dumps`` run: RNGs, pools, recent papers and used title keys."""

    def __init__(
        self,
        seed: int,
        relist_share: float,
        variant_share: float,
        papers_per_dump: tuple[int, int],
        plants: Sequence[PlantedPhrase] = (),
    ) -> None:
        self.rng = random.Random(seed)
        # planting draws from its own generator: the dumps are otherwise the same with or without
        self.plant_rng = random.Random(f"synth-plants:{seed}")
        self.plants = tuple(plants)
        self.variant_rng = random.Random(f"synth-variants:{seed}")
        self.relist_share = relist_share
        self.variant_share = variant_share
        self.low, self.high = papers_per_dump
        self.recent: list[_Paper] = []
        self.classics: list[_Paper] = []
        self.evicted = 0
        self.keys: set[bytes] = set()
        self.papers = 0
        rnd = self.rng.random
        # Theme popularity drifts: each theme's weight oscillates with its own period and phase.
        self.drift = [
            (theme.weight, 200.0 + 800.0 * rnd(), 2.0 * math.pi * rnd(), 0.3 + 0.5 * rnd())
            for theme in _THEMES
        ]
        self.users = [self._handle() for _ in range(400)]

    def _handle(self) -> str:
        rnd = self.rng.random
        first = _HANDLE_PARTS[int(rnd() * len(_HANDLE_PARTS))]
        second = _HANDLE_PARTS[int(rnd() * len(_HANDLE_PARTS))]
        style = rnd()
        if style < 0.4:
            return first + second
        if style < 0.7:
            return f"{first}-{second}"
        return f"{first}{second}{int(rnd() * 100)}"

    def dump(self, index: int, day: dt.date, day_number: int) -> SyntheticDump:
        rng = self.rng
        rnd = rng.random
        cum: list[float] = []
        total = 0.0
        for weight, period, phase, amplitude in self.drift:
            swing = amplitude * math.sin(2.0 * math.pi * day_number / period + phase)
            total += weight * (1.0 + swing)
            cum.append(total)

        n_papers = self.low + int(rnd() * (self.high - self.low + 1))
        n_relist = min(round(n_papers * self.relist_share), len(self.recent) + len(self.classics))
        listings = [(paper, True) for paper in self._relisted(n_relist)]
        new = [self._new_paper(cum, total) for _ in range(n_papers - len(listings))]
        new = [self._plant(paper, index) for paper in new]
        listings += [(paper, False) for paper in new]
        rng.shuffle(listings)

        paragraphs = list(_CHROME_TOP)
        if rnd() >= _DAILY_PAPERS_ABSENT_SHARE:
            paragraphs.append(_CHROME_DAILY)
        paragraphs.append(_CHROME_BY)
        paragraphs.append(f"{calendar.month_abbr[day.month]} {day.day}")
        vrnd = self.variant_rng.random
        for paper, relisted in listings:
            title = paper.title
            if relisted and vrnd() < self.variant_share:
                title = _variant(title, self.variant_rng)
            paragraphs.append(title)
            paragraphs.append(paper.abstract)
        file_name = f"{index:05d}_{rng.getrandbits(64):016x}.txt"

        self._remember(new, n_papers)
        return SyntheticDump(file_name, "\n\n".join(paragraphs) + "\n", day)

    def _plant(self, paper: _Paper, index: int) -> _Paper:
        """``paper`` with each planted phrase due at dump ``index`` put into its abstract (an aside
        at the end of the first sentence) with the phrase's probability."""
        abstract = paper.abstract
        for plant in self.plants:
            if index < plant.start_dump or self.plant_rng.random() >= plant.share:
                continue
            aside = _PLANT_ASIDES[int(self.plant_rng.random() * len(_PLANT_ASIDES))]
            first_end = abstract.find(". ")
            first_end = first_end if first_end >= 0 else len(abstract)
            abstract = (
                f"{abstract[:first_end]} {aside.format(phrase=plant.phrase)}{abstract[first_end:]}"
            )
        return paper if abstract is paper.abstract else paper._replace(abstract=abstract)

    def _relisted(self, k: int) -> list[_Paper]:
        """``k`` distinct earlier papers, mostly recent ones (the most recent favoured)."""
        rnd = self.rng.random
        recent, classics = self.recent, self.classics
        chosen: dict[int, _Paper] = {}
        attempts = 0
        while len(chosen) < k and attempts < 50 * k + 100:
            attempts += 1
            if classics and (rnd() < _CLASSIC_RELIST_SHARE or not recent):
                paper = classics[int(rnd() * len(classics))]
            else:
                r = rnd()
                paper = recent[len(recent) - 1 - int(r * r * len(recent))]
            chosen.setdefault(paper.number, paper)
        if len(chosen) < k:  # only with a tiny history: take the most recent papers left
            for paper in reversed(recent + classics):
                if len(chosen) >= k:
                    break
                chosen.setdefault(paper.number, paper)
        return list(chosen.values())

    def _remember(self, new: list[_Paper], n_papers: int) -> None:
        """Add new papers to the recent ones; retire the oldest into the classics reservoir."""
        self.recent.extend(new)
        keep = _RECENT_DAYS * max(1, n_papers - round(n_papers * self.relist_share))
        excess = len(self.recent) - keep
        if excess <= 0:
            return
        rnd = self.rng.random
        for paper in self.recent[:excess]:
            self.evicted += 1
            if len(self.classics) < _CLASSICS:
                self.classics.append(paper)
            else:
                j = int(rnd() * self.evicted)
                if j < _CLASSICS:
                    self.classics[j] = paper
        del self.recent[:excess]

    def _new_paper(self, cum: list[float], total: float) -> _Paper:
        """A new paper of one or two themes, with a unique title and its abstract."""
        rnd = self.rng.random
        last = len(_THEMES) - 1
        primary = _THEMES[min(bisect.bisect_right(cum, rnd() * total), last)]
        secondary = primary
        if rnd() < _SECOND_THEME_SHARE:
            secondary = _THEMES[min(bisect.bisect_right(cum, rnd() * total), last)]
        p, s = _theme_pools(primary), _theme_pools(secondary)
        title, name = self._title(p, s)
        self.papers += 1
        return _Paper(self.papers, title, self._abstract(p, s, name))

    def _title(self, p: _ThemePools, s: _ThemePools) -> tuple[str, str]:
        """A new, unique title (head from the primary theme, tail from the secondary one) and the
        method name the abstract uses."""
        rnd = self.rng.random
        names, heads, tails, tail_words = p.names, p.heads, s.tails, s.tail_words
        for attempt in range(20):
            name = names[int(rnd() * len(names))]
            if attempt >= 10:  # crowded: make the name itself new
                name = f"{name}-v{attempt - 8}"
            head = heads[int(rnd() * len(heads))]
            t = int(rnd() * len(tails))
            if tail_words[t] in head:  # no "LLM Alignment for Alignment"
                continue
            form = rnd()
            if form < _EXCLAIM_TITLE_SHARE:
                title = f"{name}: {p.exclaims[int(rnd() * len(p.exclaims))]}"
            elif form < _EXCLAIM_TITLE_SHARE + _NAMED_TITLE_SHARE or attempt >= 10:
                title = f"{name}: {head} {tails[t]}"
            else:
                title = f"{head} {tails[t]}"
            if len(title) > _TITLE_MAX_CHARS:
                title = title[: title.rindex(" ", 0, _TITLE_MAX_CHARS)]
            key = _title_key(title)
            if len(title) >= _TITLE_MIN_CHARS and key not in self.keys:
                self.keys.add(key)
                return title, name
        raise RuntimeError("could not draw a unique title")  # pragma: no cover

    def _abstract(self, p: _ThemePools, s: _ThemePools, name: str) -> str:
        """An abstract of about 1,300-2,000 characters: intro, method and evaluation chunks.

        The intro comes from the primary theme ``p``, the method part from the secondary one ``s``
        (the same pools for a one-theme paper), the evaluation from either.
        """
        rnd = self.rng.random
        intro = p.intro[int(rnd() * len(p.intro))]
        evaluation = (p if rnd() < 0.5 else s).evaluation
        evaluation = evaluation[int(rnd() * len(evaluation))]
        url = self._url(name) if rnd() < _URL_SHARE else ""
        target = _ABSTRACT_MIN_CHARS + 50 + int(rnd() * 600)
        room = target - len(intro) - len(evaluation) - len(url) - 3
        # The longest method chunk that fits, or one of the few just below it.
        i = bisect.bisect_right(s.method_lengths, room) - 1 - int(rnd() * 8)
        method = s.method[max(0, min(i, len(s.method) - 1))]
        if url:
            text = f"{intro} {method} {evaluation} {url}".replace("@M@", name)
        else:
            text = f"{intro} {method} {evaluation}".replace("@M@", name)
        if rnd() < _CUT_SHARE and len(text) > _ABSTRACT_MIN_CHARS + 50:
            cut = _ABSTRACT_MIN_CHARS + int(rnd() * (len(text) - _ABSTRACT_MIN_CHARS - 10))
            text = text[:cut].rstrip()
        return text

    def _url(self, name: str) -> str:
        rnd = self.rng.random
        repo = _REPO_UNSAFE.sub("", name.replace("^{2}", "2").replace("++", "-plus"))
        if rnd() < 0.3:
            repo = repo.lower()
        user = (
            _GITHUB_ORGS[int(rnd() * len(_GITHUB_ORGS))]
            if rnd() < 0.3
            else self.users[int(rnd() * len(self.users))]
        )
        org = _HF_ORGS[int(rnd() * len(_HF_ORGS))] if rnd() < 0.5 else user
        template = _URL_TEMPLATES[int(rnd() * len(_URL_TEMPLATES))]
        return template.format(user=user, repo=repo, org=org)


def generate_dumps(
    n_dumps: int,
    seed: int = 0,
    relist_share: float = 1 / 3,
    variant_share: float = 0.05,
    start: dt.date = dt.date(2025, 1, 6),
    papers_per_dump: tuple[int, int] = (50, 100),
    plants: Sequence[PlantedPhrase] = (),
) -> Iterator[SyntheticDump]:
    """Yield ``n_dumps`` synthetic dumps, one per consecutive day from ``start`` (deterministic);
    ``plants`` put phrases into new papers from a given dump on (see ``PlantedPhrase``)."""
    low, high = papers_per_dump
    if n_dumps < 0:
        raise ValueError("n_dumps must not be negative")
    if not 1 <= low <= high:
        raise ValueError("papers_per_dump must be (low, high) with 1 <= low <= high")
    if not 0.0 <= relist_share < 1.0:
        raise ValueError("relist_share must be in [0, 1)")
    if not 0.0 <= variant_share <= 1.0:
        raise ValueError("variant_share must be in [0, 1]")
    generator = _Generator(seed, relist_share, variant_share, (low, high), plants)
    # Arguments are checked on the call above; the dumps themselves are made lazily.
    return (
        generator.dump(index, start + dt.timedelta(days=index), index) for index in range(n_dumps)
    )


def write_dumps(out_dir: Path, n_dumps: int, seed: int = 0, **kwargs: Any) -> list[Path]:
    """Write ``generate_dumps(n_dumps, seed, **kwargs)`` to ``out_dir``, each file atomically."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for dump in generate_dumps(n_dumps, seed, **kwargs):
        path = out_dir / dump.file_name
        part = out_dir / (dump.file_name + ".part")
        noon = dt.datetime.combine(dump.listing_date, dt.time(12), tzinfo=dt.UTC).timestamp()
        try:
            part.write_bytes(dump.text.encode("utf-8"))
            os.utime(part, (noon, noon))  # before the rename: the visible file is final at once
            os.replace(part, path)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        paths.append(path)
    return paths
