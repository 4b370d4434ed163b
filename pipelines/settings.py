"""Every path and knob of papertrends as one value, resolved once: flags, then the environment,
then the defaults.

``Settings.resolve(flags, environ)`` is the only place that reads ``PAPERTRENDS_*`` (and
``DAGSTER_HOME``); nothing in papertrends writes the environment. The CLI resolves it from its
flags and ``os.environ`` and hands the value down (to the Dagster definitions it builds, which
hand it to their resources, which hand plain values to the rooms). A process papertrends starts
(``dagster dev`` for ``papertrends ui``) gets the resolved values in its own environment
(``Settings.environ``), so the code location it loads resolves the same settings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_DIR / "dbt"
# The dbt installed beside this Python (the project's venv): run by path, so `.venv/bin/papertrends`
# works without an activated venv and without putting the venv on PATH.
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
# Dumps per loading transaction (the memory bound of one batch).
BATCH_DUMPS_ENV = "PAPERTRENDS_BATCH_DUMPS"
DEFAULT_BATCH_DUMPS = 500
# A landing file larger than this is refused unread (a Daily Papers dump is about 125 KB).
MAX_DUMP_MB_ENV = "PAPERTRENDS_MAX_DUMP_MB"
DEFAULT_MAX_DUMP_MB = 64.0
# DuckDB's memory caps: the loading connection (DuckDB's own default is 80% of the RAM, and its
# buffer cache grows to it), dbt's connection, Great Expectations' read-only connection.
LOAD_MEMORY_LIMIT_ENV = "PAPERTRENDS_LOAD_MEMORY_LIMIT"
DBT_MEMORY_LIMIT_ENV = "PAPERTRENDS_DBT_MEMORY_LIMIT"
CHECK_MEMORY_LIMIT_ENV = "PAPERTRENDS_CHECK_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1GB"
# Finished Dagster runs kept in the history (0 keeps every run).
KEEP_RUNS_ENV = "PAPERTRENDS_KEEP_RUNS"
DEFAULT_KEEP_RUNS = 500
# dbt appends every build's debug log (megabytes even for a small warehouse) to dbt.log and rolls it
# over at DBT_LOG_FILE_MAX_BYTES, keeping 5 old files: its default of 10 MB lets one warehouse's
# logs reach 60 MB. PAPERTRENDS_DBT_LOG_MB (default 2) caps them at 6 x that, unless
# DBT_LOG_FILE_MAX_BYTES itself is set.
DBT_LOG_MB_ENV = "PAPERTRENDS_DBT_LOG_MB"
DBT_LOG_MAX_BYTES_ENV = "DBT_LOG_FILE_MAX_BYTES"
DEFAULT_DBT_LOG_MB = 2.0
# After a dbt build the warehouse file is rewritten when its blocks pass this many times its
# used blocks (0 turns it off).
COMPACT_RATIO_ENV = "PAPERTRENDS_COMPACT_RATIO"
DEFAULT_COMPACT_RATIO = 1.3
# A writer (and a run's own reads) wait this long for another writer: a dbt build of a large
# archive takes minutes.
WRITER_WAIT_ENV = "PAPERTRENDS_WRITER_WAIT"
DEFAULT_WRITER_WAIT_SECONDS = 600.0

# The event log papertrends' instance config selected up to schema version 3 (now Dagster's own).
OLD_EVENT_LOG_MODULE = "pipelines.event_log"
OUR_CONFIG_HEADER = "# Dagster instance configuration for papertrends."
# SHA-256 of earlier templates copied into DAGSTER_HOMEs unchanged since: replaced by the current
# one on the next command (the template before tick retention was added to it).
EARLIER_TEMPLATES = {"a475969395f830496e5a370e7945dd452fea34855488b0ee95b1ae4a7a3eda05"}

DEFAULT_RAW_DIR = "data/raw"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
# The demo: a synthetic sample with its own landing folder and warehouse (`papertrends demo`).
DEMO_RAW_DIR = "data/demo/raw"
DEMO_WAREHOUSE = "data/demo/warehouse.duckdb"


@dataclass(frozen=True)
class Settings:
    """Resolved locations (the landing folder, the DuckDB file, the report, quality and Dagster
    instance folders) and knobs. Build it with ``Settings.resolve``."""

    raw_dir: Path
    warehouse: Path
    dagster_home: Path
    reports_dir: Path
    quality_dir: Path
    # neither a flag nor PAPERTRENDS_RAW_DIR named the landing folder (`ui` creates it then)
    raw_dir_is_default: bool = False
    # YYYY-MM, checked when the month partitions are built (``month_start``)
    first_month: str = DEFAULT_FIRST_MONTH
    batch_dumps: int = DEFAULT_BATCH_DUMPS
    max_dump_mb: float = DEFAULT_MAX_DUMP_MB
    # memory sizes as DuckDB reads them (1GB, 512MB), checked by DuckDB where they are applied
    load_memory_limit: str = DEFAULT_MEMORY_LIMIT
    dbt_memory_limit: str = DEFAULT_MEMORY_LIMIT
    check_memory_limit: str = DEFAULT_MEMORY_LIMIT
    keep_runs: int = DEFAULT_KEEP_RUNS
    dbt_log_max_bytes: int = int(DEFAULT_DBT_LOG_MB * 1e6)
    compact_ratio: float = DEFAULT_COMPACT_RATIO
    writer_wait_seconds: float = DEFAULT_WRITER_WAIT_SECONDS

    @classmethod
    def resolve(
        cls,
        flags: Mapping[str, str | Path | None] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Settings from ``flags`` (``raw_dir``, ``warehouse``, ``reports_dir``: a value that is
        None or empty is not given), else ``environ`` (default: this process's environment,
        only read), else the defaults: ``data/raw``, ``data/warehouse.duckdb`` and ``.dagster``
        in the project. The report and the quality results default to folders beside their
        warehouse (``data/warehouse-report``, ``data/warehouse-quality``), so two warehouses
        never overwrite each other's. A knob whose value cannot be read as a number keeps its
        default."""
        flags = flags or {}
        env = os.environ if environ is None else environ

        def given(flag: str, variable: str) -> str | Path | None:
            return flags.get(flag) or env.get(variable) or None

        warehouse = _absolute(given("warehouse", WAREHOUSE_ENV) or DEFAULT_WAREHOUSE)
        raw_dir = given("raw_dir", RAW_DIR_ENV)
        return cls(
            raw_dir=_absolute(raw_dir or DEFAULT_RAW_DIR),
            warehouse=warehouse,
            dagster_home=_dagster_home(env),
            reports_dir=_absolute(
                given("reports_dir", REPORTS_DIR_ENV) or beside(warehouse, "report")
            ),
            quality_dir=_absolute(env.get(QUALITY_DIR_ENV) or beside(warehouse, "quality")),
            raw_dir_is_default=not raw_dir,
            **_knobs(env),
        )

    @classmethod
    def demo(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings of the demo: its own landing folder and warehouse under ``data/demo/``
        (report and quality results beside that warehouse); DAGSTER_HOME and the knobs are
        shared."""
        env = os.environ if environ is None else environ
        warehouse = _absolute(DEMO_WAREHOUSE)
        return cls(
            raw_dir=_absolute(DEMO_RAW_DIR),
            warehouse=warehouse,
            dagster_home=_dagster_home(env),
            reports_dir=beside(warehouse, "report"),
            quality_dir=beside(warehouse, "quality"),
            **_knobs(env),
        )

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's target folder (and its dbt.log) for builds of this warehouse."""
        return dbt_target_dir(self.warehouse)

    @property
    def dbt_docs_dir(self) -> Path:
        """Where the dbt docs page of the warehouse is written (``<dir>/<stem>-dbt-docs``)."""
        return dbt_docs_dir(self.warehouse)

    @property
    def max_dump_bytes(self) -> int:
        return int(self.max_dump_mb * 1_000_000)

    def month_start(self) -> dt.date:
        """The first day of the first month partition (``first_month``); a malformed value or a
        month not begun yet is a one-line error."""
        return parse_first_month(self.first_month)

    def environ(self) -> dict[str, str]:
        """These settings as the environment variables they are read from: what a process
        papertrends starts needs to resolve the same settings (``Settings.resolve({}, env)``)."""
        return {
            RAW_DIR_ENV: str(self.raw_dir),
            WAREHOUSE_ENV: str(self.warehouse),
            REPORTS_DIR_ENV: str(self.reports_dir),
            QUALITY_DIR_ENV: str(self.quality_dir),
            DAGSTER_HOME_ENV: str(self.dagster_home),
            FIRST_MONTH_ENV: self.first_month,
            BATCH_DUMPS_ENV: str(self.batch_dumps),
            MAX_DUMP_MB_ENV: repr(self.max_dump_mb),
            LOAD_MEMORY_LIMIT_ENV: self.load_memory_limit,
            DBT_MEMORY_LIMIT_ENV: self.dbt_memory_limit,
            CHECK_MEMORY_LIMIT_ENV: self.check_memory_limit,
            KEEP_RUNS_ENV: str(self.keep_runs),
            DBT_LOG_MAX_BYTES_ENV: str(self.dbt_log_max_bytes),
            COMPACT_RATIO_ENV: repr(self.compact_ratio),
            WRITER_WAIT_ENV: repr(self.writer_wait_seconds),
        }


def _knobs(env: Mapping[str, str]) -> dict:
    """The knobs of ``env``, each parsed as the code that uses it always has."""
    return {
        "first_month": (env.get(FIRST_MONTH_ENV) or DEFAULT_FIRST_MONTH).strip(),
        "batch_dumps": _positive_int(env.get(BATCH_DUMPS_ENV), DEFAULT_BATCH_DUMPS),
        "max_dump_mb": _positive_float(env.get(MAX_DUMP_MB_ENV), DEFAULT_MAX_DUMP_MB),
        "load_memory_limit": _text(env.get(LOAD_MEMORY_LIMIT_ENV), DEFAULT_MEMORY_LIMIT),
        "dbt_memory_limit": _text(env.get(DBT_MEMORY_LIMIT_ENV), DEFAULT_MEMORY_LIMIT),
        "check_memory_limit": _text(env.get(CHECK_MEMORY_LIMIT_ENV), DEFAULT_MEMORY_LIMIT),
        "keep_runs": _count(env.get(KEEP_RUNS_ENV), DEFAULT_KEEP_RUNS),
        "dbt_log_max_bytes": _dbt_log_max_bytes(env),
        "compact_ratio": _float(env.get(COMPACT_RATIO_ENV), DEFAULT_COMPACT_RATIO),
        "writer_wait_seconds": max(
            _float(env.get(WRITER_WAIT_ENV), DEFAULT_WRITER_WAIT_SECONDS), 0.0
        ),
    }


def _text(value: str | None, default: str) -> str:
    return (value or "").strip() or default


def _float(value: str | None, default: float) -> float:
    try:
        return float(value) if value and value.strip() else default
    except ValueError:
        return default


def _positive_float(value: str | None, default: float) -> float:
    number = _float(value, default)
    return number if number > 0 else default


def _positive_int(value: str | None, default: int) -> int:
    text = (value or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else default


def _count(value: str | None, default: int) -> int:
    text = (value or "").strip()
    return int(text) if text.isdigit() else default


def _dbt_log_max_bytes(env: Mapping[str, str]) -> int:
    """DBT_LOG_FILE_MAX_BYTES when set (dbt's own variable wins), else PAPERTRENDS_DBT_LOG_MB
    in bytes (at least 100 KB)."""
    own = (env.get(DBT_LOG_MAX_BYTES_ENV) or "").strip()
    if own.isdigit():
        return int(own)
    megabytes = _float(env.get(DBT_LOG_MB_ENV), DEFAULT_DBT_LOG_MB)
    return max(int(megabytes * 1e6), 100_000)


def _dagster_home(env: Mapping[str, str]) -> Path:
    return _absolute(env.get(DAGSTER_HOME_ENV) or PROJECT_DIR / ".dagster")


def beside(warehouse: Path, what: str) -> Path:
    """The folder of the warehouse's ``what`` (report, quality): ``<dir>/<stem>-<what>``."""
    return warehouse.with_name(f"{warehouse.stem}-{what}")


def dbt_docs_dir(warehouse: Path) -> Path:
    """Where the dbt docs page of ``warehouse`` is written (``<dir>/<stem>-dbt-docs``)."""
    return beside(warehouse, "dbt-docs")


def dbt_target_dir(warehouse: Path) -> Path:
    """dbt's target folder and its dbt.log for builds of ``warehouse``: ``<dir>/<stem>-dbt``,
    beside the warehouse (never in the dbt project), kept between runs so dbt parses only what
    changed (its partial-parse state depends on the profile, which names the warehouse)."""
    return beside(warehouse, "dbt")


def _absolute(path: str | Path) -> Path:
    return Path(path).expanduser().absolute()


def parse_first_month(value: str) -> dt.date:
    """The first day of the month ``value`` (``YYYY-MM``, from ``PAPERTRENDS_FIRST_MONTH``). A
    malformed value, or a month that has not begun, is a one-line error."""
    from pipelines.errors import SettingInvalid

    value = value.strip()
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
