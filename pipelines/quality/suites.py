"""The Great Expectations suites kept in ``expectations/``: one JSON file per warehouse table.

Reading a suite's header needs no GX import (~4-8 s): the Dagster code location builds its asset
checks from these headers, and only a check that runs imports GX. Each file is a GX 1.x
``ExpectationSuite`` as JSON (``name``, ``expectations``, ``meta``); papertrends reads these
``meta`` keys:

* ``table``: ``schema.table`` in the warehouse (also the suite's name);
* ``key_columns``: the columns that identify a row, shown with every offending row;
* ``blocking``: when true, a failed suite stops everything downstream of its table in that run
  (the raw suites: marts are not rebuilt on raw data that failed; the mart suites: the trend
  report is not rendered from marts that failed, the last good one stays);
* ``description``: one line for the Dagster UI;
* ``batch_column``: a date column that places each row in a month (``listing_date``,
  ``period_start``): a run that changed a few months validates its row-level expectations on
  those months' batches only (``validate.batch_months``); an expectation whose ``meta`` says
  ``"scope": "table"`` always runs on the whole table;
* ``written_column``: when each row was written (``updated_at``): the months of the rows of the
  table's latest build are validated too (an incremental build may rewrite periods outside the
  run's months).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipelines.settings import PROJECT_DIR

EXPECTATIONS_DIR = PROJECT_DIR / "expectations"


@dataclass(frozen=True)
class SuiteFile:
    """One suite file's header: what it validates and how its failures count."""

    name: str
    schema: str
    table: str
    key_columns: tuple[str, ...]
    blocking: bool
    description: str
    n_expectations: int
    path: Path
    batch_column: str | None = None
    written_column: str | None = None

    @property
    def qualified_table(self) -> str:
        return f"{self.schema}.{self.table}"


def load_suite_files(directory: Path = EXPECTATIONS_DIR) -> list[SuiteFile]:
    """Every ``*.json`` suite of ``directory``, raw tables first, then by name."""
    suites = [_read(path) for path in sorted(directory.glob("*.json"))]
    return sorted(suites, key=lambda s: (s.schema != "raw", s.name))


def _read(path: Path) -> SuiteFile:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        meta = document.get("meta") or {}
        schema, table = str(meta.get("table") or document["name"]).split(".")
        return SuiteFile(
            name=document["name"],
            schema=schema,
            table=table,
            key_columns=tuple(meta.get("key_columns") or ()),
            blocking=bool(meta.get("blocking", False)),
            description=str(meta.get("description") or ""),
            n_expectations=len(document["expectations"]),
            path=path,
            batch_column=meta.get("batch_column") or None,
            written_column=meta.get("written_column") or None,
        )
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a papertrends expectation suite ({err})") from err
