"""Every path and knob of papertrends, read from the environment in one place."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_DIR / "dbt"
# The dbt installed beside this Python (the project's venv): run by path, so `.venv/bin/papertrends`
# works without an activated venv and without putting the venv on PATH.
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"
# The parsed dbt project (manifest.json) the code location reads at import: prepared by an
# explicit step (`make install`, and any command that finds the dbt project changed since), never
# by importing the code location. It lives under the project's data folder, never in dbt/.
PREPARED_DBT_DIR = PROJECT_DIR / "data" / "dbt-manifest"
PREPARED_MANIFEST = PREPARED_DBT_DIR / "manifest.json"

RAW_DIR_ENV = "PAPERTRENDS_RAW_DIR"
WAREHOUSE_ENV = "PAPERTRENDS_WAREHOUSE"
REPORTS_DIR_ENV = "PAPERTRENDS_REPORTS_DIR"
QUALITY_DIR_ENV = "PAPERTRENDS_QUALITY_DIR"
DAGSTER_HOME_ENV = "DAGSTER_HOME"
INSTANCE_TEMPLATE = PROJECT_DIR / "dagster.yaml"
# The first month partition of listing dates: the Daily Papers page began in May 2023.
FIRST_MONTH_ENV = "PAPERTRENDS_FIRST_MONTH"
DEFAULT_FIRST_MONTH = "2023-05"
# The event log papertrends' instance config selected up to schema version 3 (now Dagster's own).
OLD_EVENT_LOG_MODULE = "pipelines.event_log"
OUR_CONFIG_HEADER = "# Dagster instance configuration for papertrends."
# SHA-256 of earlier templates copied into DAGSTER_HOMEs unchanged since: replaced by the current
# one on the next command (the template before tick retention was added to it).
EARLIER_TEMPLATES = {"a475969395f830496e5a370e7945dd452fea34855488b0ee95b1ae4a7a3eda05"}


@dataclass(frozen=True)
class Settings:
    """Resolved locations: the landing folder, the DuckDB file, the report folder and the Dagster
    instance folder."""

    raw_dir: Path
    warehouse: Path
    dagster_home: Path
    reports_dir: Path
    quality_dir: Path


DEFAULT_RAW_DIR = "data/raw"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
# The demo: a synthetic sample with its own landing folder and warehouse (`papertrends demo`).
DEMO_RAW_DIR = "data/demo/raw"
DEMO_WAREHOUSE = "data/demo/warehouse.duckdb"


def load_settings(
    raw_dir: str | Path | None = None,
    warehouse: str | Path | None = None,
    reports_dir: str | Path | None = None,
) -> Settings:
    """Settings from explicit values, else env (``PAPERTRENDS_RAW_DIR``, ``PAPERTRENDS_WAREHOUSE``,
    ``PAPERTRENDS_REPORTS_DIR``, ``PAPERTRENDS_QUALITY_DIR``, ``DAGSTER_HOME``), else the defaults
    ``data/raw``, ``data/warehouse.duckdb`` and ``.dagster``. The report and the quality results
    default to folders beside their warehouse (``data/warehouse-report``,
    ``data/warehouse-quality``), so two warehouses never overwrite each other's."""
    resolved_warehouse = _absolute(warehouse or os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE)
    return Settings(
        raw_dir=_absolute(raw_dir or os.environ.get(RAW_DIR_ENV) or DEFAULT_RAW_DIR),
        warehouse=resolved_warehouse,
        dagster_home=_absolute(os.environ.get(DAGSTER_HOME_ENV) or PROJECT_DIR / ".dagster"),
        reports_dir=_absolute(
            reports_dir or os.environ.get(REPORTS_DIR_ENV) or beside(resolved_warehouse, "report")
        ),
        quality_dir=_absolute(
            os.environ.get(QUALITY_DIR_ENV) or beside(resolved_warehouse, "quality")
        ),
    )


def demo_settings() -> Settings:
    """Settings of the demo: its own landing folder and warehouse under ``data/demo/`` (report
    and quality results beside that warehouse); only DAGSTER_HOME is shared."""
    warehouse = _absolute(DEMO_WAREHOUSE)
    return Settings(
        raw_dir=_absolute(DEMO_RAW_DIR),
        warehouse=warehouse,
        dagster_home=_absolute(os.environ.get(DAGSTER_HOME_ENV) or PROJECT_DIR / ".dagster"),
        reports_dir=beside(warehouse, "report"),
        quality_dir=beside(warehouse, "quality"),
    )


def beside(warehouse: Path, what: str) -> Path:
    """The folder of the warehouse's ``what`` (report, quality): ``<dir>/<stem>-<what>``."""
    return warehouse.with_name(f"{warehouse.stem}-{what}")


def dbt_docs_dir(warehouse: Path) -> Path:
    """Where the dbt docs page of ``warehouse`` is written (``<dir>/<stem>-dbt-docs``)."""
    return beside(warehouse, "dbt-docs")


def raw_dir_is_default(raw_dir: str | Path | None) -> bool:
    """True when neither a flag nor ``PAPERTRENDS_RAW_DIR`` names the landing folder."""
    return not raw_dir and not os.environ.get(RAW_DIR_ENV)


def _absolute(path: str | Path) -> Path:
    return Path(path).expanduser().absolute()


def first_month(environ: os._Environ | dict = os.environ) -> dt.date:
    """The first day of the first month partition: ``PAPERTRENDS_FIRST_MONTH`` (``YYYY-MM``),
    default ``2023-05``. A malformed value is a one-line error."""
    from pipelines.errors import SettingInvalid

    value = (environ.get(FIRST_MONTH_ENV) or DEFAULT_FIRST_MONTH).strip()
    found = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1970:
        raise SettingInvalid(
            f"{FIRST_MONTH_ENV}={value!r}: not a month YYYY-MM from 1970 on (default "
            f"{DEFAULT_FIRST_MONTH})"
        )
    month = dt.date(int(found[1]), int(found[2]), 1)
    if month > dt.datetime.now(dt.UTC).date():  # no partition would exist yet
        raise SettingInvalid(
            f"{FIRST_MONTH_ENV}={value!r}: a month that has not begun yet (default "
            f"{DEFAULT_FIRST_MONTH})"
        )
    return month


def prepare_dagster_home(settings: Settings) -> Path:
    """Create DAGSTER_HOME with the project's instance config (``dagster.yaml``) if it has none;
    upgrade an older papertrends config that selects the removed ``pipelines.event_log``."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists():
        if INSTANCE_TEMPLATE.exists():
            shutil.copyfile(INSTANCE_TEMPLATE, config)
        return settings.dagster_home
    upgrade_instance_config(config)
    return settings.dagster_home


def upgrade_instance_config(config: Path) -> bool:
    """Replace ``config`` by the project's template when it is an unchanged copy of an earlier
    template or a papertrends template naming ``pipelines.event_log`` (returns True); a config of the user's own naming
    that module is left alone and is a one-line error saying what to change."""
    from pipelines.errors import SettingInvalid

    try:
        text = config.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False  # Dagster will say what is wrong with it
    earlier = hashlib.sha256(text.encode()).hexdigest() in EARLIER_TEMPLATES
    if earlier and INSTANCE_TEMPLATE.exists():
        shutil.copyfile(INSTANCE_TEMPLATE, config)
        return True
    if not re.search(rf"^\s*module:\s*['\"]?{re.escape(OLD_EVENT_LOG_MODULE)}\b", text, re.M):
        return False
    if text.startswith(OUR_CONFIG_HEADER) and INSTANCE_TEMPLATE.exists():
        shutil.copyfile(INSTANCE_TEMPLATE, config)
        return True
    raise SettingInvalid(
        f"{config}: its event_log_storage names {OLD_EVENT_LOG_MODULE}, which papertrends no "
        "longer has: delete that section (Dagster's own SQLite event log reads the same history)"
    )
