"""Compose small dumps in the real format for tests (never copies of the shared real dumps)."""

from __future__ import annotations

import os
from pathlib import Path

CHROME = [
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
]
# where the tests' own files are, from any of tests/unit, tests/integration, tests/system
TESTS = Path(__file__).resolve().parent
PROJECT = TESTS.parent
FIXTURES = TESTS / "fixtures"
LABELS = TESTS / "labels"
SHARED_DUMPS = PROJECT.parent / "shared" / "dumps"


def paper(token: str) -> tuple[str, str]:
    """A (title, abstract) pair whose abstract names the title's unique token (to check pairing)."""
    title = f"{token}: Sparse Mixture of Experts for Efficient Language Models"
    abstract = (
        f"We present {token}, a method that routes tokens to a few experts. "
        + "Large language models are costly to serve, and sparse routing reduces that cost. " * 4
        + f"Code is at https://github.com/example/{token.lower()}."
    )
    return title, abstract


def compose_dump(
    papers: list[tuple[str, str]], date: str | None = "Aug 25", newline: str = "\n"
) -> str:
    """The text of a clean dump: chrome, the date line, then title/abstract paragraphs."""
    paragraphs = list(CHROME) + ([date] if date else [])
    for title, abstract in papers:
        paragraphs += [title, abstract]
    return newline.join(p + newline for p in paragraphs).rstrip(newline) + newline


def write_dump(folder: Path, name: str, content: str | bytes, mtime: float | None = None) -> Path:
    """Write a dump file (bytes as given) and optionally set its modification time."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path
