"""Great Expectations suites on the warehouse: they pass on good data and name each planted defect.

A small warehouse is built once by the real ``papertrends run`` (synthetic dumps); each test
copies it, plants one defect with SQL, and validates the copy with the real suites from
``expectations/`` through GX's SQL data source on the DuckDB file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.quality.suites import load_suite_files
from tests.conftest import isolated_env

BIN = Path(sys.executable).parent
SUITES = {s.name: s for s in load_suite_files()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A warehouse built from 8 synthetic dumps by `papertrends run`, and the run's env."""
    root = tmp_path_factory.mktemp("quality")
    env = isolated_env(root)
    cli = str(BIN / "papertrends")
    subprocess.run(
        [cli, "synth", "--out", str(root / "raw"), "--dumps", "8", "--seed", "5"],
        env=env,
        check=True,
        capture_output=True,
    )
    run = subprocess.run([cli, "run"], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "quality passed: 18/18 suites passed" in run.stdout, run.stdout
    return root / "warehouse.duckdb", env


def _copy_with(built_warehouse: Path, tmp_path: Path, *statements: str) -> Path:
    copy = tmp_path / "planted.duckdb"
    shutil.copyfile(built_warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        for sql in statements:
            con.execute(sql)
    return copy


def _validate(warehouse: Path, tmp_path: Path, *names: str, memory_limit: str = "1GB"):
    from pipelines.quality.validate import validate

    return validate(
        warehouse,
        [SUITES[n] for n in names],
        tmp_path / "quality",
        wait_seconds=5,
        memory_limit=memory_limit,
    )


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "papertrends"), *args], env=env, capture_output=True, text=True, timeout=600
    )


def test_suites_cover_the_contract_tables_and_are_valid_gx_suites():
    import json

    import great_expectations as gx

    assert {
        "raw.dumps",
        "raw.sightings",
        "marts.papers",
        "marts.paper_topics",
        "marts.topic_trends",
    } <= set(SUITES)
    for suite in SUITES.values():
        loaded = gx.ExpectationSuite(**json.loads(suite.path.read_text()))
        kinds = {e.expectation_type for e in loaded.expectations}
        assert "expect_table_columns_to_match_set" in kinds, suite.name  # schema
        assert "expect_column_values_to_be_of_type" in kinds, suite.name  # types
        assert kinds & {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
        assert suite.key_columns, suite.name
    assert SUITES["raw.dumps"].blocking and SUITES["raw.sightings"].blocking
    assert SUITES["marts.papers"].blocking  # for the report


def test_every_suite_passes_on_a_clean_warehouse(built, tmp_path):
    warehouse, _ = built
    result = _validate(warehouse, tmp_path, *SUITES)
    assert [f.line() for o in result.outcomes for f in o.failures] == []
    assert all(o.n_evaluated == o.suite.n_expectations for o in result.outcomes)
    assert result.data_docs is not None and result.data_docs.is_file()
    assert "marts.papers" in result.data_docs.read_text()


def test_a_duplicated_paper_row_fails_uniqueness_and_names_the_paper(built, tmp_path):
    warehouse, _ = built
    planted = _copy_with(
        warehouse,
        tmp_path,
        "insert into marts.papers select * from marts.papers order by paper_id limit 1",
    )
    (duplicate,) = (
        duckdb.connect(str(planted), read_only=True)
        .execute("select paper_id from marts.papers group by 1 having count(*) > 1")
        .fetchone()
    )
    result = _validate(planted, tmp_path, "marts.papers")
    (outcome,) = result.outcomes
    failed = {f.expectation: f for f in outcome.failures}
    unique = failed["expect_column_values_to_be_unique"]
    assert unique.table == "marts.papers" and unique.column == "paper_id"
    assert unique.observed.startswith("2 unexpected of ")
    assert {row["paper_id"] for row in unique.sample_rows} == {duplicate}
    assert unique.line().startswith(
        "marts.papers.paper_id: expect_column_values_to_be_unique failed: 2 unexpected"
    )
    assert set(failed) == {"expect_column_values_to_be_unique"}


def test_a_null_title_fails_not_null_and_shows_the_row(built, tmp_path):
    warehouse, _ = built
    planted = _copy_with(
        warehouse,
        tmp_path,
        "update marts.papers set title = null where paper_id = (select min(paper_id) from marts.papers)",
    )
    (outcome,) = _validate(planted, tmp_path, "marts.papers").outcomes
    failed = {(f.expectation, f.column): f for f in outcome.failures}
    not_null = failed[("expect_column_values_to_not_be_null", "title")]
    assert not_null.observed.startswith("1 unexpected of ")
    assert not_null.sample_rows[0]["title"] == "NULL"
    assert not_null.line().startswith("marts.papers.title: expect_column_values_to_not_be_null")


def test_a_share_of_1_7_fails_the_range_check(built, tmp_path):
    warehouse, _ = built
    planted = _copy_with(
        warehouse,
        tmp_path,
        "update marts.topic_trends set share_of_listing = 1.7 "
        "where (topic, grain, period_start) = (select (topic, grain, period_start) "
        "from marts.topic_trends order by all limit 1)",
    )
    (outcome,) = _validate(planted, tmp_path, "marts.topic_trends").outcomes
    (failure,) = outcome.failures
    assert (failure.expectation, failure.column) == (
        "expect_column_values_to_be_between",
        "share_of_listing",
    )
    assert failure.observed == "1 unexpected of " + failure.observed.split(" of ")[1]
    assert "(e.g. 1.7)" in failure.observed
    assert failure.sample_rows[0]["share_of_listing"] == "1.7"
    assert set(failure.sample_rows[0]) >= {"topic", "grain", "period_start"}


def test_a_dropped_column_fails_the_schema_check_naming_the_column(built, tmp_path):
    warehouse, _ = built
    planted = _copy_with(warehouse, tmp_path, "alter table marts.paper_topics drop column score")
    (outcome,) = _validate(planted, tmp_path, "marts.paper_topics").outcomes
    schema = next(
        f for f in outcome.failures if f.expectation == "expect_table_columns_to_match_set"
    )
    assert schema.observed.startswith("columns missing score")
    assert schema.line().startswith(
        "marts.paper_topics: expect_table_columns_to_match_set failed: columns missing score"
    )


def test_a_reconciliation_break_shows_the_offending_rows(built, tmp_path):
    warehouse, _ = built
    planted = _copy_with(
        warehouse,
        tmp_path,
        "delete from marts.papers where paper_id = (select max(paper_id) from marts.papers)",
    )
    (outcome,) = _validate(planted, tmp_path, "marts.papers").outcomes
    (failure,) = outcome.failures
    assert failure.expectation == "unexpected_rows_expectation"
    assert "reconciliation" in failure.line() and failure.observed == "1 offending row"
    assert failure.sample_rows[0]["problem"] == "listed in raw.sightings, missing here"


def test_check_command_passes_then_names_expectation_and_column_on_a_defect(built, tmp_path):
    warehouse, env = built
    clean = _cli(env, "check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "quality passed: 18/18 suites passed" in clean.stdout
    assert "dbt tests passed" in clean.stdout

    planted = _copy_with(
        warehouse,
        tmp_path,
        # a key broken (Great Expectations owns keys) and a listing of no paper (dbt's
        # relationships test)
        "insert into marts.papers select * from marts.papers limit 1",
        "insert into marts.paper_sightings "
        "select 'no-such-paper', dump_id, title_id, listing_date, 999 from marts.paper_sightings limit 1",
    )
    broken = _cli(env, "check", "--warehouse", str(planted))
    assert broken.returncode == 2, broken.stdout + broken.stderr
    lines = broken.stdout.splitlines()
    assert any(
        line.startswith("FAILED marts.papers.paper_id: expect_column_values_to_be_unique")
        for line in lines
    ), broken.stdout
    assert any(
        "dbt test relationships_paper_sightings_paper_id" in line and "failed" in line
        for line in lines
    ), broken.stdout
    assert "Traceback" not in broken.stderr


def test_a_failed_raw_suite_keeps_the_marts_from_being_rebuilt(built, tmp_path):
    warehouse, env = built
    planted = _copy_with(
        warehouse,
        tmp_path,
        # two loaded dumps claiming the same content: raw.dumps' sha256 rule breaks
        "update raw.dumps set sha256 = (select min(sha256) from raw.dumps where status = 'loaded') "
        "where status = 'loaded'",
        "create table marts.marker as select 1 as kept",
        "delete from marts.papers where paper_id in (select paper_id from marts.papers limit 3)",
    )
    papers_before = (
        duckdb.connect(str(planted), read_only=True)
        .execute("select count(*) from marts.papers")
        .fetchone()[0]
    )
    build = _cli(env, "build", "--warehouse", str(planted))
    assert build.returncode == 2, build.stdout + build.stderr
    assert "marts NOT rebuilt" in build.stdout
    assert "raw.dumps great_expectations" in build.stdout
    papers_after = (
        duckdb.connect(str(planted), read_only=True)
        .execute("select count(*) from marts.papers")
        .fetchone()[0]
    )
    assert papers_after == papers_before  # dbt did not run


def test_a_failed_mart_suite_keeps_the_report_from_being_rendered(built, tmp_path):
    """The mart suites are blocking for the report: no trend page is drawn from a mart that
    failed its key checks. marts.papers is incremental, so a planted duplicate survives the
    build (which merges only papers that changed) and its suite fails after dbt."""
    warehouse, env = built
    planted = _copy_with(
        warehouse,
        tmp_path,
        "insert into marts.papers select * from marts.papers order by paper_id limit 1",
    )
    build = _cli(env, "build", "--warehouse", str(planted))
    assert build.returncode == 2, build.stdout + build.stderr
    assert "marts built in" in build.stdout and "trend report NOT rendered" in build.stdout
    assert "marts.papers great_expectations" in build.stdout
    # the two steps after the marts were held back: the dbt docs page and the trend report
    assert "not run: docs__dbt_docs, reports__trend_report" in build.stdout
    assert not (tmp_path / "planted-report" / "index.html").exists()
    assert "Traceback" not in build.stderr


def test_data_docs_keep_only_the_latest_validations(built, tmp_path, monkeypatch):
    import pipelines.quality.validate as validate_module

    warehouse, _ = built
    monkeypatch.setattr(validate_module, "KEEP_RESULTS", 2)
    for _ in range(3):
        result = _validate(warehouse, tmp_path, "marts.topics")
    site = result.data_docs.parent
    pages = sorted((site / "validations").rglob("*.html"))
    assert len(pages) == 2, pages
    assert all("marts.topics" in page.name for page in pages)
    # the index is rebuilt with each run and links the kept pages, not the pruned ones
    index = result.data_docs.read_text(encoding="utf-8")
    runs = {page.parent.name for page in pages}
    assert all(run in index for run in runs)
    assert index.count("marts.topics.html") == 2


def test_data_docs_add_the_new_validation_pages_to_the_site(built, tmp_path):
    warehouse, _ = built
    first = _validate(warehouse, tmp_path, "marts.topics").data_docs
    site = first.parent
    before = set((site / "validations").rglob("*.html"))
    second = _validate(warehouse, tmp_path, "marts.topics", "marts.papers").data_docs
    added = set((site / "validations").rglob("*.html")) - before
    assert sorted(page.name for page in added) == [
        "warehouse-marts.papers.html",
        "warehouse-marts.topics.html",
    ]
    index = second.read_text(encoding="utf-8")
    assert all(page.parent.name in index for page in added)
    assert (site / "expectations" / "marts" / "papers.html").is_file()


def test_every_suite_is_an_asset_check_on_its_asset_and_blocks():
    import dagster as dg

    from pipelines.definitions import build_defs
    from pipelines.settings import Settings

    defs = build_defs(Settings.resolve({}, {}))
    graph = defs.resolve_asset_graph()
    for suite in SUITES.values():
        key = dg.AssetCheckKey(dg.AssetKey([suite.schema, suite.table]), "great_expectations")
        assert key in graph.asset_check_keys, key
        assert graph.get_check_spec(key).blocking
        assert suite.qualified_table in graph.get_check_spec(key).description
    build = defs.resolve_job_def("build_marts")
    checks = build.asset_layer.asset_graph.asset_check_keys
    assert dg.AssetCheckKey(dg.AssetKey(["raw", "dumps"]), "great_expectations") in checks


def test_a_check_result_shows_failures_and_offending_rows_as_tables():
    from pipelines.defs.quality import check_result
    from pipelines.quality.validate import ExpectationFailure, SuiteOutcome

    suite = SUITES["marts.papers"]
    unique = ExpectationFailure(
        table=suite.qualified_table,
        column="paper_id",
        expectation="expect_column_values_to_be_unique",
        severity="critical",
        observed="in 2026-08: 2 unexpected of 9 rows",
        sample_rows=({"paper_id": "ab|cd", "title": "**Bold**"},),
    )
    # the same expectation failing in a second month: its rows get a table of their own
    later = ExpectationFailure(**{**unique.__dict__, "observed": "in 2026-09: 2 unexpected"})
    schema = ExpectationFailure(
        table=suite.qualified_table,
        column=None,
        expectation="expect_table_columns_to_match_set",
        severity="warning",
        observed="columns missing title",
    )
    result = check_result(SuiteOutcome(suite, 12, (unique, later, schema)), None)
    assert not result.passed and result.metadata["failed"].value == 3
    failed = result.metadata["failed_expectations"].value
    assert [r.data for r in failed.records][::2] == [
        {
            "column": "paper_id",
            "expectation": "expect_column_values_to_be_unique",
            "observed": "in 2026-08: 2 unexpected of 9 rows",
        },
        {
            "column": "(table)",
            "expectation": "expect_table_columns_to_match_set",
            "observed": "columns missing title",
        },
    ]
    name = "offending rows: expect_column_values_to_be_unique on paper_id"
    assert {k for k in result.metadata if k.startswith("offending")} == {name, f"{name} (2)"}
    rows = result.metadata[name].value
    assert [c.name for c in rows.schema.columns] == ["paper_id", "title"]
    assert [r.data for r in rows.records] == [{"paper_id": "ab|cd", "title": "**Bold**"}]
    assert result.metadata["failure_lines"].value[0] == unique.line()
    passed = check_result(SuiteOutcome(suite, 12), None)
    assert passed.passed and "failed_expectations" not in passed.metadata


def test_validation_runs_under_the_check_memory_cap_and_rejects_a_bad_one(built, tmp_path):
    from pipelines.errors import WarehouseUnusable
    from pipelines.quality.validate import MEMORY_LIMIT_ENV
    from pipelines.settings import Settings

    def cap(value: str) -> str:  # what the settings of an environment setting it give
        return Settings.resolve({}, {MEMORY_LIMIT_ENV: value}).check_memory_limit

    warehouse, _ = built
    result = _validate(
        warehouse, tmp_path, "marts.papers", "marts.term_trends", memory_limit=cap("64MB")
    )
    assert result.passed, [f.line() for o in result.outcomes for f in o.failures]
    with pytest.raises(WarehouseUnusable, match="PAPERTRENDS_CHECK_MEMORY_LIMIT='lots'"):
        _validate(warehouse, tmp_path, "marts.papers", memory_limit=cap("lots"))


def test_a_failed_suite_keeps_one_detailed_result_and_a_passed_one_a_quick_one(built, tmp_path):
    import json

    warehouse, _ = built
    planted = _copy_with(
        warehouse,
        tmp_path,
        "insert into marts.papers select * from marts.papers order by paper_id limit 1",
    )
    _validate(planted, tmp_path, "marts.papers", "marts.topics")
    stored = tmp_path / "quality" / "gx" / "uncommitted" / "validations"
    (failed,) = (stored / "marts" / "papers").rglob("*.json")
    (passed,) = (stored / "marts" / "topics").rglob("*.json")
    failed_results = json.loads(failed.read_text())["results"]
    unique = next(
        r
        for r in failed_results
        if r["expectation_config"]["type"] == "expect_column_values_to_be_unique"
    )
    assert unique["result"]["unexpected_count"] == 2  # the detailed pass, with counts and rows
    assert all(not r["result"] for r in json.loads(passed.read_text())["results"])


def test_a_run_over_one_month_checks_rows_of_that_month_and_keys_of_the_whole_table(
    built, tmp_path
):
    """With the run's months, row-level expectations of a suite with a batch_column look at
    those months' batches and the months its latest build wrote; schema and keys without the
    batch column at the whole table."""
    import datetime as dt

    from pipelines.quality.validate import batch_months, validate

    warehouse, _ = built  # synthetic dumps of January 2025, every trend row written by one build
    planted = _copy_with(
        warehouse,
        tmp_path,
        # a row-level defect (a share above 1) in a row an earlier build wrote for December
        "update marts.term_trends set share_of_listing = 1.7, is_partial = false, "
        "period_start = date '2024-12-02', updated_at = updated_at - interval 1 day "
        "where (term_key, grain, period_start) = "
        "(select (term_key, grain, period_start) from marts.term_trends order by all limit 1)",
        # a duplicated listing (paper_sightings has no batch column: whole table)
        "insert into marts.paper_sightings select * from marts.paper_sightings limit 1",
    )
    suites = [SUITES["marts.term_trends"], SUITES["marts.paper_sightings"]]
    february = batch_months(dt.date(2025, 2, 1), dt.date(2025, 3, 1))
    december = batch_months(dt.date(2024, 12, 1), dt.date(2025, 1, 1))
    assert february == (dt.date(2025, 2, 1),) and december == (dt.date(2024, 12, 1),)
    assert batch_months(dt.date(2024, 1, 1), dt.date(2025, 2, 1)) is None  # many: whole table

    def failed(months):
        result = validate(planted, suites, tmp_path / "quality", wait_seconds=5, months=months)
        return {(f.table, f.expectation): f.observed for o in result.outcomes for f in o.failures}

    # February and the latest build's January: December's row is not looked at
    in_february = failed(february)
    assert set(in_february) == {
        ("marts.paper_sightings", "expect_compound_columns_to_be_unique"),
        ("marts.paper_sightings", "unexpected_rows_expectation"),  # rows here = raw.sightings
    }
    in_december = failed(december)
    share = in_december[("marts.term_trends", "expect_column_values_to_be_between")]
    assert share.startswith("in 2024-12: 1 unexpected")
    whole = failed(None)
    assert not whole[("marts.term_trends", "expect_column_values_to_be_between")].startswith("in ")


def test_month_batches_of_an_empty_table_pass(built, tmp_path):
    import datetime as dt

    from pipelines.quality.validate import validate

    warehouse, _ = built
    emptied = _copy_with(warehouse, tmp_path, "delete from marts.term_trends")
    result = validate(
        emptied,
        [SUITES["marts.term_trends"]],
        tmp_path / "quality",
        wait_seconds=5,
        months=(dt.date(2025, 1, 1),),
    )
    assert [f.line() for o in result.outcomes for f in o.failures] == []


def _suite_lines(result) -> list[tuple[str, int, list[str]]]:
    return [(o.suite.name, o.n_evaluated, [f.line() for f in o.failures]) for o in result.outcomes]


def test_the_validation_worker_answers_as_validate_does_then_renders_the_pages(built, tmp_path):
    """The worker process (GX imported there, not here) gives the outcome ``validate`` gives on
    the same defect, answers before it renders the Data Docs pages, and has written them when
    ``close`` returns."""
    from pipelines.quality.worker import ValidationWorker

    warehouse, _ = built
    planted = _copy_with(
        warehouse,
        tmp_path,
        "insert into marts.papers select * from marts.papers order by paper_id limit 1",
    )
    here = _validate(planted, tmp_path / "here", "marts.papers", "marts.topics")
    worker = ValidationWorker()
    try:
        there = worker.validate(
            warehouse=planted,
            suites=[SUITES["marts.papers"], SUITES["marts.topics"]],
            quality_dir=tmp_path / "there",
            wait_seconds=5,
            memory_limit="1GB",
        )
        # it answered with the warehouse let go: a writer can open it at once
        duckdb.connect(str(planted)).close()
    except BaseException:
        worker.close()
        raise
    assert worker.close() == []
    assert not worker.running()
    assert _suite_lines(there) == _suite_lines(here)
    assert any("expect_column_values_to_be_unique" in line for line in _suite_lines(there)[0][2])
    assert there.data_docs == tmp_path / "there" / "gx/uncommitted/data_docs/local_site/index.html"
    assert there.data_docs.is_file() and "marts.papers" in there.data_docs.read_text()


def test_the_validation_worker_raises_the_error_validate_raises(tmp_path):
    from pipelines.errors import WarehouseUnusable
    from pipelines.quality.worker import ValidationWorker

    worker = ValidationWorker()
    try:
        with pytest.raises(WarehouseUnusable, match="no warehouse there yet"):
            worker.validate(
                warehouse=tmp_path / "missing.duckdb",
                suites=[SUITES["marts.papers"]],
                quality_dir=tmp_path / "quality",
                wait_seconds=1,
            )
        assert worker.running()  # one failed request does not end it
    finally:
        worker.close()


def test_a_validation_worker_that_died_is_one_line_and_an_unused_one_stops_at_once(tmp_path):
    import os
    import signal
    import time

    from pipelines.quality.worker import ValidationWorker, ValidationWorkerFailed

    dead = ValidationWorker()
    os.kill(dead.pid, signal.SIGKILL)
    with pytest.raises(
        ValidationWorkerFailed, match=r"stopped before it answered \(exit code -9\)"
    ):
        dead.validate(
            warehouse=tmp_path / "w.duckdb",
            suites=[],
            quality_dir=tmp_path / "quality",
            wait_seconds=1,
        )
    assert dead.close() == []

    unused = ValidationWorker()
    started = time.monotonic()
    assert unused.close() == []
    assert time.monotonic() - started < 2  # not after GX's import: it is stopped
    assert not unused.running()


def test_a_validation_worker_that_cannot_start_says_why(tmp_path, monkeypatch):
    from pipelines.quality.worker import ValidationWorker, ValidationWorkerFailed

    broken = tmp_path / "broken" / "great_expectations"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text('raise ImportError("a planted broken install")\n')
    monkeypatch.setenv("PYTHONPATH", str(broken.parent))  # before site-packages in the child
    worker = ValidationWorker()
    with pytest.raises(
        ValidationWorkerFailed,
        match=r"stopped before it answered \(exit code 1\): ImportError: a planted broken",
    ):
        worker.validate(
            warehouse=tmp_path / "w.duckdb",
            suites=[],
            quality_dir=tmp_path / "quality",
            wait_seconds=1,
        )
    worker.close()


def test_an_early_worker_is_handed_back_only_when_it_can_serve_the_next_run(tmp_path):
    """A run gives the CLI's early worker back for the command's next run, unless it stopped
    (or was interrupted mid-request): that one is closed, not handed back."""
    import os
    import signal

    from pipelines.quality import worker as module

    module.start_early()
    alive = module.take_early()
    assert module.hand_back_early(alive) == []
    assert module.take_early() is alive
    os.kill(alive.pid, signal.SIGKILL)
    alive._process.wait()
    assert module.hand_back_early(alive) == []
    assert module.take_early() is None
    assert module.close_early() == []
