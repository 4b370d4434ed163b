"""The errors a user can cause: each carries a one-line message; ``cli.py`` maps them to exit codes."""

from __future__ import annotations


class PapertrendsError(Exception):
    """Base of every user-facing error; ``str(err)`` is the one line shown to the user."""


class WarehouseBusy(PapertrendsError):
    """Another process holds the DuckDB file (DuckDB allows one writer per file)."""


class WarehouseUnusable(PapertrendsError):
    """The warehouse path cannot be opened or written: not DuckDB, unwritable, disk full."""


class LandingFolderMissing(PapertrendsError):
    """The raw (landing) folder does not exist or is not a folder."""


class OutputUnwritable(PapertrendsError):
    """A file papertrends writes (report, Data Docs, synthetic dumps) cannot be written there."""


class LandingFolderMismatch(PapertrendsError):
    """The warehouse was built from another landing folder than the one it is pointed at."""


class SettingInvalid(PapertrendsError):
    """A setting (environment variable, instance config) has a value papertrends cannot use."""


def os_error_line(err: OSError, doing: str | None = None) -> str:
    """One line naming the path and the OS's reason: ``/x/index.html: cannot write: Permission
    denied``; for errors without a path, the reason alone."""
    reason = err.strerror or type(err).__name__
    path = err.filename if err.filename is not None else None
    what = f"{doing}: " if doing else ""
    if path is None:
        return f"{what}{reason}"
    if err.filename2 is not None:
        return f"{path} -> {err.filename2}: {what}{reason}"
    return f"{path}: {what}{reason}"
