"""Validate warehouse tables with their Great Expectations suites, on the DuckDB tables themselves.

GX reads the tables through its SQL data source (SQLAlchemy + duckdb-engine, read-only), so the
checks run as SQL inside DuckDB: nothing is copied into pandas. Two things make that work on
DuckDB 2.0 (see ``pipelines.patches.gx_duckdb``): a fetch-before-release patch for GX's query helper and
SQLAlchemy 2.0 (2.1 breaks duckdb-engine's column reflection).

Results are kept in a GX file context under the quality folder (``<quality>/gx``), so GX's Data
Docs (``<quality>/gx/uncommitted/data_docs/local_site/index.html``) show every suite's latest
and past validations, with the scripts and styles GX links from CDNs copied into the site
(``offline_docs``), so they render offline too. The outcome handed back is plain data (no GX objects): per suite, each
failed expectation with its table, column, observed value and a few offending rows.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipelines.errors import OutputUnwritable, WarehouseUnusable, os_error_line
from pipelines.quality.offline_docs import make_offline
from pipelines.quality.suites import SuiteFile
from pipelines.settings import CHECK_MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT
from pipelines.warehouse.lock import file_lock, writer_lock

SAMPLE_ROWS = 5
SAMPLE_TEXT_CHARS = 60
DATASOURCE = "warehouse"
KEEP_RESULTS = 20  # stored validations (and Data Docs pages) kept per suite
# DuckDB's memory cap for GX's read-only connection: uncapped, DuckDB's default is 80% of the RAM,
# and the uniqueness checks of the large marts (term_trends: tens of millions of rows on a large
# archive) grew the process to gigabytes; capped, DuckDB spills their group-bys to disk instead.
# Settings.check_memory_limit (PAPERTRENDS_CHECK_MEMORY_LIMIT) sets it.
MEMORY_LIMIT_ENV = CHECK_MEMORY_LIMIT_ENV
DATA_DOCS_INDEX = Path("gx/uncommitted/data_docs/local_site/index.html")
# A run that changed more months than this is validated on whole tables (see ``batch_months``).
MAX_MONTH_BATCHES = 3
# The key of a stored GX suite's meta holding the checksum of the document it was stored from.
CHECKSUM_META = "papertrends_checksum"


@dataclass(frozen=True)
class ExpectationFailure:
    """One failed expectation: where, which, what was seen, and a few rows that break it."""

    table: str
    column: str | None
    expectation: str
    severity: str
    observed: str
    description: str | None = None
    sample_rows: tuple[dict[str, str], ...] = ()
    query: str | None = None  # the SQL of a failed unexpected_rows_expectation

    def line(self) -> str:
        """``marts.papers.paper_id: expect_column_values_to_be_unique failed: 2 unexpected...``"""
        where = f"{self.table}.{self.column}" if self.column else self.table
        rule = f" ({self.description})" if self.description else ""
        return f"{where}: {self.expectation}{rule} failed: {self.observed}"


@dataclass(frozen=True)
class SuiteOutcome:
    """The validation of one suite: expectations evaluated and those that failed."""

    suite: SuiteFile
    n_evaluated: int
    failures: tuple[ExpectationFailure, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def critical(self) -> bool:
        """True when a failure is severity ``critical`` (GX's default), not just a warning."""
        return any(f.severity == "critical" for f in self.failures)


@dataclass(frozen=True)
class Validation:
    """Every suite's outcome and where GX wrote its Data Docs."""

    outcomes: tuple[SuiteOutcome, ...]
    data_docs: Path | None

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)


def validate(
    warehouse: Path,
    suites: Sequence[SuiteFile],
    quality_dir: Path,
    wait_seconds: float,
    months: Sequence[dt.date] | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> Validation:
    """Run ``suites`` on the warehouse's tables (read-only), store the results and rebuild Data
    Docs under ``quality_dir``. Waits up to ``wait_seconds`` for a writer to finish first.
    DuckDB's memory cap on GX's connection is ``memory_limit``.

    ``months`` (first days of months, from ``batch_months``): the months a run changed. A suite
    with a ``batch_column`` then runs its row-level expectations on those months' batches only
    (GX monthly batch definitions) and its table-level ones (schema, keys without the batch
    column, reconciliations marked ``"scope": "table"``) on the whole table. None: every
    expectation on the whole table."""
    validation, build_docs = validate_then_docs(
        warehouse, suites, quality_dir, wait_seconds, months, memory_limit
    )
    build_docs()
    docs = quality_dir / DATA_DOCS_INDEX
    return replace(validation, data_docs=docs if docs.is_file() else None)


def validate_then_docs(
    warehouse: Path,
    suites: Sequence[SuiteFile],
    quality_dir: Path,
    wait_seconds: float,
    months: Sequence[dt.date] | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> tuple[Validation, Callable[[], None]]:
    """``validate`` in two parts: the validation (holding the warehouse's writer lock), and a
    callable that renders its Data Docs pages (which needs GX's folder, not the warehouse). The
    validation worker (``pipelines.quality.worker``) answers with the first before it does the
    second, so the run goes on while the pages are written. The Validation names the Data Docs
    index that the callable writes."""
    if not warehouse.is_file():
        raise WarehouseUnusable(
            f"{warehouse}: no warehouse there yet (run `papertrends run` first)"
        )
    try:
        quality_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputUnwritable(os_error_line(err, "cannot write quality results")) from err
    gx = import_gx()
    outcomes = []
    # Queue behind a writer (ingestion or dbt build), and keep writers out while GX reads:
    # a consistent view, and no "Could not set lock on file" on either side. GX's own folder
    # has a lock of its own, so two validations (a UI run, a CLI check) never write GX's file
    # context at once, and the Data Docs are rendered without holding the warehouse.
    with writer_lock(warehouse, wait_seconds), gx_folder_lock(quality_dir, wait_seconds):
        by_suite = _suite_months(warehouse, suites, months)
        context = gx.get_context(mode="file", project_root_dir=str(quality_dir))
        if context.variables.analytics_enabled is not False:
            # no usage statistics: GX's own project setting, not an environment variable
            context.enable_analytics(False)
        kept = set(context.validation_results_store.list_keys())
        with _sql_datasource(context, warehouse, quality_dir, memory_limit) as datasource:
            for suite in suites:
                outcomes.append(
                    _validate_suite(gx, context, datasource, suite, by_suite[suite.name])
                )
        # GX returns only a count for a failed query expectation: fetch a few rows it found
        outcomes = _with_query_samples(warehouse, outcomes)
        _prune_results(context, quality_dir)
    pages = [name for s in suites for name, _ in _parts(s, by_suite[s.name])]

    def build_docs() -> None:
        with gx_folder_lock(quality_dir, wait_seconds):
            _build_data_docs(context, quality_dir, pages, kept)

    return Validation(tuple(outcomes), quality_dir / DATA_DOCS_INDEX), build_docs


@contextmanager
def gx_folder_lock(quality_dir: Path, wait_seconds: float) -> Iterator[None]:
    """Hold ``<quality>/gx.lock`` (an advisory ``flock``, released when its holder exits): held
    by whatever writes GX's folder (a validation, the rendering of its Data Docs pages,
    ``papertrends docs`` rewriting them to load their assets offline)."""
    with file_lock(
        quality_dir / "gx.lock",
        wait_seconds,
        busy=f"{quality_dir / 'gx'}: another validation is writing its results, try again in a "
        "moment",
        owner=quality_dir / "gx",
    ):
        yield


def _prune_results(context, quality_dir: Path) -> None:
    """Keep the newest ``KEEP_RESULTS`` stored validations per suite, and their pages: GX keeps
    every one, and Data Docs render them all, so without pruning each run would cost more than
    the last."""
    store = context.validation_results_store
    by_suite: dict[str, list] = {}
    for key in store.list_keys():
        by_suite.setdefault(key.expectation_suite_identifier.name, []).append(key)
    stale = [
        key
        for keys in by_suite.values()
        for key in sorted(keys, key=lambda k: k.run_id.run_time, reverse=True)[KEEP_RESULTS:]
    ]
    pages = quality_dir / DATA_DOCS_INDEX.parent / "validations"
    for key in stale:
        # the page mirrors the stored result's path: validations/<suite>/<run>/<time>/<batch>
        stored = Path(store.store_backend._convert_key_to_filepath(key.to_tuple()))
        store.remove_key(key)
        (pages / stored.with_suffix(".html")).unlink(missing_ok=True)


def _build_data_docs(context, quality_dir: Path, suite_names: Sequence[str], kept: set) -> None:
    """Render the pages of this validation's results and suites, and the index; the whole site
    only when there is none yet (rendering every kept result takes ~4 s, these ~1 s). Then the
    pages are made to load their scripts and styles from the site (``offline_docs``)."""
    if not (quality_dir / DATA_DOCS_INDEX).is_file():
        context.build_data_docs()
    else:
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
        )

        new = [key for key in context.validation_results_store.list_keys() if key not in kept]
        suite_pages = [ExpectationSuiteIdentifier(name=name) for name in suite_names]
        context.build_data_docs(resource_identifiers=[*new, *suite_pages])
    # the scripts and styles GX links from CDNs, served from the site (works offline)
    make_offline((quality_dir / DATA_DOCS_INDEX).parent)


def _with_query_samples(warehouse: Path, outcomes: list[SuiteOutcome]) -> list[SuiteOutcome]:
    """Fill in offending rows of failed ``unexpected_rows_expectation``s by running their query
    (``{batch}`` is the suite's table) with a limit, read-only, after GX let go of the file.

    Not a transform of ours: the query is the expectation's own (its suite file), read again
    for the rows GX only counted, so it stays with the check rather than in a dbt model."""
    pending = [(o, f) for o in outcomes for f in o.failures if f.query and not f.sample_rows]
    if not pending:
        return outcomes
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        filled = {}
        for outcome, failure in pending:
            sql = failure.query.replace("{batch}", outcome.suite.qualified_table)
            try:
                cursor = con.execute(f"select * from ({sql}) limit {SAMPLE_ROWS}")
                names = [d[0] for d in cursor.description]
                rows = tuple(
                    {n: _short(v) for n, v in zip(names, row, strict=True)}
                    for row in cursor.fetchall()
                )
            except duckdb.Error:
                rows = ()
            filled[id(failure)] = replace(failure, sample_rows=rows)
    finally:
        con.close()
    return [replace(o, failures=tuple(filled.get(id(f), f) for f in o.failures)) for o in outcomes]


def import_gx():
    """Great Expectations, patched for DuckDB and quiet (imported here, never at module level:
    it takes seconds)."""
    import great_expectations as gx

    from pipelines.patches.gx_duckdb import patch_gx_for_duckdb

    patch_gx_for_duckdb()
    # "No sqlalchemy dialect found; relying on top-level sqlalchemy types" on every type check
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    # GX would rather have the schema in the connection string: ours validates two schemas
    warnings.filterwarnings("ignore", message="`schema_name` is deprecated")
    # duckdb-engine does not reflect list columns (marts.paper_topics.matched_terms)
    warnings.filterwarnings("ignore", message="Did not recognize type 'list'")
    return gx


@contextmanager
def _sql_datasource(
    context, warehouse: Path, quality_dir: Path, memory_limit: str
) -> Iterator[Any]:
    """GX's SQL data source on the DuckDB file, read-only; its connections are closed on exit
    (a pooled connection would otherwise keep DuckDB's file lock until garbage collection)."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    connection_string = f"duckdb:///{warehouse}"
    config = _duckdb_config(quality_dir, memory_limit)
    kwargs = {"connect_args": {"read_only": True, "config": config}}
    try:
        # The last validation's data source (with its table assets and batch definitions) when
        # it reads the same file the same way: adding them again rewrites GX's project file
        # once per asset and batch definition.
        datasource = context.data_sources.all().get(DATASOURCE)
        if datasource is not None and (
            datasource.connection_string == connection_string and datasource.kwargs == kwargs
        ):
            # the connection only: a table asset whose table is gone (a rebuilt warehouse)
            # fails its own suite, not the whole validation
            datasource.test_connection(test_assets=False)
        else:
            if datasource is not None:
                context.data_sources.delete(DATASOURCE)
            datasource = context.data_sources.add_sql(
                name=DATASOURCE, connection_string=connection_string, kwargs=kwargs
            )
    except Exception as err:  # GX tests the connection at once: not DuckDB, locked, ...
        raise WarehouseUnusable(f"{warehouse}: cannot validate it: {_first_line(err)}") from err
    try:
        yield datasource
    finally:
        for engine in (
            getattr(datasource, "_engine", None),
            getattr(getattr(datasource, "_execution_engine", None), "engine", None),
        ):
            if engine is not None:
                engine.dispose()


def _duckdb_config(quality_dir: Path, memory_limit: str) -> dict[str, str | bool]:
    """The settings of GX's DuckDB connection: the memory cap, and a spill folder of our own (a
    read-only connection would otherwise spill next to the warehouse file)."""
    import duckdb

    from pipelines.warehouse.connection import apply_memory_limit

    with duckdb.connect() as probe:  # checks the value before GX hides DuckDB's error
        limit = apply_memory_limit(probe, memory_limit, MEMORY_LIMIT_ENV)
    return {
        "memory_limit": limit,
        "temp_directory": str(quality_dir / "duckdb_spill"),
        "preserve_insertion_order": False,
    }


def batch_months(window_start: dt.date, window_end: dt.date) -> tuple[dt.date, ...] | None:
    """The months whose batches a run over [window_start, window_end) validates (a week row is
    in the month its period starts in). None (the whole table: one batch costs less than many,
    GX's cost being mostly per expectation) when that is more than ``MAX_MONTH_BATCHES``."""
    month = window_start.replace(day=1)
    months = []
    while month < window_end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return tuple(months) if len(months) <= MAX_MONTH_BATCHES else None


def _suite_months(
    warehouse: Path, suites: Sequence[SuiteFile], months: Sequence[dt.date] | None
) -> dict[str, tuple[dt.date, ...] | None]:
    """Per suite, the month batches to validate: the run's months and the months of the rows the
    table's latest build wrote (its ``written_column`` at its maximum: an incremental build may
    rewrite periods outside the run's window). None (the whole table) without run months, for a
    suite without a batch column, or when that makes more than ``MAX_MONTH_BATCHES``.

    The read of the table's latest months plans the validation of whichever table a suite names
    (its own columns); it is the check's bookkeeping, not a model anyone reads."""
    found: dict[str, tuple[dt.date, ...] | None] = {s.name: None for s in suites}
    batched = [s for s in suites if months and s.batch_column]
    if not batched:
        return found
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        for suite in batched:
            written: set[dt.date] = set()
            if suite.written_column:
                try:
                    written = {
                        month
                        for (month,) in con.execute(
                            f"select distinct date_trunc('month', {suite.batch_column})::date "
                            f"from {suite.qualified_table} where {suite.written_column} = "
                            f"(select max({suite.written_column}) from {suite.qualified_table})"
                        ).fetchall()
                        if month is not None
                    }
                except duckdb.Error:  # no such table or column: GX will say so
                    written = set()
            chosen = tuple(sorted({*months, *written}))
            found[suite.name] = chosen if len(chosen) <= MAX_MONTH_BATCHES else None
    return found


def _parts(suite: SuiteFile, months: Sequence[dt.date] | None) -> list[tuple[str, list[dict]]]:
    """The suite as the GX suites it runs as: the whole suite, or, on month batches, its
    table-level expectations (under the suite's name) and its row-level ones (``by month``)."""
    expectations = _suite_document(suite)["expectations"]
    if not months or not suite.batch_column:
        return [(suite.name, expectations)]
    table = [e for e in expectations if _table_level(e, suite.batch_column)]
    rows = [e for e in expectations if not _table_level(e, suite.batch_column)]
    return [(suite.name, table), (f"{suite.name} by month", rows)]


def _table_level(expectation: dict, batch_column: str) -> bool:
    """Schema, a key without the batch column (its duplicates may lie in two months), the batch
    column's own not-null and a query marked ``"scope": "table"`` (a reconciliation over the
    whole table) need the whole table."""
    kind, kwargs = expectation["type"], expectation.get("kwargs", {})
    if kind in ("expect_table_columns_to_match_set", "expect_column_values_to_be_of_type"):
        return True
    if kind == "expect_column_values_to_not_be_null":  # a null date lies in no month's batch
        return kwargs.get("column") == batch_column
    if kind == "expect_column_values_to_be_unique":
        return kwargs.get("column") != batch_column
    if kind == "expect_compound_columns_to_be_unique":
        return batch_column not in kwargs.get("column_list", [])
    return (expectation.get("meta") or {}).get("scope") == "table"


def _validate_suite(gx, context, datasource, suite: SuiteFile, months) -> SuiteOutcome:
    from great_expectations.exceptions.exceptions import NoAvailableBatchesError

    document = _suite_document(suite)
    results: list[tuple[dt.date | None, Any]] = []
    try:
        asset = _table_asset(datasource, suite)
        for name, expectations in _parts(suite, months):
            if not expectations:
                continue
            by_month = name != suite.name
            batch = _batch_definition(asset, suite, by_month)
            expectation_suite = _expectation_suite(gx, context, document, name, expectations)
            definition = _validation_definition(gx, context, name, batch, expectation_suite)
            for month in months if by_month else [None]:
                parameters = {"year": month.year, "month": month.month} if month else None
                try:
                    items = _run(context, definition, suite, name, parameters)
                except NoAvailableBatchesError:
                    continue  # the table holds no row of that month: nothing to check there
                results += [(month, item) for item in items]
    except Exception as err:  # the table is missing or unreadable: the whole suite fails
        return SuiteOutcome(
            suite,
            n_evaluated=0,
            failures=(
                ExpectationFailure(
                    table=suite.qualified_table,
                    column=None,
                    expectation="table can be validated",
                    severity="critical",
                    observed=_first_line(err),
                ),
            ),
        )
    failures = tuple(_failure(suite, item, month) for month, item in results if not item.success)
    return SuiteOutcome(suite, n_evaluated=len(results), failures=failures)


def _table_asset(datasource, suite: SuiteFile):
    """The suite's table asset of ``datasource``: the one kept from the last validation, or new."""
    for asset in datasource.assets:
        if asset.name == suite.qualified_table:
            if (asset.table_name, asset.schema_name) == (suite.table, suite.schema):
                return asset
            datasource.delete_asset(asset.name)
            break
    return datasource.add_table_asset(
        name=suite.qualified_table, table_name=suite.table, schema_name=suite.schema
    )


def _batch_definition(asset, suite: SuiteFile, by_month: bool):
    """The asset's monthly batch definition on the suite's batch column, or its whole table."""
    name = "month" if by_month else "whole table"
    for batch in asset.batch_definitions:
        if batch.name == name and (
            not by_month or getattr(batch.partitioner, "column_name", None) == suite.batch_column
        ):
            return batch
    if name in {b.name for b in asset.batch_definitions}:
        asset.delete_batch_definition(name)
    if by_month:
        # (GX's check that the column is a date reads rows: an empty table fails it)
        return asset.add_batch_definition_monthly(
            name, column=suite.batch_column, validate_batchable=False
        )
    return asset.add_batch_definition_whole_table(name)


def _expectation_suite(gx, context, document: dict, name: str, expectations: list[dict]):
    """The GX suite ``name`` holding ``expectations``: the stored one when it was stored from the
    same document (a checksum in its meta), else stored again (GX's ``add_or_update`` compares
    every expectation with every stored one: 2 s a validation on 15 suites)."""
    body = {**document, "name": name, "expectations": expectations}
    checksum = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    try:
        stored = context.suites.get(name)
    except Exception:  # noqa: BLE001 - GX raises its own errors for a missing or unreadable one
        stored = None
    if stored is not None and (stored.meta or {}).get(CHECKSUM_META) == checksum:
        return stored
    meta = {**(document.get("meta") or {}), CHECKSUM_META: checksum}
    return context.suites.add_or_update(gx.ExpectationSuite(**{**body, "meta": meta}))


def _validation_definition(gx, context, name: str, batch, expectation_suite):
    """The stored validation definition of ``expectation_suite`` on ``batch``, or a new one."""
    try:
        stored = context.validation_definitions.get(name)
    except Exception:  # noqa: BLE001 - GX raises its own errors for a missing or unreadable one
        stored = None
    if stored is not None and (stored.suite.id, stored.data.id) == (expectation_suite.id, batch.id):
        return stored
    return context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch, suite=expectation_suite)
    )


def _run(context, definition, suite: SuiteFile, name: str, parameters: dict | None) -> list:
    """Run one validation definition on one batch: pass or fail first, details only where
    something failed (observed values and offending rows cost GX extra queries per expectation:
    term_trends at 10,000 dumps, 22 s -> 10 s)."""
    quick_keys = _stored_keys(context, name)
    result = definition.run(
        batch_parameters=parameters, result_format={"result_format": "BOOLEAN_ONLY"}
    )
    if not result.success:
        quick_keys = _stored_keys(context, name) - quick_keys
        result = definition.run(
            batch_parameters=parameters,
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": SAMPLE_ROWS,
                "unexpected_index_column_names": list(suite.key_columns),
                "include_unexpected_rows": True,
            },
        )
        for key in quick_keys:  # Data Docs show the detailed result, not the quick one
            context.validation_results_store.remove_key(key)
    return list(result.results)


def _stored_keys(context, name: str) -> set:
    return {
        key
        for key in context.validation_results_store.list_keys()
        if key.expectation_suite_identifier.name == name
    }


def _suite_document(suite: SuiteFile) -> dict:
    return json.loads(suite.path.read_text(encoding="utf-8"))


def _failure(suite: SuiteFile, item, month: dt.date | None = None) -> ExpectationFailure:
    config = item.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column") or (
        ", ".join(kwargs["column_list"]) if kwargs.get("column_list") else None
    )
    if column is None and kwargs.get("column_A"):
        column = f"{kwargs['column_A']}, {kwargs['column_B']}"
    result = item.result or {}
    severity = getattr(config, "severity", None)
    return ExpectationFailure(
        table=suite.qualified_table,
        column=column,
        expectation=config.type,
        severity=str(getattr(severity, "value", severity) or "critical"),
        observed=(f"in {month:%Y-%m}: " if month else "")
        + _observed(config.type, result, item.exception_info),
        description=getattr(config, "description", None),
        sample_rows=_focus(_sample_rows(result), suite.key_columns, kwargs),
        query=kwargs.get("unexpected_rows_query"),
    )


def _focus(rows, key_columns, kwargs) -> tuple[dict[str, str], ...]:
    """Offending rows cut to their key columns and the columns the expectation is about."""
    about = [kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")]
    wanted = [*key_columns, *(kwargs.get("column_list") or []), *(c for c in about if c)]
    keep = list(dict.fromkeys(c for c in wanted if rows and c in rows[0]))
    if not rows or len(keep) <= len(key_columns):
        return rows
    return tuple({c: row.get(c, "") for c in keep} for row in rows)


def _observed(expectation: str, result: dict, exception_info) -> str:
    """What GX saw, in words: counts and example values, a column mismatch, or the error."""
    if not result:
        return f"error: {_exception_message(exception_info)}"
    mismatched = (result.get("details") or {}).get("mismatched")
    if mismatched:
        parts = [f"{k} {', '.join(map(str, v))}" for k, v in mismatched.items() if v]
        return f"columns {'; '.join(parts)} (observed {', '.join(map(str, result.get('observed_value') or []))})"
    if "unexpected_count" in result:
        examples = ", ".join(_short(v) for v in (result.get("partial_unexpected_list") or [])[:3])
        total = result.get("element_count")
        of = f" of {total} rows" if total is not None else ""
        return f"{result['unexpected_count']} unexpected{of}" + (
            f" (e.g. {examples})" if examples else ""
        )
    if "observed_value" in result:
        value = result["observed_value"]
        if expectation == "unexpected_rows_expectation":
            return f"{value} offending row{'s' if value != 1 else ''}"
        return f"observed {_short(value)}"
    return "failed"


def _sample_rows(result: dict) -> tuple[dict[str, str], ...]:
    rows = result.get("unexpected_rows") or (result.get("details") or {}).get("unexpected_rows")
    if not rows:
        indexes = result.get("partial_unexpected_index_list") or []
        rows = [r for r in indexes if isinstance(r, dict)]
    return tuple(
        {str(k): _short(v) for k, v in row.items()}
        for row in list(rows)[:SAMPLE_ROWS]
        if isinstance(row, dict)
    )


def _short(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float | decimal.Decimal):
        return f"{value:g}"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    text = str(value).replace("\n", " ")
    return text if len(text) <= SAMPLE_TEXT_CHARS else text[: SAMPLE_TEXT_CHARS - 1] + "…"


def _exception_message(exception_info) -> str:
    if isinstance(exception_info, dict) and "exception_message" in exception_info:
        infos = [exception_info]
    elif isinstance(exception_info, dict):
        infos = list(exception_info.values())
    else:
        infos = [exception_info]
    for info in infos:
        message = getattr(info, "exception_message", None) or (
            info.get("exception_message") if isinstance(info, dict) else None
        )
        if message:
            return _first_line(message)
    return "expectation could not be evaluated"


def _first_line(err: object) -> str:
    text = str(err).strip()
    line = text.splitlines()[0] if text else type(err).__name__
    return (
        line.removeprefix("(_duckdb.").replace(") ", ": ", 1)
        if line.startswith("(_duckdb.")
        else line
    )
