"""A soak under the daemon: ``papertrends ui`` (webserver, daemon, sensors) while dumps are saved
into the landing folder one at a time: new days, copies under another name, files overwritten
with new content, damaged files, and now and then a few at once.

Checked afterwards: every file version still on disk is in ``raw.dumps`` exactly once (no name
and hash twice), every run finished (none queued or running), the run queue never stood still
with runs waiting and none running for a minute (a deadlocked pool), the warehouse file against a
fresh build of the same landing folder, and the size of everything else that grows with each
run (dbt's target folder and log, Great Expectations results and Data Docs, Dagster's run
history and logs), sampled as the soak goes.

Used by ``tests/system/test_soak.py`` (a few dumps) and ``python -m reliability.soak`` (200).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.defs.dbt import dbt_target_path
from pipelines.synth.generator import write_dumps
from reliability.checks import env_for

BIN = Path(sys.executable).parent
UNFINISHED = {"QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"}
STALL_SECONDS = 60.0  # runs waiting and none running this long: a deadlocked pool


@dataclass
class Save:
    name: str
    data: bytes
    kind: str  # new | duplicate | overwrite | damaged


def damaged(rng: random.Random, index: int) -> bytes:
    """One of the damaged kinds a landing folder sees (each rejected whole with its reason)."""
    kind = index % 4
    if kind == 0:
        return b""
    if kind == 1:
        return "Caf\xe9 r\xe9sum\xe9 \u201cquoted\u201d\n".encode("cp1252") * 20
    if kind == 2:
        return b"<!DOCTYPE html><html><body><p>Daily Papers</p></body></html>\n"
    return bytes(rng.randrange(256) for _ in range(600))


def plan(source: list[Path], n_saves: int, seed: int) -> list[list[Save]]:
    """``n_saves`` saves in groups (mostly one file, about one group in 15 three at once).
    About 8% are copies of an earlier file under a new name, 8% overwrite a file saved at least
    3 saves earlier with a new day's dump, 6% are damaged; the rest are new days. A plan of 8
    saves or more has each kind and one group of three at least."""
    rng = random.Random(seed)
    kinds = []
    for _ in range(n_saves):
        roll = rng.random()
        kinds.append(
            "duplicate"
            if roll < 0.08
            else "overwrite"
            if roll < 0.16
            else "damaged"
            if roll < 0.22
            else "new"
        )
    sizes = []
    while sum(sizes) < n_saves:
        sizes.append(min(3 if rng.random() < 1 / 15 else 1, n_saves - sum(sizes)))
    if n_saves >= 8:
        for kind, at in (("duplicate", n_saves // 3), ("overwrite", 2 * n_saves // 3)):
            if kind not in kinds:
                kinds[at] = kind
        if "damaged" not in kinds:
            kinds[-1] = "damaged"
        if max(sizes) == 1:
            sizes = [1] * (n_saves // 2 - 1) + [3] + [1] * (n_saves - n_saves // 2 - 2)
    fresh = iter(source)
    saved: list[str] = []  # names of dumps saved so far (not damaged ones)
    groups: list[list[Save]] = []
    count = 0
    for size in sizes:
        group: list[Save] = []
        for kind in kinds[count : count + size]:
            if kind == "duplicate" and saved:
                name = rng.choice(saved)
                data = _bytes_of([*groups, group], name)
                group.append(Save(f"copy {count} of {name}", data, "duplicate"))
            elif kind == "overwrite" and len(saved) > 3:
                path = next(fresh)
                group.append(Save(rng.choice(saved[:-3]), path.read_bytes(), "overwrite"))
            elif kind == "damaged":
                group.append(Save(f"damaged-{count}.txt", damaged(rng, count), "damaged"))
            else:
                path = next(fresh)
                group.append(Save(path.name, path.read_bytes(), "new"))
                saved.append(path.name)
            count += 1
        groups.append(group)
    return groups


def _bytes_of(groups: list[list[Save]], name: str) -> bytes:
    """The bytes ``name`` holds after the saves planned so far."""
    return next(s.data for group in reversed(groups) for s in reversed(group) if s.name == name)


def save(folder: Path, item: Save) -> None:
    """As a browser saves a page: a temporary name first, renamed when whole."""
    part = folder / (item.name + ".part")
    part.write_bytes(item.data)
    os.replace(part, folder / item.name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    if not path.exists():
        return 0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@dataclass
class SoakResult:
    root: Path
    saves: int
    groups: int
    kinds: dict[str, int]
    seconds: float
    runs: dict[str, int]  # by status
    failed_runs: list[str]
    unfinished: int
    longest_stall: float  # seconds with runs waiting and none running
    max_queued: int
    versions_on_disk: int
    missing: list[str]  # versions on disk not in raw.dumps (or not as their current version)
    doubled: list[str]  # (name, hash) pairs recorded twice
    superseded_landed: int  # intermediate versions that landed before being overwritten
    warehouse_bytes: int
    fresh_bytes: int
    sizes: list[dict] = field(default_factory=list)  # samples of every growing folder


def soak(
    root: Path,
    n_saves: int,
    seed: int = 5,
    pause: tuple[float, float] = (0.5, 3.0),
    knobs: dict[str, str] | None = None,
    log=print,
    wait_seconds: float = 1800,
) -> SoakResult:
    """Run the soak under ``root`` (see the module's docstring) and return what it found."""
    rng = random.Random(seed)
    source = write_dumps(root / "source", n_saves, seed=seed, papers_per_dump=(15, 25))
    groups = plan(source, n_saves, seed)
    raw, warehouse, home = root / "raw", root / "warehouse.duckdb", root / "dagster_home"
    raw.mkdir(parents=True)
    env = {**env_for(root, raw, warehouse, home), **(knobs or {})}
    port = free_port()
    started = time.monotonic()
    with (root / "ui.log").open("wb") as out:
        ui = subprocess.Popen(
            [str(BIN / "papertrends"), "ui", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    watch = _Watch(home, warehouse, root)
    try:
        _wait_for_webserver(port, ui, root)
        for number, group in enumerate(groups, 1):
            for item in group:
                save(raw, item)
            watch.sample(time.monotonic() - started)
            if number % max(len(groups) // 4, 1) == 0:
                watch.measure(time.monotonic() - started, f"after {number} of {len(groups)} saves")
                log(f"soak: {number}/{len(groups)} groups saved, {watch.last_counts}")
            time.sleep(rng.uniform(*pause))
        deadline = time.monotonic() + wait_seconds
        quiet = 0
        while time.monotonic() < deadline and quiet < 3:
            time.sleep(5)
            watch.sample(time.monotonic() - started)
            done = not watch.unfinished and not _missing(raw, warehouse)
            quiet = quiet + 1 if done else 0
        watch.measure(time.monotonic() - started, "at the end")
    finally:
        _stop(ui)
    seconds = time.monotonic() - started
    missing, doubled, superseded = _versions(raw, warehouse)
    fresh = _fresh_build(root, raw)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.get_run_records()
    runs: dict[str, int] = {}
    for record in records:
        status = record.dagster_run.status.value
        runs[status] = runs.get(status, 0) + 1
    kinds: dict[str, int] = {}
    for group in groups:
        for item in group:
            kinds[item.kind] = kinds.get(item.kind, 0) + 1
    return SoakResult(
        root=root,
        saves=n_saves,
        groups=len(groups),
        kinds=kinds,
        seconds=seconds,
        runs=runs,
        failed_runs=[
            f"{r.dagster_run.job_name} {r.dagster_run.run_id[:8]}"
            for r in records
            if r.dagster_run.status == dg.DagsterRunStatus.FAILURE
        ],
        unfinished=sum(n for status, n in runs.items() if status in UNFINISHED),
        longest_stall=watch.longest_stall,
        max_queued=watch.max_queued,
        versions_on_disk=len(list(raw.iterdir())),
        missing=missing,
        doubled=doubled,
        superseded_landed=superseded,
        warehouse_bytes=warehouse.stat().st_size,
        fresh_bytes=fresh.stat().st_size,
        sizes=watch.sizes,
    )


class _Watch:
    """Samples the run queue (for stalls) and the sizes of everything that grows."""

    def __init__(self, home: Path, warehouse: Path, root: Path):
        self.home, self.warehouse, self.root = home, warehouse, root
        self.unfinished = 0
        self.max_queued = 0
        self.longest_stall = 0.0
        self._stall_since: float | None = None
        self.sizes: list[dict] = []
        self.last_counts: dict[str, int] = {}

    def sample(self, now: float) -> None:
        counts = self._run_counts()
        self.last_counts = counts
        queued = counts.get("QUEUED", 0) + counts.get("NOT_STARTED", 0)
        running = counts.get("STARTING", 0) + counts.get("STARTED", 0)
        self.unfinished = sum(n for status, n in counts.items() if status in UNFINISHED)
        self.max_queued = max(self.max_queued, queued)
        if queued and not running:
            self._stall_since = now if self._stall_since is None else self._stall_since
            self.longest_stall = max(self.longest_stall, now - self._stall_since)
        else:
            self._stall_since = None

    def _run_counts(self) -> dict[str, int]:
        runs_db = self.home / "history" / "runs.db"
        if not runs_db.exists():
            return {}
        import sqlite3

        with contextlib.closing(sqlite3.connect(f"file:{runs_db}?mode=ro", uri=True)) as db:
            try:
                return dict(db.execute("select status, count(*) from runs group by status"))
            except sqlite3.Error:
                return {}

    def measure(self, now: float, label: str) -> None:
        history = self.home / "history"
        self.sizes.append(
            {
                "when": label,
                "seconds": round(now),
                "runs": sum(self._run_counts().values()),
                "warehouse": tree_size(self.warehouse)
                + tree_size(self.warehouse.with_name(self.warehouse.name + ".wal")),
                "dbt_target": tree_size(dbt_target_path(self.warehouse)),
                "dbt_log": sum(
                    tree_size(p) for p in dbt_target_path(self.warehouse).glob("dbt.log*")
                ),
                "quality": tree_size(self.root / "quality"),
                "reports": tree_size(self.root / "reports"),
                "dagster_history": tree_size(history),
                "dagster_storage": tree_size(self.home / "storage"),
                "dagster_schedules": tree_size(self.home / "schedules"),
            }
        )


def _wait_for_webserver(port: int, ui: subprocess.Popen, root: Path, seconds: float = 180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ui.poll() is not None:
            raise RuntimeError(f"papertrends ui exited {ui.returncode}: see {root / 'ui.log'}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5),
        ):
            return
        time.sleep(1)
    raise RuntimeError(f"papertrends ui did not answer in {seconds:.0f} s: see {root / 'ui.log'}")


def _stop(ui: subprocess.Popen) -> None:
    """TERM to the group (dagster dev stops what it started), then KILL what is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(ui.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        ui.wait(timeout=60)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(ui.pid, signal.SIGKILL)
    ui.wait(timeout=30)


def _on_disk(raw: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in raw.iterdir()}


def _recorded(warehouse: Path) -> list[tuple[str, str, str]]:
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute("select file_name, sha256, status from raw.dumps").fetchall()
    except duckdb.Error:  # not there yet, or a run writes it
        return []


def _missing(raw: Path, warehouse: Path) -> list[str]:
    current = {(n, s) for n, s, status in _recorded(warehouse) if status != "superseded"}
    return sorted(n for n, s in _on_disk(raw).items() if (n, s) not in current)


def _versions(raw: Path, warehouse: Path) -> tuple[list[str], list[str], int]:
    """Versions on disk not recorded as current, (name, hash) pairs recorded twice, and how many
    overwritten versions had landed before being overwritten."""
    rows = _recorded(warehouse)
    seen: dict[tuple[str, str], int] = {}
    for name, sha, _ in rows:
        seen[(name, sha)] = seen.get((name, sha), 0) + 1
    doubled = sorted(f"{n} {s[:8]}" for (n, s), k in seen.items() if k > 1)
    superseded = sum(1 for _, _, status in rows if status == "superseded")
    return _missing(raw, warehouse), doubled, superseded


def _fresh_build(root: Path, raw: Path) -> Path:
    """A fresh `papertrends run` of a copy of the final landing folder (times kept)."""
    fresh = root / "fresh"
    shutil.copytree(raw, fresh / "raw")
    env = env_for(fresh, fresh / "raw", fresh / "warehouse.duckdb", fresh / "dagster_home")
    done = subprocess.run(
        [str(BIN / "papertrends"), "run"], env=env, capture_output=True, text=True, timeout=1800
    )
    if done.returncode not in (0, 3):
        raise RuntimeError(f"the fresh build exited {done.returncode}: {done.stderr[-500:]}")
    return fresh / "warehouse.duckdb"
