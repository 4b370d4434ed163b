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
