"""The landing folder: which files in it are dumps, reading them, and their listing dates cheaply."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.dumps.head import HEAD_BYTES, head_listing_date
from pipelines.dumps.parse import DumpFile
from pipelines.errors import LandingFolderMissing
from pipelines.settings import DEFAULT_MAX_DUMP_MB

# A file larger than this is refused unread (its bytes are only hashed, a block at a time): a
# Daily Papers dump is about 125 KB. Settings.max_dump_mb (PAPERTRENDS_MAX_DUMP_MB) sets it.
MAX_DUMP_BYTES = int(DEFAULT_MAX_DUMP_MB * 1_000_000)

# Names of files still being written by browsers, editors and copy tools: never ingested.
IN_PROGRESS_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", ".swp", "~")


@dataclass(frozen=True)
class LandedFile:
    """A candidate dump in the landing folder, with what ``stat`` says about it."""

    path: Path
    n_bytes: int
    mtime_ns: int

    @property
    def file_name(self) -> str:
        """The file's name inside the landing folder (the dump's identity besides its content)."""
        return self.path.name


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
            landed.append(LandedFile(Path(entry.path), stat.st_size, stat.st_mtime_ns))
    return sorted(landed, key=lambda f: (f.mtime_ns, f.file_name))


def file_mtime(file: LandedFile) -> dt.datetime:
    """The file's modification time as the parser takes it (UTC)."""
    return dt.datetime.fromtimestamp(file.mtime_ns / 1e9, tz=dt.UTC)


def read_dump(file: LandedFile, max_bytes: int = MAX_DUMP_BYTES) -> DumpFile:
    """Read a landed file's bytes (never modifying it) into the parser's input: at most the size
    cap ``max_bytes`` and one byte more, so a file that grew past the cap since the scan is not
    read into memory whole (the loader refuses it)."""
    with file.path.open("rb") as handle:
        content = handle.read(max_bytes + 1)
    return DumpFile(file_name=file.file_name, content=content, mtime=file_mtime(file))


def hash_file(file: LandedFile, block_bytes: int = 1 << 20) -> str:
    """SHA-256 of a landed file's bytes (``content_hash`` of them), read a block at a time: for a
    file too large to be read into memory whole."""
    digest = hashlib.sha256()
    with file.path.open("rb") as handle:
        while block := handle.read(block_bytes):
            digest.update(block)
    return digest.hexdigest()


def read_listing_date(file: LandedFile, head_bytes: int = HEAD_BYTES) -> tuple[dt.date, str]:
    """The listing date (and its source) the parser gives ``file``, from its first bytes and its
    modification time (``pipelines.dumps.head``): usually one read of ``head_bytes``; more only
    while the header goes on."""
    mtime = file_mtime(file)
    with file.path.open("rb") as handle:
        head = b""
        want = head_bytes
        while True:
            head += handle.read(want - len(head))
            whole = len(head) < want  # the read stopped short: end of file
            found = head_listing_date(head, mtime, whole, file.file_name)
            if found is not None:
                return found
            if whole:  # unreachable: a whole file always has an answer
                raise AssertionError(f"{file.path}: no listing date from the whole file")
            want *= 2
