"""The README's set-up on a stock system: `make install` in a scratch copy of the project, with
the system Python (externally managed, PEP 668) and no uv or pyenv on PATH."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.settings import PROJECT_DIR

SYSTEM_PYTHON = Path("/usr/bin/python3")


def _scratch_copy(target: Path) -> Path:
    """The project's tracked files as they are in the work tree (edits included), nothing else."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_DIR, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = PROJECT_DIR / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _stock_path() -> str:
    """PATH without pyenv's shims and without any folder holding a `uv`."""
    keep = [
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry and "pyenv" not in entry and not (Path(entry) / "uv").exists()
    ]
    return os.pathsep.join(keep or ["/usr/bin", "/bin"])


def _stock_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYENV", "VIRTUAL_ENV", "UV_"))}
    env.update(PATH=_stock_path(), **extra)
    return env


def _system_python_supported() -> bool:
    if not SYSTEM_PYTHON.exists():
        return False
    version = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import sys; print((3, 11) <= sys.version_info[:2] < (3, 13))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return version == "True"


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.mark.slow
@needs_make
@pytest.mark.skipif(not _system_python_supported(), reason="no /usr/bin/python3 >= 3.11 here")
def test_make_install_on_the_system_python_bootstraps_uv_inside_the_project(tmp_path):
    clone = _scratch_copy(tmp_path / "clone")
    had_uv = subprocess.run([str(SYSTEM_PYTHON), "-m", "uv", "--version"], capture_output=True)
    result = subprocess.run(
        ["make", "install", f"PYTHON={SYSTEM_PYTHON}"],
        cwd=clone,
        env=_stock_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "installing uv from PyPI into .uv/" in result.stdout
    assert (clone / ".uv" / "bin" / "uv").is_file()
    # the project's venv runs on the system interpreter, and its command works
    venv_python = (clone / ".venv" / "bin" / "python").resolve()
    assert venv_python == SYSTEM_PYTHON.resolve()
    help_text = subprocess.run(
        [str(clone / ".venv" / "bin" / "papertrends"), "--help"], capture_output=True, text=True
    )
    assert help_text.returncode == 0 and "papertrends" in help_text.stdout
    # the prepared dbt manifest, under data/ (dbt/ gets no target folder)
    assert (clone / "data" / "dbt-manifest" / "manifest.json").is_file()
    assert not (clone / "dbt" / "target").exists()
    # nothing went into the system interpreter
    still = subprocess.run([str(SYSTEM_PYTHON), "-m", "uv", "--version"], capture_output=True)
    assert still.returncode == had_uv.returncode


def _fake_python_without_venv(folder: Path) -> Path:
    """A python3 that behaves like Debian's without python3-venv: `-m venv` fails (no ensurepip)."""
    fake = folder / "python3"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then\n'
        "  echo 'The virtual environment was not created successfully because ensurepip is not "
        "available.' >&2\n"
        "  exit 1\n"
        "fi\n"
        f'exec {sys.executable} "$@"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return fake


def _make_install_in_scratch(
    tmp_path: Path, python: Path
) -> tuple[Path, subprocess.CompletedProcess]:
    """`make install PYTHON=python` in a scratch folder holding only the Makefile and the lock."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Makefile", "pyproject.toml", "uv.lock"):
        shutil.copy2(PROJECT_DIR / name, project / name)
    result = subprocess.run(
        ["make", "--no-print-directory", "install", f"PYTHON={python}"],
        cwd=project,
        env=_stock_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return project, result


@needs_make
def test_missing_python3_venv_is_one_line_saying_how_to_get_it(tmp_path):
    project, result = _make_install_in_scratch(tmp_path, _fake_python_without_venv(tmp_path))
    assert result.returncode != 0
    minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    assert f"install python{minor}-venv (sudo apt install python3-venv)" in lines[0]
    assert not (project / ".uv").exists() and not (project / ".venv").exists()


@needs_make
def test_unsupported_python_is_one_line_naming_the_versions(tmp_path):
    old = tmp_path / "python3"
    # a "Python 3.10": the version check exits 1, the version query prints 3.10
    old.write_text('#!/bin/sh\ncase "$2" in *sys.exit*) exit 1 ;; *) echo 3.10 ;; esac\n')
    old.chmod(old.stat().st_mode | stat.S_IEXEC)
    _, result = _make_install_in_scratch(tmp_path, old)
    assert result.returncode != 0
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    assert "is Python 3.10: papertrends needs 3.11 or 3.12" in lines[0]
