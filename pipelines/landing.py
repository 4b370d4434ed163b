"""The landing folder: which files in it are dumps, their safe partition keys, reading them."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipelines.dumps.parse import DumpFile
from pipelines.errors import LandingFolderMissing

# Names of files still being written by browsers, editors and copy tools: never ingested.
IN_PROGRESS_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", ".swp", "~")
_SAFE_KEY = re.compile(r"[^A-Za-z0-9._-]")
MAX_KEY_CHARS = 100


@dataclass(frozen=True)
class LandedFile:
    """A candidate dump in the landing folder, with what ``stat`` says about it."""

    path: Path
    partition_key: str
    n_bytes: int
    mtime_ns: int

    @property
    def file_name(self) -> str:
        """The file's name inside the landing folder (the dump's identity besides its content)."""
        return self.path.name


def partition_key_for(file_name: str) -> str:
    """A partition key safe for Dagster's UI and backfills, derived from the file name alone.

    Names made only of letters, digits, ``.``, ``_`` and ``-`` are their own key; any other
    character becomes ``_`` and a short hash of the original name keeps keys distinct.
    """
    safe = _SAFE_KEY.sub("_", file_name)
    if safe == file_name and len(safe) <= MAX_KEY_CHARS:
        return safe
    digest = hashlib.sha1(file_name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{safe[: MAX_KEY_CHARS - 9]}-{digest}"


def scan_landing(raw_dir: Path, min_age_seconds: float = 0.0) -> list[LandedFile]:
    """Regular, non-hidden files of the landing folder, oldest first, skipping files in progress.

    ``min_age_seconds`` > 0 also skips files modified that recently (still being written).
    """
    if not raw_dir.is_dir():
        raise LandingFolderMissing(f"{raw_dir}: raw folder does not exist or is not a folder")
    now_ns = time.time_ns()
    landed = []
    with os.scandir(raw_dir) as entries:
        for entry in entries:  # one iteration per file in the folder
            name = entry.name
            if name.startswith(".") or name.endswith(IN_PROGRESS_SUFFIXES):
                continue
            if not entry.is_file(follow_symlinks=True):
                continue
            stat = entry.stat(follow_symlinks=True)
            if min_age_seconds and now_ns - stat.st_mtime_ns < min_age_seconds * 1e9:
                continue
            landed.append(
                LandedFile(
                    Path(entry.path), partition_key_for(name), stat.st_size, stat.st_mtime_ns
                )
            )
    return sorted(landed, key=lambda f: (f.mtime_ns, f.file_name))


def read_dump(file: LandedFile) -> DumpFile:
    """Read a landed file's bytes (never modifying it) into the parser's input."""
    content = file.path.read_bytes()
    mtime = dt.datetime.fromtimestamp(file.mtime_ns / 1e9, tz=dt.UTC)
    return DumpFile(file_name=file.file_name, content=content, mtime=mtime)


def by_partition_key(files: Iterable[LandedFile]) -> dict[str, LandedFile]:
    """Index landed files by partition key."""
    return {f.partition_key: f for f in files}
