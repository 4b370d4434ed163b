"""Shared fixtures: an isolated environment for running the real ``papertrends`` command."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.dumpkit import SHARED_DUMPS

BIN = Path(sys.executable).parent


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
