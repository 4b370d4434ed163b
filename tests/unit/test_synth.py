"""Tests for the synthetic dump generator: format, determinism, re-listings, variants, writing."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from pipelines.dumps.parse import DumpFile, ParsedDumps, parse_dumps
from pipelines.synth.generator import (
    PlantedPhrase,
    SyntheticDump,
    generate_dumps,
    load_vocabulary,
    vocabulary_problems,
    write_dumps,
)

CHROME = ["new", "Get trending papers in your email inbox!", "Subscribe"]
DATE_LINE = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]|[12]\d|3[01])$")
FILE_NAME = re.compile(r"^\d{5}_[0-9a-f]{16}\.txt$")
N_DUMPS = 30
THEME_LISTS = {
    "field",
    "problem",
    "technique",
    "task",
    "bench",
    "metric",
    "data",
    "baseline",
    "term",
    "part",
}


def body_pairs(text: str) -> list[tuple[str, str]]:
    """The (title, abstract) pairs of a generated dump: the paragraphs after its date line."""
    paragraphs = text.removesuffix("\n").split("\n\n")
    date_index = next(i for i, p in enumerate(paragraphs) if DATE_LINE.match(p))
    body = paragraphs[date_index + 1 :]
    assert len(body) % 2 == 0, "titles and abstracts must come in pairs"
    return list(zip(body[0::2], body[1::2], strict=True))


def read_dumps(paths: list[Path]) -> list[DumpFile]:
    """DumpFiles as the pipeline reads them: name, bytes and modification time (UTC)."""
    return [
        DumpFile(p.name, p.read_bytes(), dt.datetime.fromtimestamp(p.stat().st_mtime, tz=dt.UTC))
        for p in paths
    ]


def parse_generated(dumps: list[SyntheticDump]) -> ParsedDumps:
    """Parse generated dumps in memory, with each file's mtime at noon of its listing date."""
    return parse_dumps(
        [
            DumpFile(
                d.file_name,
                d.text.encode("utf-8"),
                dt.datetime.combine(d.listing_date, dt.time(12), tzinfo=dt.UTC),
            )
            for d in dumps
        ]
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[SyntheticDump], list[Path]]:
    """30 dumps (seed 0) generated in memory and the same 30 written to a folder."""
    out_dir = tmp_path_factory.mktemp("dumps")
    return list(generate_dumps(N_DUMPS)), write_dumps(out_dir, N_DUMPS)


@pytest.fixture(scope="module")
def parsed(written: tuple[list[SyntheticDump], list[Path]]) -> ParsedDumps:
    return parse_dumps(read_dumps(written[1]))


def test_same_seed_writes_identical_dumps(tmp_path: Path) -> None:
    first = write_dumps(tmp_path / "a", 4, seed=7)
    second = write_dumps(tmp_path / "b", 4, seed=7)
    other = write_dumps(tmp_path / "c", 4, seed=8)
    assert [p.name for p in first] == [p.name for p in second]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert [p.stat().st_mtime for p in first] == [p.stat().st_mtime for p in second]
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]
    assert [p.name for p in first] != [p.name for p in other]


def test_written_files_hold_the_generated_text(
    written: tuple[list[SyntheticDump], list[Path]],
) -> None:
    dumps, paths = written
    assert [p.name for p in paths] == [d.file_name for d in dumps]
    assert [p.read_text(encoding="utf-8") for p in paths] == [d.text for d in dumps]


def test_dumps_parse_into_exactly_the_generated_listings(
    written: tuple[list[SyntheticDump], list[Path]], parsed: ParsedDumps
) -> None:
    dumps, _ = written
    assert parsed.rejects.height == 0
    assert parsed.dumps.get_column("parse_status").to_list() == ["ok"] * N_DUMPS
    total = 0
    for dump in dumps:
        expected = [
            (re.sub(r"\s+", " ", title), abstract) for title, abstract in body_pairs(dump.text)
        ]
        got = parsed.sightings.filter(pl.col("file_name") == dump.file_name).sort("position")
        assert list(zip(got["title"], got["abstract"], strict=True)) == expected
        total += len(expected)
    assert parsed.sightings.height == total


def test_dumps_follow_the_real_layout(written: tuple[list[SyntheticDump], list[Path]]) -> None:
    dumps, _ = written
    start = dt.date(2025, 1, 6)
    with_daily_papers = 0
    for i, dump in enumerate(dumps):
        assert FILE_NAME.match(dump.file_name) and dump.file_name.startswith(f"{i:05d}_")
        assert dump.listing_date == start + dt.timedelta(days=i)
        assert dump.text.endswith("\n") and not dump.text.endswith("\n\n")
        assert "\n\n\n" not in dump.text
        paragraphs = dump.text.removesuffix("\n").split("\n\n")
        assert all(p and "\n" not in p and p == p.strip() for p in paragraphs)
        assert paragraphs[:3] == CHROME
        header = paragraphs[3:6] if paragraphs[3] == "Daily Papers" else paragraphs[3:5]
        with_daily_papers += paragraphs[3] == "Daily Papers"
        date = dump.listing_date
        assert header[-2:] == ["byAK and the research community", f"{date:%b} {date.day}"]
        pairs = body_pairs(dump.text)
        assert 50 <= len(pairs) <= 100
        for title, abstract in pairs:
            assert 15 <= len(title) <= 180
            assert 1_300 <= len(abstract) <= 2_000
    assert 0 < with_daily_papers < N_DUMPS  # "Daily Papers" is sometimes absent


def test_content_reads_like_ml_research(written: tuple[list[SyntheticDump], list[Path]]) -> None:
    dumps, _ = written
    pairs = [pair for dump in dumps for pair in body_pairs(dump.text)]
    abstracts = [abstract for _, abstract in pairs]
    titles = [title for title, _ in pairs]
    with_url = sum("https://" in a for a in abstracts) / len(abstracts)
    assert 0.15 < with_url < 0.35
    assert sum(a.endswith(".") for a in abstracts) / len(abstracts) > 0.9
    assert any("https://github.com/" in a for a in abstracts)
    assert any("https://huggingface.co/" in a for a in abstracts)
    assert sum(": " in t for t in titles) / len(titles) > 0.3  # "Name: Subtitle"
    assert any("++" in t or "^{2}" in t for t in titles)
    text = " ".join(titles + abstracts).lower()
    phrases = [
        "mixture-of-experts",
        "lora",
        "quantization",
        "diffusion",
        "graph neural networks",
        "reinforcement learning",
        "code generation",
        "protein",
        "time series",
        "speech",
        "vision-language",
        "chain-of-thought",
        "state space models",
        "mamba",
        "adversarial",
        "benchmark",
        "retrieval-augmented generation",
        "agents",
        "robot",
        "gaussian splatting",
        "video generation",
        "federated learning",
        "differential privacy",
        "rlhf",
        "long-context",
        "continual learning",
        "medical image",
        "recommend",
    ]
    missing = [p for p in phrases if p not in text]
    assert not missing


def test_relisted_share_is_roughly_as_requested(parsed: ParsedDumps) -> None:
    sightings = parsed.sightings
    # Within one dump a paper appears at most once.
    assert sightings.select("file_name", "paper_id").is_unique().all()
    relisted = 1 - sightings["paper_id"].n_unique() / sightings.height
    expected = (1 / 3) * (N_DUMPS - 1) / N_DUMPS  # the first dump has nothing to re-list
    assert abs(relisted - expected) < 0.03


@pytest.mark.parametrize("share", [0.0, 0.6])
def test_relist_share_controls_how_many_listings_are_old_papers(share: float) -> None:
    sightings = parse_generated(list(generate_dumps(10, seed=2, relist_share=share))).sightings
    relisted = 1 - sightings["paper_id"].n_unique() / sightings.height
    assert abs(relisted - share * 9 / 10) < 0.03


def test_title_variants_map_to_the_same_paper_id() -> None:
    plain = parse_generated(list(generate_dumps(15, seed=5, variant_share=0.0))).sightings
    varied = parse_generated(list(generate_dumps(15, seed=5, variant_share=1.0))).sightings
    # Same papers in the same places: only the way re-listed titles are written differs.
    assert varied["paper_id"].to_list() == plain["paper_id"].to_list()
    assert varied["abstract"].to_list() == plain["abstract"].to_list()
    changed = sum(a != b for a, b in zip(plain["title"], varied["title"], strict=True))
    relistings = plain.height - plain["paper_id"].n_unique()
    assert changed > 0.7 * relistings  # double spaces collapse when parsed, so not all differ
    titles_per_paper = varied.group_by("paper_id").agg(pl.col("title").n_unique())
    assert titles_per_paper["title"].max() > 1
    # Without variants a paper is always listed under one title.
    assert plain.group_by("paper_id").agg(pl.col("title").n_unique())["title"].max() == 1


def test_default_variant_share_writes_a_few_titles_differently(parsed: ParsedDumps) -> None:
    titles_per_paper = parsed.sightings.group_by("paper_id").agg(pl.col("title").n_unique())
    assert titles_per_paper.filter(pl.col("title") > 1).height >= 1


def test_write_dumps_leaves_no_part_file_and_dates_files_for_year_inference(
    tmp_path: Path,
) -> None:
    start = dt.date(2025, 12, 30)  # runs into the next year: the inferred year must follow
    paths = write_dumps(tmp_path / "new" / "landing", 4, seed=3, start=start)
    assert sorted(p.name for p in (tmp_path / "new" / "landing").iterdir()) == sorted(
        p.name for p in paths
    )
    assert not list(tmp_path.rglob("*.part"))
    generated = list(generate_dumps(4, seed=3, start=start))
    for path, dump in zip(paths, generated, strict=True):
        noon = dt.datetime.combine(dump.listing_date, dt.time(12), tzinfo=dt.UTC)
        assert path.stat().st_mtime == noon.timestamp()
    facts = parse_dumps(read_dumps(paths)).dumps.sort("file_name")
    assert facts["listing_date_source"].to_list() == ["inferred"] * 4
    assert facts["listing_date"].to_list() == [d.listing_date for d in generated]
    assert [d.listing_date.year for d in generated] == [2025, 2025, 2026, 2026]


def test_generation_is_lazy_and_rejects_bad_arguments_at_once() -> None:
    dumps = generate_dumps(1_000_000)
    first = next(dumps)
    assert first.file_name.startswith("00000_")
    assert list(generate_dumps(0)) == []
    with pytest.raises(ValueError):
        generate_dumps(1, relist_share=1.0)
    with pytest.raises(ValueError):
        generate_dumps(1, variant_share=1.5)
    with pytest.raises(ValueError):
        generate_dumps(1, papers_per_dump=(10, 5))
    with pytest.raises(ValueError):
        generate_dumps(-1)


def test_cli_synth_writes_dumps_with_the_requested_shares(tmp_path: Path) -> None:
    from pipelines.cli import main

    args = ["synth", "--out", str(tmp_path / "a"), "--dumps", "8", "--seed", "4"]
    assert main([*args, "--relist-share", "0", "--variant-share", "0"]) == 0
    paths = sorted((tmp_path / "a").iterdir())
    sightings = parse_dumps(read_dumps(paths)).sightings
    assert len(paths) == 8
    assert sightings["paper_id"].n_unique() == sightings.height  # nothing re-listed
    assert main(["synth", "--out", str(tmp_path / "b"), "--dumps", "8", "--seed", "4"]) == 0
    relisted = parse_dumps(read_dumps(sorted((tmp_path / "b").iterdir()))).sightings
    assert relisted["paper_id"].n_unique() < relisted.height  # the default re-lists a third


@pytest.mark.parametrize(
    "flags", [["--relist-share", "1"], ["--relist-share", "-0.1"], ["--variant-share", "2"]]
)
def test_cli_synth_rejects_shares_out_of_range(
    tmp_path: Path, flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from pipelines.cli import main

    assert main(["synth", "--out", str(tmp_path), "--dumps", "2", *flags]) == 1
    assert "papertrends: error: --" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_planted_phrase_appears_from_its_dump_on_and_changes_nothing_else() -> None:
    plant = PlantedPhrase("spectral gossip routing", start_dump=3, share=0.4)
    plain = list(generate_dumps(8, seed=5))
    planted = list(generate_dumps(8, seed=5, plants=[plant]))
    for index, (before, after) in enumerate(zip(plain, planted, strict=True)):
        count = after.text.count(plant.phrase)
        if index < 3:
            assert after.text == before.text
        else:
            assert count > 0
        # only the planted asides differ: the same papers, dates and file names
        assert after.file_name == before.file_name
        assert after.listing_date == before.listing_date
        assert after.text.count("\n\n") == before.text.count("\n\n")
    abstracts = [p for p in planted[3].text.split("\n\n") if len(p) > 300]
    share = sum(plant.phrase in a for a in abstracts) / len(abstracts)
    assert 0.1 < share < 0.5  # 0.4 of the new papers, about two thirds of the listings


@pytest.mark.parametrize(
    "text", ["no-at-sign:0.3", "x@a:0.3", "x@3", "x@3:1.5", "@3:0.2", "x@-1:0.2"]
)
def test_bad_plant_specifications_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        PlantedPhrase.parse(text)


def test_vocabulary_file_loads_from_beside_the_module_with_every_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The word lists are data (pipelines/synth/vocabulary.toml), found from any working folder."""
    monkeypatch.chdir(tmp_path)
    vocabulary = load_vocabulary()
    assert set(vocabulary) == {
        "generic",
        "templates",
        "names",
        "titles",
        "urls",
        "plants",
        "themes",
    }
    assert set(vocabulary["generic"]) == {
        "adj",
        "goal",
        "requirement",
        "cost",
        "size",
        "bigsize",
        "noun",
    }
    assert set(vocabulary["templates"]) == {
        "context",
        "gap",
        "propose",
        "method",
        "experiment",
        "result",
        "closing",
        "head",
        "tail",
        "exclaim",
    }
    assert set(vocabulary["names"]) == {"prefixes", "suffixes", "versions", "acronym_letters"}
    assert set(vocabulary["titles"]) == {"small_words"}
    assert set(vocabulary["urls"]) == {"templates", "github_orgs", "hf_orgs", "handle_parts"}
    assert set(vocabulary["plants"]) == {"asides"}
    themes = vocabulary["themes"]
    assert len(themes) >= 30 and "mixture_of_experts" in themes
    for name, theme in themes.items():
        assert set(theme) == {"weight", *THEME_LISTS}, name
        assert theme["weight"] > 0, name
    sections = ("generic", "templates", "titles", "urls", "plants")
    lists = [options for section in sections for options in vocabulary[section].values()]
    lists += [vocabulary["names"][key] for key in ("prefixes", "suffixes", "versions")]
    lists += [theme[key] for theme in themes.values() for key in THEME_LISTS]
    assert all(options for options in lists)
    assert all(isinstance(e, str) and e.strip() == e != "" for options in lists for e in options)
    assert vocabulary_problems(vocabulary) == []


def test_vocabulary_problems_name_what_the_generator_would_miss() -> None:
    broken = copy.deepcopy(load_vocabulary())
    del broken["names"]["versions"]
    assert vocabulary_problems(broken) == ["[names] has no versions"]
    broken["names"]["versions"] = ["2"]
    del broken["themes"]["peft_lora"]["bench"]
    broken["templates"]["method"].append("We {tecnique} it.")
    problems = vocabulary_problems(broken)
    assert "[themes.peft_lora] lacks a list for {bench}, a list for {tecnique}" in problems
    assert len(problems) == len(broken["themes"])  # the misspelt slot, in every theme
    del broken["urls"]
    assert vocabulary_problems(broken) == ["no [urls] table"]
