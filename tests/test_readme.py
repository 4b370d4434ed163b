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
