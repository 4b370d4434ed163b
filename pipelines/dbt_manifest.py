"""Whether the prepared dbt manifest is older than the dbt project: a cheap look at file times,
with no heavy import, so every command can ask before it loads Dagster (``ensure_prepared``).
Preparing it is ``pipelines.defs.dbt_project.prepare``."""

from __future__ import annotations

from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR, PREPARED_MANIFEST

# what the manifest is parsed from: these files and every file of these folders of dbt/
PROJECT_FILES = ("dbt_project.yml", "profiles.yml")
PROJECT_FOLDERS = ("models", "macros", "seeds", "tests")


def is_stale(manifest: Path = PREPARED_MANIFEST, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """True when ``manifest`` is missing or older than any file of the dbt project."""
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [project_dir / name for name in PROJECT_FILES] + [
        path
        for folder in PROJECT_FOLDERS
        for path in (project_dir / folder).rglob("*")
        if path.is_file()
    ]
    return any(path.exists() and path.stat().st_mtime > built for path in sources)


def ensure_prepared() -> bool:
    """Prepare the manifest (``dbt parse``) if it is stale; True when it did. What a command
    that loads the code location (which reads the manifest at import) runs first."""
    if not is_stale():
        return False
    from pipelines.defs.dbt_project import prepare

    return prepare(only_if_stale=True)
