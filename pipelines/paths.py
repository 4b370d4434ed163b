"""Cheap checks of the paths a command names, run before Dagster, dbt or Great Expectations are
imported (seconds of imports), so a typo is answered at once in one line."""

from __future__ import annotations

from pathlib import Path

from pipelines.errors import LandingFolderMissing, OutputUnwritable, WarehouseUnusable


def require_landing_folder(path: Path) -> None:
    """The landing folder must exist and be a folder: papertrends never creates or fills it."""
    if path.is_dir():
        return
    if path.exists():
        raise LandingFolderMissing(f"{path}: raw folder is a file, not a folder")
    raise LandingFolderMissing(f"{path}: raw folder does not exist")


def require_warehouse(path: Path) -> None:
    """A command that reads the warehouse needs the file to exist already."""
    if path.is_dir():
        raise WarehouseUnusable(f"{path}: is a folder, not a DuckDB file")
    if not path.is_file():
        raise WarehouseUnusable(f"{path}: no warehouse there yet (run `papertrends run` first)")


def require_creatable_file(path: Path, what: str) -> None:
    """``path`` is a file papertrends may create: not a folder, and no file in the way of its
    folders."""
    if path.is_dir():
        raise WarehouseUnusable(f"{path}: is a folder, not a DuckDB file")
    _require_folder_path(path.parent, f"cannot create the {what}")


def require_creatable_folder(path: Path, what: str) -> None:
    """``path`` is a folder papertrends writes into (created when missing): no file in its way."""
    _require_folder_path(path, f"cannot write the {what}")


def _require_folder_path(folder: Path, doing: str) -> None:
    blocker = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise OutputUnwritable(f"{folder}: {doing}: {blocker} is a file, not a folder")
