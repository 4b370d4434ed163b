"""Shared fixtures: an isolated environment for running the real ``papertrends`` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment with its own warehouse, landing folder and DAGSTER_HOME under tmp_path."""
    env = dict(os.environ)
    env.update(
        PAPERTRENDS_RAW_DIR=str(tmp_path / "raw"),
        PAPERTRENDS_WAREHOUSE=str(tmp_path / "warehouse.duckdb"),
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
        PAPERTRENDS_REPORTS_DIR=str(tmp_path / "reports"),
        PAPERTRENDS_QUALITY_DIR=str(tmp_path / "quality"),
    )
    return env


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
