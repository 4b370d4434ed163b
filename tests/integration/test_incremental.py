"""Incremental builds equal a full refresh: an archive built in six steps (new dumps, re-listings,
an overwritten file whose old version's papers vanish, rewritten abstracts, a build without a
month window after a file swapped one paper for another) gives, after each comparison step, every
mart row for row as `dbt run --full-refresh` of the same raw layer."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import duckdb

from pipelines.dumps.identity import paper_id_of
from pipelines.synth.generator import write_dumps
from reliability.checks import marts_content as _marts
from tests.conftest import BIN, dbt_by_hand, isolated_env
from tests.dumpkit import compose_dump, write_dump


def _cli(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [str(BIN / "papertrends"), *args], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode in (0, 3), result.stderr[-3000:]


def _full_refresh(warehouse: Path, tmp: Path) -> Path:
    """A copy of ``warehouse`` with every dbt model built again from its raw layer."""
    copy = tmp / f"full-{warehouse.stat().st_mtime_ns}.duckdb"
    shutil.copyfile(warehouse, copy)
    env = {**isolated_env(tmp), "PAPERTRENDS_WAREHOUSE": str(copy)}
    dbt_by_hand(env, tmp / "full-target", "run", "--full-refresh")
    return copy


def _assert_same_as_full_refresh(warehouse: Path, tmp: Path) -> None:
    incremental = _marts(warehouse)
    full = _marts(_full_refresh(warehouse, tmp))
    assert sorted(incremental) == sorted(full)
    for table, rows in full.items():
        assert incremental[table] == rows, f"{table} differs from a full refresh"


def test_six_incremental_steps_equal_a_full_refresh(tmp_path):
    source = tmp_path / "synthetic"
    write_dumps(source, 9, seed=11, papers_per_dump=(20, 30))
    dumps = sorted(source.iterdir())
    raw = tmp_path / "raw"
    raw.mkdir()
    env = isolated_env(tmp_path)
    env["PAPERTRENDS_RAW_DIR"] = str(raw)
    warehouse = Path(env["PAPERTRENDS_WAREHOUSE"])

    def add(*paths: Path) -> None:
        for path in paths:
            shutil.copy2(path, raw / path.name)

    # 1. the first days
    add(*dumps[:3])
    _cli(env, "run")
    # 2. more days: new papers and re-listings of earlier ones
    add(*dumps[3:6])
    _cli(env, "run")
    # 3. a file overwritten with another day's listings: the papers only its old version listed
    #    are no longer listed at all (its new version is dated by its own date line)
    old = raw / dumps[1].name
    replacement = dumps[6].read_bytes()
    mtime = old.stat().st_mtime
    write_dump(raw, old.name, replacement, mtime + 1)
    _cli(env, "run")
    _assert_same_as_full_refresh(warehouse, tmp_path)

    # 4. a day that re-lists two known papers with rewritten abstracts and adds a new one
    with duckdb.connect(str(warehouse), read_only=True) as con:
        known = con.execute(
            "select title, abstract from marts.papers order by paper_id limit 2"
        ).fetchall()
    rewritten = [
        (title, "We revisit this work with low-rank adaptation and quantization. " + abstract)
        for title, abstract in known
    ]
    new = (
        "Sparse Routing for Mixture of Experts Serving",
        "We serve a mixture of experts model with sparse routing and expert parallelism. " * 4,
    )
    write_dump(raw, "rewritten.txt", compose_dump([*rewritten, new], date="Mar 30, 2025"))
    _cli(env, "run")
    # 5. the last days, with a known paper retitled twice: once on a later day, once on a day
    #    before its first listing (a backfill), which gives the paper that earlier title's id
    #    (a paper of the first day: the weeks it was listed in get no new dump, yet their rows
    #    must take the new id)
    add(*dumps[7:])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        title, abstract, first_seen = con.execute(
            "select title, abstract, first_seen from marts.papers "
            "where first_seen = (select min(first_seen) from marts.papers) "
            "order by n_listings desc, paper_id limit 1"
        ).fetchone()
    later, earlier = f"{title}: Revised", f"Early Notes on {title}"
    write_dump(raw, "retitled.txt", compose_dump([(later, abstract)], date="Apr 2, 2025"))
    backfill = first_seen - dt.timedelta(days=1)
    write_dump(
        raw,
        f"{backfill.isoformat()}-backfill.txt",
        compose_dump([(earlier, abstract)], date=backfill.strftime("%b %-d")),
    )
    _cli(env, "run")
    _assert_same_as_full_refresh(warehouse, tmp_path)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select paper_id, title, n_titles, first_seen from marts.papers where title = ?",
            [later],
        ).fetchall() == [(paper_id_of(earlier), later, 3, backfill)]
        assert con.execute(
            "select count(*) from marts.papers where paper_id = ?", [paper_id_of(title)]
        ).fetchone() == (0,)
    # 6. without a month window (`ingest`, then `build`): a file overwritten with as many
    #    listings, one paper swapped for another, so no period's paper count moves
    swapped = (
        "Low-Rank Adapters for Sparse Experts",
        "We adapt a mixture of experts model with low-rank adapters and sparse routing. " * 4,
    )
    write_dump(
        raw,
        "rewritten.txt",
        compose_dump([*rewritten, swapped], date="Mar 30, 2025"),
        (raw / "rewritten.txt").stat().st_mtime + 1,
    )
    _cli(env, "ingest")
    _cli(env, "build")
    _assert_same_as_full_refresh(warehouse, tmp_path)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # the overwritten file's old version is superseded, its papers gone from every mart
        assert con.execute(
            "select count(*) from raw.dumps where file_name = ? and status = 'superseded'",
            [old.name],
        ).fetchone() == (1,)
        # the swapped-out paper is listed nowhere any more, the swapped-in one is
        assert con.execute(
            "select count(*) filter (where title = ?), count(*) filter (where title = ?) "
            "from marts.papers",
            [new[0], swapped[0]],
        ).fetchone() == (0, 1)
