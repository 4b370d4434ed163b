"""The warehouse file is rewritten when most of it is free space (pipelines/warehouse/compact.py):
the same tables, views, macros, indexes and rows in a smaller file; a file with little free
space, or compaction turned off, is left alone; a stray copy of a killed compaction goes."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.warehouse.compact import compact_if_it_pays
from pipelines.warehouse.schema import ensure_raw_schema


def _churned(path: Path) -> None:
    """A warehouse whose mart was replaced a few times, as dbt does with a table model."""
    with duckdb.connect(str(path)) as con:
        ensure_raw_schema(con)
        con.execute(
            "insert into raw.sightings select 'd' || (i // 50), i % 50, 'p' || i, 't' || i, "
            "repeat('abstract ', 40) || i from range(20000) t(i)"
        )
        con.execute("create schema marts")
        con.execute("create view marts.v as select count(*) n from raw.sightings")
        con.execute("create macro marts.twice(x) as x * 2")
        for round_, share in enumerate((1, 1, 0.2)):  # the last build keeps fewer rows
            con.execute(
                "create or replace table marts.papers as select paper_id, title || ? as title, "
                "md5(abstract) || abstract as abstract from raw.sightings where random() < ?",
                [str(round_), share],
            )
            con.execute("checkpoint")


def _content(path: Path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return (
            con.execute("select * from marts.papers order by all").fetchall(),
            con.execute("select count(*) from raw.sightings").fetchone(),
            con.execute("select * from marts.v").fetchall(),
            con.execute("select marts.twice(21)").fetchone(),
            sorted(con.execute("select index_name from duckdb_indexes()").fetchall()),
        )


def test_a_file_mostly_free_is_rewritten_with_the_same_content(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _churned(path)
    before, size = _content(path), path.stat().st_size
    (tmp_path / ".warehouse.duckdb.compact").write_bytes(b"left by a killed compaction")
    assert compact_if_it_pays(path, ratio=0) is None  # off
    done = compact_if_it_pays(path)
    assert done is not None and done.before_bytes == size
    assert path.stat().st_size == done.after_bytes < size
    assert _content(path) == before
    assert before[-1] == [("dumps_dump_id",), ("sightings_dump_position",)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["warehouse.duckdb"]
    assert compact_if_it_pays(path) is None  # nothing to give back now
