"""The trend report's dbt models (dbt/models/reports) as views on a hand-made warehouse.

Unit tests of the report fill the marts by hand (dbt starts in seconds); the page reads the
report models over them. Those models are plain SQL with ``ref()`` and ``var()``: rendered here
with Jinja2, ``ref('x')`` as ``reports.x`` for a report model and ``marts.x`` otherwise, and the
vars of dbt_project.yml, they are the very queries dbt builds.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import jinja2
import yaml

PROJECT = Path(__file__).resolve().parents[1]
REPORT_MODELS = PROJECT / "dbt" / "models" / "reports"


def report_model_sql(name: str, **overrides: object) -> tuple[str, set[str]]:
    """The SQL of report model ``name`` as dbt would compile it (with the vars of
    dbt_project.yml, or ``overrides`` of them), and the report models it reads."""
    variables = yaml.safe_load((PROJECT / "dbt" / "dbt_project.yml").read_text())["vars"]
    variables.update(overrides)
    reads: set[str] = set()

    def ref(model: str) -> str:
        if model.startswith("report_"):
            reads.add(model)
            return f"reports.{model}"
        return f"marts.{model}"

    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(
        (REPORT_MODELS / f"{name}.sql").read_text(encoding="utf-8")
    )
    return template.render(ref=ref, var=variables.__getitem__), reads


def create_report_models(con: duckdb.DuckDBPyConnection) -> None:
    """Every report model as a view in schema ``reports``, each after the models it reads."""
    con.execute("create schema if not exists reports")
    pending = {path.stem: report_model_sql(path.stem) for path in REPORT_MODELS.glob("*.sql")}
    while pending:
        ready = [name for name, (_, reads) in pending.items() if not reads & pending.keys()]
        assert ready, f"report models that read each other: {sorted(pending)}"
        for name in sorted(ready):
            con.execute(f"create or replace view reports.{name} as {pending.pop(name)[0]}")
