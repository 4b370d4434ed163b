"""The benchmark: one command measures papertrends against a user's scripts and writes BENCHMARKS.md.

``python -m benchmarks.run`` (``make bench``) measures, in one run on this machine:

a. parse throughput (MB/s) of ``pipelines.dumps.parse`` against the pure-Python parser of
   ``benchmarks.baseline`` and against reading the bytes alone;
b. ``papertrends ingest`` against the user's script (pure-Python parse, pandas dedupe, DuckDB load):
   wall time, peak RSS, ratio;
c. ``papertrends run`` end to end on the largest archive, split per stage;
d. an incremental ``papertrends run`` adding one dump to the two largest warehouses (1,000 and
   10,000 dumps in the full plan), side by side, split per stage: twice, the first right after
   the fresh build (it pays that build's first checkpoint), the second the day-to-day cost;
e. the time per dump of a fresh ``papertrends run`` at every archive size;
f. ``papertrends export`` of the largest warehouse (every mart and the raw layer) in each
   format: wall time, peak RSS, rows and bytes written;

and writes the figures, the targets met or missed, a profile of where the time goes and the
machine's description (with its load average at start and end: the machine may be shared).
Sections of the report file whose heading says "hand-" (hand-written notes, hand-measured
figures) are kept, after the generated ones.

``--size tiny`` runs the same protocol on a few dumps (for the test suite: it checks the
benchmark works, its figures mean nothing). Data goes to ``--work`` (default under /tmp).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import duckdb

from benchmarks import baseline

PROJECT_DIR = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent
PAPERTRENDS = str(BIN_DIR / "papertrends")
SAMPLE_INTERVAL = 0.2  # seconds between RSS samples of a measured process tree
# Settings of every papertrends command the benchmark runs (the first month partition, set from
# the synthetic archive's start); this process's own environment is left alone.
BENCH_ENV: dict[str, str] = {}


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]  # archive sizes for the fresh runs (time per dump), largest = (c), (d)
    ingest_sizes: tuple[int, ...]  # sizes for (b)
    parse_sample: int  # dumps in the parse-throughput sample
    parse_repeats: int
    profile_size: int  # dumps for the cProfile of `papertrends ingest`
    command: str = "run"  # what the timed runs execute


TARGET_SIZE = 10_000  # the archive size the run targets are set for

PLANS = {
    "full": Plan((100, 1_000, 10_000), (1_000, 10_000), 500, 3, 1_000),
    # the same protocol without the 10,000-dump archive (about 15 minutes here instead of hours)
    "medium": Plan((100, 300, 1_000), (1_000,), 500, 3, 1_000),
    # for the test suite: `papertrends ingest` stands in for `papertrends run` (no dbt, no GX)
    "tiny": Plan((3,), (3,), 3, 1, 2, command="ingest"),
}

TARGETS = {
    "parser_vs_python": 5.0,  # at least 5x the pure-Python parser
    "read_vs_parser": 3.0,  # within 3x of reading the bytes
    "ingest_vs_script": 2.0,  # at least 2x faster than the user's script at the largest size
    "full_run_seconds": 120.0,
    "full_run_rss_mb": 2_048.0,
    "incremental_seconds": 15.0,
}

PACKAGES = (
    "polars",
    "duckdb",
    "pyarrow",
    "dagster",
    "dagster-dbt",
    "dbt-core",
    "dbt-duckdb",
    "great-expectations",
    "pandas",
)


# --------------------------------------------------------------------------------------------------
# Measuring a child process: wall time, peak RSS of its process tree.
# --------------------------------------------------------------------------------------------------


@dataclass
class Measured:
    command: list[str]
    seconds: float
    status: int
    peak_tree_rss_mb: float  # sampled sum of the RSS of the process and its descendants
    max_process_rss_mb: float  # largest single process (wait4 rusage, exact)
    stdout: str = ""

    @property
    def peak_rss_mb(self) -> float:
        return max(self.peak_tree_rss_mb, self.max_process_rss_mb)


def _tree_rss_kb(pid: int) -> int:
    """Sum of VmRSS of ``pid`` and all its descendants (from /proc, no psutil)."""
    total, stack, seen = 0, [pid], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/status", encoding="ascii", errors="replace") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as handle:
                    stack.extend(int(child) for child in handle.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
            continue
    return total


def measure(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run ``command`` to completion; its wall time and peak RSS (tree sampled, and wait4)."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(SAMPLE_INTERVAL)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return Measured(command, seconds, process.returncode, peak / 1024, usage.ru_maxrss / 1024, text)


def _check(result: Measured, allowed: tuple[int, ...] = (0,)) -> Measured:
    if result.status not in allowed:
        raise SystemExit(
            f"benchmark step failed ({result.status}): {' '.join(result.command)}\n{result.stdout}"
        )
    return result


# --------------------------------------------------------------------------------------------------
# The steps.
# --------------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """CPU, cores, memory, OS, Python and package versions of this machine."""
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    os_name = platform.platform()
    try:
        release = Path("/etc/os-release").read_text(encoding="utf-8")
        pretty = [line for line in release.splitlines() if line.startswith("PRETTY_NAME=")]
        if pretty:
            os_name = f"{pretty[0].split('=', 1)[1].strip(chr(34))} ({platform.release()})"
    except OSError:
        pass
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return {
        "CPU": cpu,
        "cores": f"{os.cpu_count()} logical ({len(os.sched_getaffinity(0))} usable by this process)",
        "RAM": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "OS": os_name,
        "Python": f"{platform.python_version()} ({sys.executable})",
        "packages": ", ".join(versions),
    }


def write_archive(
    work: Path, plan: Plan, seed: int, start: dt.date
) -> tuple[Measured, dict[int, Path], dict[int, Path]]:
    """Synthesise the largest archive plus two dumps (`papertrends synth`, timed), one dump a
    day from ``start``; hard-link the first N dumps into one folder per size; the two dumps after
    the first N of each size are that size's extra dumps, for its two incremental runs."""
    largest = plan.sizes[-1]
    synth_dir = work / "synth"
    result = _check(
        measure(
            [PAPERTRENDS, "synth", "--out", str(synth_dir), "--dumps", str(largest + 2)]
            + ["--seed", str(seed), "--start", start.isoformat()]
        )
    )
    files = sorted(synth_dir.iterdir(), key=lambda p: p.stat().st_mtime_ns)
    extras = {size: files[size : size + 2] for size in plan.sizes}
    archives = {}
    for size in sorted(set(plan.sizes) | set(plan.ingest_sizes)):
        folder = work / f"raw{size}"
        folder.mkdir()
        for path in files[:size]:
            os.link(path, folder / path.name)  # same inode: same bytes and mtime
        archives[size] = folder
    return result, archives, extras


@dataclass
class ParseFigures:
    n_dumps: int
    megabytes: float
    listings: int
    seconds: dict[str, float]  # best of the repeats: read, project, python

    def mbps(self, name: str) -> float:
        return self.megabytes / self.seconds[name]


def parse_throughput(archive: Path, plan: Plan) -> ParseFigures:
    """Read-only, project parser and pure-Python parser on the same files (page cache warm)."""
    from pipelines.dumps.parse import DumpFile, parse_dumps
    from pipelines.warehouse.load import BATCH_SIZE

    paths = sorted(archive.iterdir())[: plan.parse_sample]
    mtimes = {p: dt.datetime.fromtimestamp(p.stat().st_mtime, tz=dt.UTC) for p in paths}
    n_bytes = sum(len(p.read_bytes()) for p in paths)  # warms the page cache

    def read_only() -> int:
        return sum(len(p.read_bytes()) for p in paths)

    def read_decode() -> int:
        return sum(len(p.read_bytes().decode("utf-8")) for p in paths)

    # the loader hashes each file before parsing it (to skip known content) and hands the hashes
    # over: the parser is timed the same way, and the pure-Python parser hashes no file either
    from pipelines.dumps.identity import content_hash

    shas = {p.name: content_hash(p.read_bytes()) for p in paths}

    def project() -> int:
        listings = 0
        for start in range(0, len(paths), BATCH_SIZE):  # batches as the loader parses them
            batch = paths[start : start + BATCH_SIZE]
            dumps = [DumpFile(p.name, p.read_bytes(), mtimes[p]) for p in batch]
            listings += parse_dumps(dumps, shas=shas).sightings.height
        return listings

    def python() -> int:
        return sum(len(baseline.parse_file(p)[1]) for p in paths)

    # warm-up, untimed: polars compiles its regexes and starts its thread pool on first use
    parse_dumps([DumpFile(paths[0].name, paths[0].read_bytes(), mtimes[paths[0]])])
    variants = (
        ("read", read_only),
        ("decode", read_decode),
        ("project", project),
        ("python", python),
    )
    seconds = {name: float("inf") for name, _ in variants}
    counts = {}
    # rounds interleave the variants: a burst of load from elsewhere hits all of them alike
    for _ in range(plan.parse_repeats):
        for name, func in variants:
            start = time.perf_counter()
            counts[name] = func()
            seconds[name] = min(seconds[name], time.perf_counter() - start)
    if counts["project"] != counts["python"]:
        raise SystemExit(
            f"parsers disagree: project {counts['project']}, python {counts['python']} listings"
        )
    return ParseFigures(len(paths), n_bytes / 1e6, counts["project"], seconds)


@dataclass
class RunFigures:
    """One `papertrends run` (through benchmarks.stagerun) and its stage split."""

    size: int
    archive: Path
    measured: Measured
    timings: dict
    dbt_nodes: list[dict] = field(default_factory=list)

    def call(self, name: str) -> float:
        return sum(c["seconds"] for c in self.timings["calls"] if c["name"] == name)

    @property
    def wall(self) -> float:
        return self.measured.seconds

    @property
    def commands(self) -> float:
        """The command's own work: ``run_all`` (which may call ``build``), else its calls."""
        if self.call("run_all"):
            return self.call("run_all") + self.call("check")
        return sum(self.call(n) for n in ("ingest", "build", "check"))

    @property
    def startup(self) -> float:
        """Interpreter start, imports and CLI: everything outside the command's calls."""
        return self.wall - self.commands

    @property
    def ingest_command_seconds(self) -> float:
        """What `papertrends ingest` costs: the run without its build (and check) work; for
        `papertrends run` (one run) without the dbt, check and report steps."""
        if self.call("run_all"):
            steps = self.steps("")
            built = sum(
                s
                for k, s in steps.items()
                if k.startswith("warehouse_models")
                or "expectations" in k
                or "report" in k
                or "dbt_docs" in k
            )
            return self.wall - built - self.call("check")
        return self.wall - self.call("build") - self.call("check")

    @property
    def ingest_rss_mb(self) -> float:
        """Peak RSS after ingesting (for `papertrends run`, one run: after the whole run, an
        upper bound; dbt runs in a process of its own)."""
        return max(
            (c["maxrss_mb"] for c in self.timings["calls"] if c["name"] in ("ingest", "run_all")),
            default=0,
        )

    def steps(self, job_word: str) -> dict[str, float]:
        found: dict[str, float] = {}
        for run in self.timings["runs"]:
            if job_word in run["job"]:
                for step in run["steps"]:
                    found[step["step"]] = found.get(step["step"], 0.0) + step["seconds"]
        return found

    def stage_split(self) -> list[tuple[str, float, str]]:
        """(stage, seconds, what it covers) summing to the wall time."""
        steps = self.steps("")  # every run the command made (one `ingest_and_build` for `run`)
        raw = sum(s for k, s in steps.items() if k.startswith("raw_layer"))
        dbt = sum(s for k, s in steps.items() if k.startswith("warehouse_models"))
        gx = sum(s for k, s in steps.items() if "expectations" in k)
        report = sum(s for k, s in steps.items() if "report" in k)
        docs = sum(s for k, s in steps.items() if "dbt_docs" in k)
        work = self.call("ingest_files")
        tests = sum(n["seconds"] for n in self.dbt_nodes if n["type"] == "test")
        rows = [
            ("start-up", self.startup, "interpreter, imports, argument parsing"),
            (
                "ingest: parse + load",
                work,
                "ingest_files: read, hash, parse (polars), DuckDB transactions",
            ),
            ("ingest: raw step", raw - work, "pending files, their months, metadata and previews"),
            (
                "dbt build",
                dbt,
                f"dbt models and seeds, and dbt tests (tests' summed node time {tests:.1f} s)",
            ),
            ("checks: Great Expectations", gx, "raw and mart suites (asset check steps)"),
            ("report", report, "trend report step"),
            ("dbt docs", docs, "dbt docs page step (rendered when project or columns changed)"),
            (
                "Dagster",
                self.commands - raw - dbt - gx - report - docs,
                "definitions load, instance, run creation, events, step overhead",
            ),
        ]
        if self.call("check"):
            rows.append(("check (orchestrate.check)", self.call("check"), "papertrends check"))
        return rows


def papertrends_run(
    work: Path, name: str, archive: Path, warehouse: Path, fresh: bool, command_name: str = "run"
) -> RunFigures:
    """`papertrends run` (or ``command_name``) on ``archive`` into ``warehouse``, through
    benchmarks.stagerun; a new warehouse and Dagster instance if ``fresh``."""
    home = work / f"dagster-{warehouse.stem}"
    if fresh:
        for path in (warehouse, home):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    env = {**os.environ, **BENCH_ENV}
    env.update(
        {
            "DAGSTER_HOME": str(home),
            "PAPERTRENDS_QUALITY_DIR": str(work / f"quality-{warehouse.stem}"),
            "PAPERTRENDS_REPORTS_DIR": str(work / f"reports-{warehouse.stem}"),
        }
    )
    timings_path = work / f"timings-{name}.json"
    command = [sys.executable, "-m", "benchmarks.stagerun", str(timings_path), "--"]
    command += [command_name, "--raw-dir", str(archive), "--warehouse", str(warehouse)]
    started = time.time()
    result = _check(measure(command, env), allowed=(0, 2, 3))  # 2, 3: failed checks, rejects
    timings = json.loads(timings_path.read_text(encoding="utf-8"))
    figures = RunFigures(archive_size(archive), archive, result, timings)
    figures.dbt_nodes = dbt_nodes(timings, warehouse, started, time.time())
    return figures


def archive_size(archive: Path) -> int:
    return sum(1 for _ in archive.iterdir())


def dbt_nodes(timings: dict, warehouse: Path, started: float, ended: float) -> list[dict]:
    """Per-node timing of the run's dbt build, from the run_results.json dbt wrote: in the
    target folder dagster-dbt gave that invocation (named after the run, or one folder per
    warehouse file), written while the run was going on."""
    target = PROJECT_DIR / "dbt" / "target"
    candidates = [_dbt_target_of(warehouse) / "run_results.json"]
    candidates = [path for path in candidates if path.exists()]
    for run in timings["runs"]:
        candidates += target.glob(f"*-{run['run_id'][:7]}-*/run_results.json")
    nodes = []
    for path in candidates:
        if not started <= path.stat().st_mtime <= ended:
            continue
        for result in json.loads(path.read_text(encoding="utf-8")).get("results", []):
            unique_id = result["unique_id"]
            nodes.append(
                {
                    "node": unique_id.split(".", 2)[-1],
                    "type": unique_id.split(".", 1)[0],
                    "status": result.get("status"),
                    "seconds": result.get("execution_time") or 0.0,
                }
            )
    return sorted(nodes, key=lambda n: n["seconds"], reverse=True)


def _dbt_target_of(warehouse: Path) -> Path:
    """The dbt target folder dagster-dbt uses for ``warehouse`` (pipelines.defs.dbt)."""
    from pipelines.settings import dbt_target_dir

    return dbt_target_dir(warehouse.absolute())


def user_script(work: Path, archive: Path) -> Measured:
    warehouse = work / f"user-{archive.name}.duckdb"
    warehouse.unlink(missing_ok=True)
    command = [sys.executable, "-m", "benchmarks.baseline", str(archive), str(warehouse)]
    return _check(measure(command))


def profile_ingest(work: Path, archive: Path) -> dict:
    """cProfile of `papertrends ingest` on a fresh warehouse: where its time goes."""
    warehouse = work / "profile.duckdb"
    home = work / "dagster-profile"
    env = {**os.environ, **BENCH_ENV}
    env.update(
        {
            "DAGSTER_HOME": str(home),
            "PAPERTRENDS_QUALITY_DIR": str(work / "quality-profile"),
            "PAPERTRENDS_REPORTS_DIR": str(work / "reports-profile"),
        }
    )
    out = work / "ingest.prof"
    command = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "pipelines.cli"]
    command += ["ingest", "--raw-dir", str(archive), "--warehouse", str(warehouse)]
    result = _check(measure(command, env))
    stats = pstats.Stats(str(out))
    wanted = {
        "handle_new_event": "Dagster: every event of the run, stored and dispatched",
        "store_event_batch": "Dagster event log: asset events, written in batches",
        "store_event": "Dagster event log: other events, one SQLite transaction each",
        "_event_to_row": "Dagster: serialising events (with their metadata)",
        "_log_asset_planned_events": "Dagster: planned-materialization events at run creation",
        "ingest_files": "papertrends: ingest_files (read, hash, parse, load, commit)",
        "read_dump": "papertrends: reading the files",
        "parse_dumps": "papertrends: parse_dumps (polars parser)",
        "_write": "papertrends: DuckDB inserts (_write)",
    }
    rows = []
    for (filename, _line, func), (_cc, calls, _tt, cumulative, _callers) in stats.stats.items():
        if func in wanted and ("dagster" in filename or "pipelines" in filename):
            rows.append((wanted[func], func, calls, cumulative))
    total = max(
        (cum for (_f, _l, fn), (_c, _n, _t, cum, _r) in stats.stats.items() if fn == "main"),
        default=0,
    )
    return {"archive": archive_size(archive), "wall": result.seconds, "total": total, "rows": rows}


# --------------------------------------------------------------------------------------------------
# The report.
# --------------------------------------------------------------------------------------------------


# queries a reader might type, from common words (many postings) to rare ones
SEARCH_QUERIES = (
    "mixture of experts routing",
    "low rank adaptation of language models",
    "quantized inference",
    "diffusion image generation",
    "retrieval augmented generation",
    "speculative decoding",
    "preference optimization human feedback",
    "vision language model",
    "state space models long sequences",
    "graph neural networks",
)
SEARCH_TARGET_MS = 200.0  # per query at 10,000 dumps (issue 21)


def search_latency(warehouse: Path, repeats: int = 3) -> dict | None:
    """Wall time of ``pipelines.warehouse.search.search`` (open the file read-only, ask
    marts.search_best, rank, close) per query, each query ``repeats`` times after one warm-up;
    None when the warehouse has no search index (the tiny plan only ingests)."""
    from pipelines.errors import PapertrendsError
    from pipelines.warehouse.search import search

    times, hits = [], {}
    try:
        search(warehouse, SEARCH_QUERIES[0])
    except PapertrendsError:
        return None
    for query in SEARCH_QUERIES:
        for _ in range(repeats):
            started = time.perf_counter()
            found = search(warehouse, query, limit=10)
            times.append((time.perf_counter() - started) * 1000)
        hits[query] = found.height
    times.sort()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (postings,) = con.execute("select count(*) from search.search_postings").fetchone()
        (documents,) = con.execute("select count(*) from search.search_documents").fetchone()
    return {
        "median_ms": times[len(times) // 2],
        "p90_ms": times[int(len(times) * 0.9)],
        "max_ms": times[-1],
        "n_timed": len(times),
        "postings": postings,
        "documents": documents,
    }


EXPORT_FORMATS = ("parquet", "csv", "jsonl")
# the tiny plan only ingests: its warehouse has the raw layer and no marts
RAW_TABLES = "raw.dumps,raw.sightings,raw.rejects"


@dataclass
class ExportFigures:
    fmt: str
    measured: Measured
    tables: int
    rows: int
    megabytes: float


def export_figures(work: Path, warehouse: Path, command_name: str) -> list[ExportFigures]:
    """`papertrends export --raw` of ``warehouse`` in each format (the raw layer alone when the
    plan only ingests), each written to an empty folder, counted, then removed (JSON Lines of a
    10,000-dump warehouse take gigabytes)."""
    env = {**os.environ, **BENCH_ENV}
    which = ["--raw"] if command_name == "run" else ["--tables", RAW_TABLES]
    figures = []
    for fmt in EXPORT_FORMATS:
        out = work / f"export-{fmt}"
        command = [PAPERTRENDS, "export", "--warehouse", str(warehouse), "--out", str(out)]
        result = _check(measure([*command, "--format", fmt, *which], env))
        written = [line for line in result.stdout.splitlines() if " rows -> " in line]
        rows = sum(int(line.split(": ")[-1].split(" rows")[0].replace(",", "")) for line in written)
        size = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
        figures.append(ExportFigures(fmt, result, len(written), rows, size / 1e6))
        shutil.rmtree(out)
    return figures


def export_lines(figures: list[ExportFigures], archive: int, command_name: str) -> list[str]:
    """The export section: one row per format."""
    what = (
        "every mart and the raw layer (`--raw`)"
        if command_name == "run"
        else f"the raw layer (`--tables {RAW_TABLES}`: this plan's warehouse has no marts)"
    )
    lines = [
        f"## f. Export: `papertrends export` of the {archive:,}-dump warehouse",
        "",
        f"{what}, with its `datapackage.json`, into an empty folder, one format at a time "
        "(a whole command: start-up included).",
        "",
        "| format | tables | rows | MB written | wall s | rows per s | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {f.fmt} | {f.tables} | {f.rows:,} | {f.megabytes:,.1f} | {f.measured.seconds:.1f} | "
        f"{f.rows / f.measured.seconds:,.0f} | {f.measured.peak_rss_mb:,.0f} |"
        for f in figures
    ]
    return [*lines, ""]


def search_lines(figures: dict | None, archive: int) -> list[str]:
    """The search-latency section (empty without an index)."""
    if figures is None:
        return []
    met = figures["p90_ms"] < SEARCH_TARGET_MS
    verdict = _verdict(met) if archive >= TARGET_SIZE else f"at {archive:,} dumps: {_verdict(met)}"
    return [
        "",
        f"Search on the {archive:,}-dump warehouse ({figures['documents']:,} papers, "
        f"{figures['postings']:,} postings): `papertrends search`'s query (open read-only, "
        f"best n by marts.search_best, titles, close), {len(SEARCH_QUERIES)} queries "
        f"{figures['n_timed'] // len(SEARCH_QUERIES)} times each after a warm-up; target "
        f"{SEARCH_TARGET_MS:.0f} ms per query: {verdict}.",
        "",
        "| median ms | p90 ms | max ms |",
        "|---:|---:|---:|",
        f"| {figures['median_ms']:.0f} | {figures['p90_ms']:.0f} | {figures['max_ms']:.0f} |",
    ]


def _verdict(met: bool) -> str:
    return "**met**" if met else "**missed**"


def _is_flat(incremental: dict[int, RunFigures]) -> bool:
    sizes = sorted(incremental)
    return len(sizes) < 2 or incremental[sizes[-1]].wall <= 1.3 * incremental[sizes[-2]].wall


def _flatness(incremental: dict[int, RunFigures]) -> str:
    sizes = sorted(incremental)
    if len(sizes) < 2:
        return "one size measured"
    small, large = incremental[sizes[-2]].wall, incremental[sizes[-1]].wall
    return f"{large:.1f} s / {small:.1f} s = {large / small:.2f}x"


def incremental_table(
    incremental: dict[int, RunFigures], first: dict[int, RunFigures]
) -> list[str]:
    """The stage split of each second +1 run, one column per archive size, then the wall time
    of the first +1 (right after the fresh build)."""
    sizes = sorted(incremental)
    splits = {n: incremental[n].stage_split() for n in sizes}
    rows = [
        "| stage | " + " | ".join(f"+1 to {n:,} s" for n in sizes) + " | covers |",
        "|---|" + "---:|" * len(sizes) + "---|",
    ]
    for i, (stage, _, covers) in enumerate(splits[sizes[0]]):
        rows.append(
            f"| {stage} | " + " | ".join(f"{splits[n][i][1]:.1f}" for n in sizes) + f" | {covers} |"
        )
    rows.append(
        "| **total (wall)** | "
        + " | ".join(f"**{incremental[n].wall:.1f}**" for n in sizes)
        + " | |"
    )
    rows.append(
        "| first +1 after the fresh build (wall) | "
        + " | ".join(f"{first[n].wall:.1f}" for n in sizes)
        + " | the same run one dump earlier: pays the fresh build's first checkpoint |"
    )
    rows += [
        "",
        "Peak RSS: "
        + ", ".join(f"{incremental[n].measured.peak_rss_mb:,.0f} MB (+1 to {n:,})" for n in sizes)
        + f" for the process tree (sampled every {SAMPLE_INTERVAL} s).",
    ]
    return rows


def render(
    size: str,
    plan: Plan,
    info: dict[str, str],
    loads: tuple[tuple[float, ...], tuple[float, ...]],
    stamps: tuple[str, str],
    synth: Measured,
    synth_megabytes: float,
    parse: ParseFigures,
    scripts: dict[int, Measured],
    runs: dict[int, RunFigures],
    incremental: dict[int, RunFigures],
    first_incremental: dict[int, RunFigures],
    profile: dict,
    kept: str = "",
    search: dict | None = None,
    exports: list[ExportFigures] | None = None,
) -> str:
    largest = plan.sizes[-1]
    full = runs[largest]
    parser_vs_python = parse.mbps("project") / parse.mbps("python")
    read_vs_parser = parse.mbps("read") / parse.mbps("project")
    ingest_largest = max(plan.ingest_sizes)
    ingest_ratio = scripts[ingest_largest].seconds / runs[ingest_largest].ingest_command_seconds
    lines = [
        "# Benchmarks",
        "",
        f"Written by `python -m benchmarks.run --size {size}` (`make bench`) from {stamps[0]} to "
        f"{stamps[1]} UTC; every figure below comes from that one run on the machine described "
        "at the end. Synthetic archives from `papertrends synth` (seed fixed), one third of the "
        "listings re-list earlier papers, 5% of those with a title variant.",
        "",
    ]
    if largest < TARGET_SIZE:
        lines += [
            f"This run's largest archive is {largest:,} dumps (`--size {size}`): the targets set "
            f"for {TARGET_SIZE:,} dumps were not measured; `--size full` adds the {TARGET_SIZE:,}-dump "
            "archive.",
            "",
        ]
    if size == "tiny":
        lines += [
            "**Tiny size (a test of the benchmark itself): these figures mean nothing, and "
            "`papertrends ingest` stands in for `papertrends run`.**",
            "",
        ]
    load_note = (
        f"Load average (1, 5, 15 min) at start {', '.join(f'{x:.2f}' for x in loads[0])}, at end "
        f"{', '.join(f'{x:.2f}' for x in loads[1])} on {os.cpu_count()} cores: above the core "
        "count means other work competed for the CPU and every time below is inflated by it."
    )
    lines += [load_note, ""]

    def at_size(size_measured: int, met: bool, grows: bool) -> str:
        """Verdict of a target set for TARGET_SIZE dumps, measured at ``size_measured``."""
        if size_measured >= TARGET_SIZE:
            return _verdict(met)
        if grows and not met:  # cost only grows with the archive: missed there too
            return f"**missed** (already at {size_measured:,} dumps; {TARGET_SIZE:,} not run)"
        return f"not measured at {TARGET_SIZE:,} dumps (at {size_measured:,}: {_verdict(met)})"

    targets = [
        (
            "parser at least 5x the pure-Python parser",
            f"{parser_vs_python:.1f}x",
            _verdict(parser_vs_python >= TARGETS["parser_vs_python"]),
        ),
        (
            "parser within 3x of reading the bytes",
            f"reading is {read_vs_parser:.1f}x faster",
            _verdict(read_vs_parser <= TARGETS["read_vs_parser"]),
        ),
        (
            f"`papertrends ingest` at least 2x faster than the user's script at {TARGET_SIZE:,} "
            "dumps",
            f"{ingest_ratio:.2f}x at {ingest_largest:,} dumps",
            at_size(ingest_largest, ingest_ratio >= TARGETS["ingest_vs_script"], False),
        ),
        (
            f"full run on {TARGET_SIZE:,} dumps in 120 s or less",
            f"{full.wall:.1f} s at {largest:,} dumps",
            at_size(largest, full.wall <= TARGETS["full_run_seconds"], True),
        ),
        (
            f"full run on {TARGET_SIZE:,} dumps with peak RSS under 2 GB",
            f"{full.measured.peak_rss_mb:,.0f} MB at {largest:,} dumps",
            at_size(largest, full.measured.peak_rss_mb < TARGETS["full_run_rss_mb"], True),
        ),
        (
            "incremental run (+1 dump) in 15 s or less at every size measured",
            ", ".join(f"{run.wall:.1f} s (+1 to {n:,})" for n, run in incremental.items()),
            _verdict(
                all(run.wall <= TARGETS["incremental_seconds"] for run in incremental.values())
            ),
        ),
        (
            "+1 dump at the largest size within 1.3x of the next size down (flat cost)",
            _flatness(incremental),
            _verdict(_is_flat(incremental)),
        ),
    ]
    lines += ["## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {verdict} |" for name, value, verdict in targets]
    lines += [""]

    lines += [
        "## a. Parse throughput",
        "",
        f"{parse.n_dumps:,} dumps, {parse.megabytes:.1f} MB, {parse.listings:,} listings (both "
        f"parsers find the same), page cache warm, best of {plan.parse_repeats} rounds (each "
        "round runs every variant in turn). Every variant reads the files itself. The project "
        "parser is `pipelines.dumps.parse.parse_dumps` on batches of 500 dumps as the loader "
        "calls it, with the files' content hashes given (the loader hashes each file before, to "
        "skip content it has; that is part of ingest, not of parsing); it validates encoding, "
        "control characters, shape and pairing, and keeps rejects with line numbers. The "
        "pure-Python parser is `benchmarks/baseline.py` (decode, split on blank lines, pair, "
        "normalise and hash titles). Reading and decoding UTF-8 is the floor any parser pays.",
        "",
        "| reader | seconds | MB/s |",
        "|---|---:|---:|",
    ]
    for name, label in (
        ("read", "reading the bytes alone"),
        ("decode", "reading and decoding UTF-8"),
        ("project", "papertrends parser"),
        ("python", "pure-Python parser"),
    ):
        lines.append(f"| {label} | {parse.seconds[name]:.3f} | {parse.mbps(name):,.0f} |")
    lines += [
        "",
        f"papertrends parser / pure-Python: **{parser_vs_python:.1f}x**; reading the bytes / "
        f"papertrends parser: **{read_vs_parser:.1f}x**.",
        "",
    ]

    lines += [
        "## b. Ingest: `papertrends ingest` against a user's script",
        "",
        "User's script: `python -m benchmarks.baseline` (pure-Python parse, pandas dedupe of files "
        "and papers, DuckDB load of dumps, sightings and papers). `papertrends ingest`: the ingest "
        "part of the fresh `papertrends run` of section e at that size (the same process start, "
        "imports and `orchestrate.ingest` call the `ingest` command makes; timed inside the run by "
        "`benchmarks/stagerun.py`), peak RSS = that process's high-water mark after ingesting. "
        "Script RSS: peak of its process.",
        "",
        "| dumps | user's script s | papertrends ingest s | ratio (script / papertrends) "
        "| user's script peak RSS MB | papertrends ingest peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for n in plan.ingest_sizes:
        script, run = scripts[n], runs[n]
        lines.append(
            f"| {n:,} | {script.seconds:.1f} | {run.ingest_command_seconds:.1f} | "
            f"{script.seconds / run.ingest_command_seconds:.2f}x | {script.peak_rss_mb:,.0f} | "
            f"{run.ingest_rss_mb:,.0f} |"
        )
    lines += [""]

    def split_table(run: RunFigures) -> list[str]:
        rows = ["| stage | seconds | share | covers |", "|---|---:|---:|---|"]
        for stage, seconds, covers in run.stage_split():
            rows.append(f"| {stage} | {seconds:.1f} | {seconds / run.wall:.0%} | {covers} |")
        rows.append(f"| **total (wall)** | **{run.wall:.1f}** | 100% | |")
        rows += [
            "",
            f"Peak RSS: {run.measured.peak_rss_mb:,.0f} MB for the process tree (sampled every "
            f"{SAMPLE_INTERVAL} s: papertrends and its dbt subprocess), largest single process "
            f"{run.measured.max_process_rss_mb:,.0f} MB.",
        ]
        return rows

    how = (
        "Run through `benchmarks/stagerun.py`, which calls the CLI's `main(['run', ...])` in a "
        "child process and times the two calls `papertrends run` makes (`orchestrate.ingest`, "
        "`orchestrate.build`) and `ingest_files` inside the ingest; the dbt, Great Expectations "
        "and report stages are the step durations from the Dagster run's step events in its "
        "instance (DAGSTER_HOME of the run); dbt tests run inside `dbt build`, their time is "
        "the sum of their node times in dbt's run_results.json. Checks = Great Expectations "
        "suites (asset check steps of the build run) plus the dbt tests."
    )
    lines += [
        f"## c. `papertrends run` end to end on {largest:,} dumps",
        "",
        how,
        "",
        *split_table(full),
        "",
        "## d. Incremental `papertrends run`: 1 dump added, "
        + " and ".join(f"{n:,}" for n in incremental)
        + " dumps side by side",
        "",
        "Each size gets two dumps, one run each: the table splits the second run (the cost of "
        "a day's update), its last line is the first run, right after the fresh build.",
        "",
        *incremental_table(incremental, first_incremental),
        "",
        "## e. Time per dump",
        "",
        "Fresh `papertrends run` (new warehouse, new Dagster instance) per archive size.",
        "",
        "| dumps | MB | wall s | ms per dump | ingest s | build s | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in plan.sizes:
        run = runs[n]
        megabytes = sum(p.stat().st_size for p in run.archive.iterdir()) / 1e6
        lines.append(
            f"| {n:,} | {megabytes:,.0f} | {run.wall:.1f} | {run.wall / n * 1000:,.1f} | "
            f"{run.call('ingest'):.1f} | {run.call('build'):.1f} | {run.measured.peak_rss_mb:,.0f} |"
        )
    lines += [
        "",
        f"`papertrends synth` wrote the {largest + 1:,} dumps ({synth_megabytes:,.0f} MB) in "
        f"{synth.seconds:.1f} s.",
        "",
    ]
    lines += export_lines(exports or [], largest, plan.command)

    lines += ["## Where the time goes", ""]
    lines += [
        f"cProfile of `papertrends ingest` on a fresh warehouse with {profile['archive']:,} dumps "
        f"({profile['wall']:.1f} s wall, {profile['total']:.1f} s in `main` under the profiler):",
        "",
        "| function | calls | cumulative s |",
        "|---|---:|---:|",
    ]
    lines += [
        f"| {label} (`{func}`) | {calls:,} | {cum:.1f} |"
        for label, func, calls, cum in sorted(profile["rows"], key=lambda r: -r[3])
    ]
    lines += [
        "",
        f"Slowest dbt nodes of the {largest:,}-dump run (run_results.json execution time; a "
        "full build runs one node at a time, a window of up to 3 months two):",
        "",
        "| node | type | seconds |",
        "|---|---|---:|",
    ]
    lines += [f"| {n['node']} | {n['type']} | {n['seconds']:.1f} |" for n in full.dbt_nodes[:10]]
    lines += [
        "",
        "Slowest dbt nodes of the second incremental run:",
        "",
        "| node | type | seconds |",
        "|---|---|---:|",
    ]
    lines += [
        f"| {n['node']} | {n['type']} | {n['seconds']:.1f} |"
        for n in incremental[max(incremental)].dbt_nodes[:10]
    ]
    lines += search_lines(search, largest)
    lines += ["", "## Machine", ""]
    lines += [f"* **{key}**: {value}" for key, value in info.items()]
    lines += [
        "* **load average (1, 5, 15 min) at start / end**: "
        + " / ".join(", ".join(f"{x:.2f}" for x in load) for load in loads),
        "",
    ]
    if kept:
        lines += [kept.rstrip(), ""]
    return "\n".join(lines)


def kept_sections(report: Path) -> str:
    """The sections of an existing report whose ``## `` heading says "hand-" (hand-written,
    hand-measured): from the first such heading to the end, which the benchmark keeps."""
    if not report.exists():
        return ""
    lines = report.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("## ") and "hand-" in line:
            return "\n".join(lines[i:]) + "\n"
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--size", choices=sorted(PLANS), default="full")
    parser.add_argument("--out", default=str(PROJECT_DIR / "BENCHMARKS.md"), help="report file")
    parser.add_argument(
        "--work",
        default=str(Path(tempfile.gettempdir()) / "papertrends-bench"),
        help="folder for the archives and warehouses (emptied first)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    plan = PLANS[args.size]
    work = Path(args.work)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)

    load_start = os.getloadavg()
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    info = machine()

    def step(message: str) -> None:
        print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)

    # one dump a day ending yesterday: month partitions hold no future month; they start at the
    # archive's first month
    start = dt.date.today() - dt.timedelta(days=plan.sizes[-1] + 2)
    BENCH_ENV["PAPERTRENDS_FIRST_MONTH"] = f"{start:%Y-%m}"
    step(f"synthesising {plan.sizes[-1] + 1:,} dumps from {start}")
    synth, archives, extras = write_archive(work, plan, args.seed, start)
    synth_mb = sum(p.stat().st_size for p in (work / "synth").iterdir()) / 1e6

    step("a. parse throughput")
    parse = parse_throughput(archives[max(archives)], plan)

    scripts = {}
    for n in plan.ingest_sizes:
        step(f"b. user's script on {n:,} dumps")
        scripts[n] = user_script(work, archives[n])

    runs = {}
    for n in sorted(set(plan.sizes) | set(plan.ingest_sizes)):
        step(f"e. fresh papertrends run on {n:,} dumps")
        runs[n] = papertrends_run(
            work, f"fresh{n}", archives[n], work / f"wh{n}.duckdb", True, plan.command
        )

    largest = plan.sizes[-1]
    incremental, first_incremental = {}, {}
    for n in plan.sizes[-2:]:
        for i, extra in enumerate(extras[n]):
            step(f"d. incremental run {i + 1}: 1 dump added to {n:,} + {i}")
            os.link(extra, archives[n] / extra.name)
            (first_incremental if i == 0 else incremental)[n] = papertrends_run(
                work,
                f"incremental{n}-{i}",
                archives[n],
                work / f"wh{n}.duckdb",
                False,
                plan.command,
            )

    step(f"search latency on {largest:,} dumps")
    search = search_latency(work / f"wh{largest}.duckdb")

    step(f"f. export of the {largest:,}-dump warehouse")
    exports = export_figures(work, work / f"wh{largest}.duckdb", plan.command)

    step(f"profile of papertrends ingest on {plan.profile_size:,} dumps")
    profile_dir = work / f"raw-profile{plan.profile_size}"
    profile_dir.mkdir()
    for path in sorted(archives[largest].iterdir())[: plan.profile_size]:
        os.link(path, profile_dir / path.name)
    profile = profile_ingest(work, profile_dir)

    load_end = os.getloadavg()
    ended = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    text = render(
        args.size,
        plan,
        info,
        (load_start, load_end),
        (started, ended),
        synth,
        synth_mb,
        parse,
        scripts,
        runs,
        incremental,
        first_incremental,
        profile,
        kept_sections(Path(args.out)),
        search,
        exports,
    )
    Path(args.out).write_text(text, encoding="utf-8")
    step(f"wrote {args.out}")
    # dagster-dbt keeps one dbt target folder per warehouse file inside the project: drop those
    # of the benchmark's warehouses (its data stays under --work only)
    for warehouse in work.glob("*.duckdb"):
        shutil.rmtree(_dbt_target_of(warehouse), ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
