"""`papertrends export`: the marts as Parquet, CSV or JSON Lines with a Frictionless Data Package,
read back by DuckDB, polars and pandas with the same rows and types."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from pipelines.errors import OutputUnwritable, PapertrendsError
from pipelines.warehouse.export import PACKAGE_FILE, export
from tests.conftest import BIN

# Frictionless table schema field types (v1 and v2)
FIELD_TYPES = {
    "string", "number", "integer", "boolean", "object", "array", "date", "time", "datetime",
    "year", "yearmonth", "duration", "geopoint", "geojson", "any",
}  # fmt: skip

PAPERS = """
    create table marts.papers as select * from (values
        ('p1', 'Sparse Mixture of Experts, "routed"', 3::bigint, 0.25::double,
         date '2026-01-05', timestamp '2026-01-05 10:00:00', true,
         ['moe', 'routing'], {'url': 'https://x.org/a', 'stars': 5}),
        ('p2', e'Line one\\nline two, with commas', 1, null,
         date '2026-02-01', null, false, [], null),
        ('p3', 'Ünïcode — title', null, 1e-9, null, timestamp '2026-03-01 00:00:01', null,
         null, {'url': null, 'stars': null})
    ) as t(paper_id, title, n_listings, score, first_seen, updated_at, has_code, terms, code)
"""


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema raw")
        con.execute(PAPERS)
        con.execute("create table marts.topics as select 'moe' as topic, 2 as n_papers")
        con.execute("create table raw.dumps as select 'd1' as dump_id, 'a.txt' as file_name")
    return path


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.json"
    model = {
        "resource_type": "model",
        "schema": "marts",
        "name": "papers",
        "alias": "papers",
        "description": "One row per paper.",
        "columns": {"paper_id": {"description": "Stable id of the first title."}},
    }
    path.write_text(json.dumps({"nodes": {"model.papertrends.papers": model}, "sources": {}}))
    return path


def _source(warehouse: Path, relation: str) -> tuple[list[tuple], list[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rel = con.sql(f"select * from {relation} order by all")
        return rel.fetchall(), [str(t) for t in rel.dtypes]


def _package(out: Path) -> dict:
    return json.loads((out / PACKAGE_FILE).read_text())


def _resource(out: Path, name: str) -> dict:
    return next(r for r in _package(out)["resources"] if r["name"] == name)


def test_parquet_reads_back_with_the_same_rows_and_types_in_duckdb_polars_and_pandas(
    warehouse, manifest, tmp_path
):
    out = tmp_path / "out"
    written = export(warehouse, out, "parquet", manifest=manifest)
    assert [t.relation for t in written] == ["marts.papers", "marts.topics"]
    path = out / "marts" / "papers.parquet"
    rows, types = _source(warehouse, "marts.papers")
    back = duckdb.sql(f"select * from read_parquet('{path}') order by all")
    assert back.fetchall() == rows and [str(t) for t in back.dtypes] == types

    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected_pl = con.sql("select * from marts.papers order by paper_id").pl()
        expected_pd = con.sql("select * from marts.papers order by paper_id").df()
    got_pl = pl.read_parquet(path).sort("paper_id")
    assert got_pl.schema == expected_pl.schema and got_pl.equals(expected_pl)
    got_pd = pd.read_parquet(path).sort_values("paper_id").reset_index(drop=True)
    assert list(got_pd.columns) == list(expected_pd.columns)
    assert got_pd[["paper_id", "title"]].equals(expected_pd[["paper_id", "title"]])
    assert got_pd["terms"].map(lambda v: None if v is None else list(v)).tolist() == [
        ["moe", "routing"],
        [],
        None,
    ]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_csv_and_json_lines_read_back_with_the_types_the_package_gives(
    fmt, warehouse, manifest, tmp_path
):
    out = tmp_path / "out"
    export(warehouse, out, fmt, tables=["papers"], manifest=manifest)
    resource = _resource(out, "marts.papers")
    path = out / resource["path"]
    fields = resource["schema"]["fields"]
    rows, _ = _source(warehouse, "marts.papers")
    if fmt == "csv":
        # nested values are JSON text in CSV: read them as JSON, then cast to the DuckDB type
        columns = {
            f["name"]: "JSON" if f["type"] in ("array", "object") else f["duckdbType"]
            for f in fields
        }
        select = ", ".join(f'"{f["name"]}"::{f["duckdbType"]}' for f in fields)
        back = duckdb.sql(
            f"select {select} from read_csv('{path}', header = true, columns = {columns!r}) "
            "order by all"
        )
    else:
        columns = {f["name"]: f["duckdbType"] for f in fields}
        back = duckdb.sql(f"select * from read_json('{path}', columns = {columns!r}) order by all")
    assert back.fetchall() == rows
    # and the other readers see the same rows
    frame = pl.read_csv(path) if fmt == "csv" else pl.read_ndjson(path)
    assert sorted(frame["paper_id"].to_list()) == ["p1", "p2", "p3"]
    pandas_frame = pd.read_csv(path) if fmt == "csv" else pd.read_json(path, lines=True)
    assert sorted(pandas_frame["title"].tolist()) == sorted(r[1] for r in rows)


def test_the_package_describes_every_table_and_column(warehouse, manifest, tmp_path):
    out = tmp_path / "out"
    export(warehouse, out, "parquet", raw=True, manifest=manifest)
    package = _package(out)
    assert package["profile"] == "tabular-data-package" and package["name"] == "papertrends"
    names = [r["name"] for r in package["resources"]]
    assert names == ["marts.papers", "marts.topics", "raw.dumps"]
    for resource in package["resources"]:
        assert (out / resource["path"]).is_file()
        assert resource["bytes"] == (out / resource["path"]).stat().st_size
        assert all(f["type"] in FIELD_TYPES for f in resource["schema"]["fields"])
    papers = _resource(out, "marts.papers")
    assert papers["description"] == "One row per paper." and papers["rows"] == 3
    fields = {f["name"]: f for f in papers["schema"]["fields"]}
    assert fields["paper_id"]["description"] == "Stable id of the first title."
    assert [fields[c]["type"] for c in ("n_listings", "score", "first_seen", "updated_at")] == [
        "integer",
        "number",
        "date",
        "datetime",
    ]
    assert fields["terms"]["type"] == "array" and fields["code"]["type"] == "object"
    # marts.papers' Great Expectations suite names its key
    assert papers["schema"]["primaryKey"] == ["paper_id"]


def test_unknown_tables_and_unwritable_folders_are_one_line_errors(warehouse, tmp_path):
    with pytest.raises(PapertrendsError, match=r"no table 'nope' to export \(marts: papers, "):
        export(warehouse, tmp_path / "out", tables=["nope"])
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(OutputUnwritable, match="file"):
        export(warehouse, blocked / "out")
    assert not list(tmp_path.glob("out*"))  # nothing half-written was left behind


def test_the_cli_exports_every_mart_of_a_real_run_with_the_dbt_docs(real_run, tmp_path):
    out = tmp_path / "export"
    result = subprocess.run(
        [str(BIN / "papertrends"), "export", "--out", str(out)],
        env=real_run.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(real_run.warehouse), read_only=True) as con:
        marts = [
            f"marts.{name}"
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        ]
        papers = con.execute("select count(*) from marts.papers").fetchall()[0][0]
    package = _package(out)
    assert sorted(r["name"] for r in package["resources"]) == sorted(marts)
    resource = _resource(out, "marts.papers")
    assert resource["rows"] == papers
    assert duckdb.sql(f"select count(*) from '{out / resource['path']}'").fetchall()[0][0] == papers
    # table and column descriptions are the dbt docs
    assert resource["description"].startswith("One row per paper")
    assert all(f.get("description") for f in resource["schema"]["fields"])
    assert f"marts.papers: {papers:,} rows" in result.stdout

    bad = subprocess.run(
        [str(BIN / "papertrends"), "export", "--out", str(out), "--tables", "papers,nope"],
        env=real_run.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1
    assert "no table 'nope' to export" in bad.stderr
