"""Shared fixtures: an isolated environment for running the real ``papertrends`` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.dumpkit import SHARED_DUMPS

BIN = Path(sys.executable).parent


# Scratch space in memory when the machine has room: the tests write warehouses, Dagster's SQLite
# storages and their commits, which wait on the disk's flushes (fsync) on a real disk but not on a
# tmpfs. A test's paths stay its own tmp_path; only where they live changes. --basetemp wins.
SHM = Path("/dev/shm")
SHM_MIN_FREE = 8 * 2**30


@pytest.hookimpl(tryfirst=True)  # before pytest's tmp_path factory reads the option
def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or config.option.basetemp is not None:
        return  # an xdist worker gets its folder under the controller's basetemp
    try:
        roomy = os.access(SHM, os.W_OK) and shutil.disk_usage(SHM).free >= SHM_MIN_FREE
    except OSError:
        roomy = False
    if roomy:
        config.option.basetemp = tempfile.mkdtemp(prefix="papertrends-tests-", dir=SHM)
        config.stash[_IN_MEMORY] = Path(config.option.basetemp)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The in-memory scratch space goes when every test passed; after a failure it stays for a
    look (it is memory: the line below says where)."""
    folder = session.config.stash.get(_IN_MEMORY, None)
    if folder is None:
        return
    if exitstatus == 0:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"\ntests' files kept in {folder} (memory: remove it when done)")


_IN_MEMORY = pytest.StashKey[Path]()


def pytest_sessionstart(session: pytest.Session) -> None:
    """The dbt manifest the code location reads when imported, parsed again if a file of the dbt
    project changed since it was prepared (as every papertrends command does first), before any
    test module imports the code location."""
    from pipelines.dbt_manifest import ensure_prepared

    ensure_prepared()


def isolated_env(root: Path) -> dict[str, str]:
    """This environment with papertrends' every path (warehouse, landing folder, Dagster
    instance, report and quality folders) under ``root``."""
    env = dict(os.environ)
    env.update(
        PAPERTRENDS_RAW_DIR=str(root / "raw"),
        PAPERTRENDS_WAREHOUSE=str(root / "warehouse.duckdb"),
        DAGSTER_HOME=str(root / "dagster_home"),
        PAPERTRENDS_REPORTS_DIR=str(root / "reports"),
        PAPERTRENDS_QUALITY_DIR=str(root / "quality"),
    )
    return env


@dataclass(frozen=True)
class RealRun:
    """One `papertrends run` on ../shared/dumps, shared by the tests that read its warehouse."""

    warehouse: Path
    env: dict[str, str]
    result: subprocess.CompletedProcess
    mtimes_before: dict[str, int]


@pytest.fixture(scope="session")
def real_run(tmp_path_factory) -> RealRun:
    """`papertrends run --raw-dir ../shared/dumps` once per test session (skips without them)."""
    if not SHARED_DUMPS.is_dir():
        pytest.skip("../shared/dumps is absent")
    root = tmp_path_factory.mktemp("real_run")
    env = isolated_env(root)
    before = {p.name: p.stat().st_mtime_ns for p in SHARED_DUMPS.iterdir()}
    result = subprocess.run(
        [str(BIN / "papertrends"), "run", "--raw-dir", str(SHARED_DUMPS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return RealRun(root / "warehouse.duckdb", env, result, before)


def labels_file(folder: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A topic labels file (title, topics, split) in ``folder``, as `papertrends topics evaluate`
    reads it."""
    import polars as pl

    path = folder / "labels.csv"
    pl.DataFrame(rows, schema=["title", "topics", "split"], orient="row").write_csv(path)
    return path


def dbt_by_hand(
    env: dict[str, str], target: Path, *args: str, expect: int = 0, timeout: float = 600
) -> subprocess.CompletedProcess:
    """dbt run by hand from dbt/, as a user runs it, its target and logs in ``target``; its exit
    code must be ``expect``."""
    result = subprocess.run(
        [str(BIN / "dbt"), *args, "--target-path", str(target), "--log-path", str(target)],
        cwd=Path(__file__).resolve().parents[1] / "dbt",
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == expect, result.stdout[-3000:]
    return result


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment with its own warehouse, landing folder and DAGSTER_HOME under tmp_path."""
    return isolated_env(tmp_path)


@pytest.fixture
def papertrends(cli_env: dict[str, str]):
    """Run the installed ``papertrends`` console script; returns the CompletedProcess."""

    def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "papertrends"), *args],
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


# --- running on both cores (pytest-xdist, `-n 2 --dist loadgroup` in pyproject's addopts) -----
#
# Tests that share a module- or session-scoped fixture of this folder (a warehouse built once by
# a real `papertrends run`, a running `papertrends ui`) must run in one worker, or each worker
# would build that fixture again: they get one xdist_group, found from their fixtures. Every
# other test is a unit of its own. Each test still gets its own tmp_path, DAGSTER_HOME, warehouse
# and free port (isolated_env, the UI tests' _free_port), so the two workers never share a path.

# Seconds the slowest units took on this 2-core machine (durations of a serial run): they are
# handed out first, longest first, so that neither worker is left alone with a long one at the
# end. Only the order of scheduling depends on these figures, never what a test runs.
SLOW_UNITS = {
    "tests/integration/test_incremental.py::test_six_incremental_steps_equal_a_full_refresh": 327,
    "tests/integration/test_quality.py::built": 230,
    "tests/system/test_ui.py::ui": 160,
    "real_run": 130,
    "tests/integration/test_marts.py::test_marts_on_composed_dumps_label_topics_and_reconcile": 100,
    "tests/integration/test_marts.py::test_key_phrases_follow_the_rules_and_incremental_builds_match_a_full_"
    "refresh": 97,
    "tests/integration/test_terms.py::planted": 92,
    "tests/system/test_cli.py::test_report_failing_inside_the_run_is_one_line_naming_the_page": 81,
    "tests/system/test_reliability.py::two_runs": 76,
    "tests/system/test_cli.py::test_demo_writes_its_sample_and_warehouse_under_data_demo_only": 74,
    "tests/system/test_empty.py::empty_folder_run": 121,
    "tests/system/test_empty.py::only_rejected_run": 45,
    "tests/system/test_instance.py::test_an_old_dagster_home_opens_and_runs": 55,
    "tests/system/test_upgrade.py::upgraded": 270,
    "tests/system/test_kills.py::scene": 570,
    "tests/system/test_soak.py::soaked": 460,
    "tests/system/test_benchmarks.py::report": 45,
    "tests/integration/test_topics.py::edge_warehouse": 41,
    "tests/integration/test_topics.py::composed_run": 90,
    "tests/integration/test_retitled.py::retitled": 120,
    "tests/integration/test_search.py::search_env": 110,
    "tests/system/test_hostile_text.py::hostile_run": 45,
    "tests/system/test_cli.py::test_a_warehouse_refuses_another_landing_folder_in_one_line": 40,
    "tests/integration/test_dbt_unit.py::test_every_dbt_unit_test_passes": 45,
}


def _shared_fixture_keys(item: pytest.Item) -> list[str]:
    """The module- and session-scoped fixtures of tests/ that ``item`` uses (directly or through
    another fixture): "real_run" for a session one, "tests/unit/test_x.py::name" for a module one."""
    keys = []
    for name, defs in item._fixtureinfo.name2fixturedefs.items():
        fixture = defs[-1]
        if not getattr(fixture.func, "__module__", "").startswith("tests."):
            continue  # pytest's own (tmp_path_factory, ...) and plugins' fixtures
        if fixture.scope == "session":
            keys.append(name)
        elif fixture.scope in ("module", "package", "class"):
            keys.append(f"{item.nodeid.split('::')[0]}::{name}")
    return keys


# The kind of a test is its folder: tests/unit (in this process: no dbt, Dagster run, papertrends
# or browser process, each in about a second), tests/integration (the rooms together on a real
# warehouse: dbt builds, Dagster runs, Great Expectations) and tests/system (the product as a
# user drives it: the CLI's lines and exit codes, the UI, pages in Chromium, make, kills). Each
# gets the marker of its folder, so `pytest -m unit` runs the fast tests alone.
KINDS = ("unit", "integration", "system")


def _kind(item: pytest.Item) -> str | None:
    parts = Path(str(item.path)).relative_to(Path(__file__).parent).parts
    return parts[0] if len(parts) > 1 and parts[0] in KINDS else None


@pytest.hookimpl(tryfirst=True)  # before -m deselects and xdist's own hook reads xdist_group
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        kind = _kind(item)
        if kind is not None:
            item.add_marker(getattr(pytest.mark, kind))
    if not hasattr(config, "workerinput"):
        return  # not an xdist worker: a plain serial run, in the usual order
    # tests that share a fixture go together, also through a third one (union of their keys)
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    keys = {item.nodeid: _shared_fixture_keys(item) for item in items}
    for found in keys.values():
        for key in found[1:]:
            parent[root(key)] = root(found[0])
    unions: dict[str, set[str]] = {}
    for found in keys.values():
        for key in found:
            unions.setdefault(root(key), set()).add(key)
    weight: dict[str, float] = {}  # seconds of each item's unit, 0 when not in SLOW_UNITS
    for item in items:
        found = keys[item.nodeid]
        if found:
            union = unions[root(found[0])]
            item.add_marker(pytest.mark.xdist_group(min(union)))  # one stable name per union
            weight[item.nodeid] = max(SLOW_UNITS.get(key, 0) for key in union)
        else:
            weight[item.nodeid] = SLOW_UNITS.get(item.nodeid.split("[")[0], 0)
    # slowest units first (a stable sort: the others, and the tests of a unit, keep their order)
    items.sort(key=lambda item: -weight[item.nodeid])
