"""The README's example questions, asked of a warehouse of the real dumps: each must answer."""

from __future__ import annotations

import re

import duckdb
import pytest

from pipelines.settings import PROJECT_DIR

README = PROJECT_DIR / "README.md"


def readme_sql_examples() -> list[str]:
    """Every statement of the README's ```sql blocks, comments dropped."""
    blocks = re.findall(r"```sql\n(.*?)```", README.read_text(), flags=re.S)
    statements = []
    for block in blocks:
        code = "\n".join(line for line in block.splitlines() if not line.strip().startswith("--"))
        statements += [s.strip() for s in code.split(";") if s.strip()]
    return statements


def test_the_readme_has_sql_examples():
    assert len(readme_sql_examples()) >= 5


@pytest.mark.parametrize("query", readme_sql_examples(), ids=lambda q: " ".join(q.split())[:60])
def test_readme_sql_example_returns_rows_on_the_real_dumps(real_run, query):
    assert real_run.result.returncode == 0, real_run.result.stderr
    with duckdb.connect(str(real_run.warehouse), read_only=True) as con:
        rows = con.execute(query).fetchall()
    assert rows, f"no rows from the README example:\n{query}"


def test_rising_topics_says_the_previous_window_is_empty_and_ranks_by_share(real_run):
    """The real dumps are listed 88 and 15 days apart: the 28 days before the latest window hold
    no listing, so no topic 'rises' and the mart says so instead of ranking by a rise from 0."""
    with duckdb.connect(str(real_run.warehouse), read_only=True) as con:
        rows = con.execute(
            "select previous_window_empty, ranked_by, count(*), count(share_change) "
            "from marts.rising_topics group by all"
        ).fetchall()
        ranked = con.execute(
            "select topic from marts.rising_topics where rising_rank is not null "
            "order by rising_rank"
        ).fetchall()
        by_share = con.execute(
            "select topic from marts.rising_topics where meets_support "
            "order by share_latest desc, n_papers_latest desc, topic"
        ).fetchall()
    assert len(rows) == 1
    empty, ranked_by, n_topics, n_changes = rows[0]
    assert empty is True and ranked_by == "share_latest" and n_topics > 0 and n_changes == 0
    assert ranked and ranked == by_share


def test_dagster_shows_each_dbt_tables_column_types_as_duckdb_has_them(real_run):
    """The UI's column schema of marts.papers (and of every other dbt table) holds DuckDB's
    types, logged by dbt's post-hook and attached by dagster-dbt."""
    import os
    import subprocess
    import sys

    probe = (
        "import json, dagster as dg\n"
        "i = dg.DagsterInstance.get()\n"
        "out = {}\n"
        "for key in (['marts', 'papers'], ['marts', 'paper_topics'], ['seeds', 'stopwords']):\n"
        "    event = i.get_latest_materialization_event(dg.AssetKey(key))\n"
        "    schema = event.asset_materialization.metadata['dagster/column_schema'].schema\n"
        "    out['.'.join(key)] = [[c.name, c.type, c.description] for c in schema.columns]\n"
        "print(json.dumps(out))\n"
    )
    env = {**os.environ, "DAGSTER_HOME": real_run.env["DAGSTER_HOME"]}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    import json

    shown = json.loads(done.stdout.strip().splitlines()[-1])
    with duckdb.connect(str(real_run.warehouse), read_only=True) as con:
        for relation, columns in shown.items():
            described = con.execute(f"describe {relation}").fetchall()
            assert [[c[0], c[1]] for c in columns] == [[d[0], d[1]] for d in described]
    papers = {name: (kind, text) for name, kind, text in shown["marts.papers"]}
    assert papers["n_listings"][0] == "BIGINT" and papers["first_seen"][0] == "DATE"
    assert papers["paper_id"][1]  # the YAML description travels with the type
    assert dict((n, k) for n, k, _ in shown["marts.paper_topics"])["matched_terms"] == "VARCHAR[]"
