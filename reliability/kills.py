"""``kill -9`` at random moments of each stage after ingestion: the dbt build, the Great
Expectations checks, the trend report and an export.

``prepare`` builds a scene once: a warehouse of the first dumps (its marts are the "old" ones),
more dumps saved into the landing folder, and a clean, uninterrupted run of every stage on the
same dumps (the "new" marts, a clean export, each stage's duration). Each ``trial_*`` then kills
the whole process group of one real ``papertrends`` command (the command and the dbt or GX work
it started) at a moment drawn from ``rng`` within that stage's clean duration, looks at what a
reader finds right after, and runs the next command, which must complete to the clean result.

Used by ``tests/system/test_kills.py`` (one or two kills per stage) and ``python -m reliability.soak``
(many, figures into RELIABILITY.md).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.settings import dbt_target_dir
from pipelines.synth.generator import write_dumps
from reliability.checks import consistent, env_for, fast_dir, marts_content, marts_differ

BIN = Path(sys.executable).parent
STAGES = ("dbt", "checks", "report", "export")
# how much of the end of dbt.log says whether a command is under way (a few events)
DBT_LOG_TAIL_BYTES = 1 << 16


def cli(env: dict[str, str], *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "papertrends"), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def start(env: dict[str, str], *args: str) -> subprocess.Popen:
    """A ``papertrends`` command in a process group of its own (so dbt and GX go down with it)."""
    return subprocess.Popen(
        [str(BIN / "papertrends"), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def group_members(pgid: int) -> list[list[str]]:
    """The command lines of the live processes of process group ``pgid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # fields after the parenthesised name: state ppid pgrp ...
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        found.append([a.decode(errors="replace") for a in argv if a])
    return found


def dbt_running(warehouse: Path) -> bool:
    """Is a dbt command on ``warehouse`` under way? dbt runs inside the ``papertrends`` process
    (``pipelines/dbt_runner.py``); its JSON log beside the warehouse says when a command began
    (``MainReportVersion``) and when it ended (``CommandCompleted``)."""
    log = dbt_target_dir(warehouse.absolute()) / "dbt.log"
    try:
        with log.open("rb") as handle:
            handle.seek(max(0, log.stat().st_size - DBT_LOG_TAIL_BYTES))
            tail = handle.read()
    except OSError:
        return False
    return tail.rfind(b'"MainReportVersion"') > tail.rfind(b'"CommandCompleted"')


def kill_group(proc: subprocess.Popen) -> bool:
    """SIGKILL to the command's whole process group; True when it was still running."""
    alive = proc.poll() is None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    # a child that left the group (none should) would keep the warehouse: wait for the group
    deadline = time.monotonic() + 30
    while group_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


@dataclass
class Scene:
    root: Path
    raw: Path
    base: Path  # warehouse of the first dumps, never changed: each dbt trial starts from a copy
    clean: Path  # warehouse of every dump, built without a fault
    old_marts: dict[str, list]
    new_marts: dict[str, list]
    clean_export: dict[str, list]
    durations: dict[str, float] = field(default_factory=dict)


def prepare(root: Path, n_base: int, n_new: int, seed: int = 7) -> Scene:
    """The scene of the trials (see the module's docstring)."""
    source, raw = root / "source", root / "raw"
    dumps = write_dumps(source, n_base + n_new, seed=seed, papers_per_dump=(12, 18))
    raw.mkdir(parents=True)
    for path in dumps[:n_base]:
        shutil.copy2(path, raw / path.name)
    base = root / "base.duckdb"
    home = fast_dir("papertrends-kill-")
    try:
        _ok(cli(env_for(root / "base-out", raw, base, home), "run"), "the first run")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    old_marts = marts_content(base)
    for path in dumps[n_base:]:
        shutil.copy2(path, raw / path.name)
    clean = root / "clean.duckdb"
    shutil.copyfile(base, clean)
    scene = Scene(root, raw, base, clean, old_marts, {}, {})
    home = fast_dir("papertrends-kill-")
    env = env_for(root / "clean-out", raw, clean, home)
    try:
        proc = start(env, "run")
        began = None
        while proc.poll() is None:
            if began is None and dbt_running(clean):
                began = time.monotonic()
            elif began is not None and not dbt_running(clean):
                scene.durations["dbt"] = time.monotonic() - began
                break
            time.sleep(0.05)
        if proc.wait(timeout=900) != 0:
            raise RuntimeError(f"the clean run exited {proc.returncode}")
        for stage, args in _stage_commands(root / "clean-out").items():
            if stage == "dbt":
                continue
            began = time.monotonic()
            _ok(cli(env, *args), f"the clean {stage}")
            scene.durations[stage] = time.monotonic() - began
    finally:
        shutil.rmtree(home, ignore_errors=True)
    scene.new_marts = marts_content(clean)
    scene.clean_export = export_rows(root / "clean-out" / "export")
    return scene


def _stage_commands(out: Path) -> dict[str, list[str]]:
    return {
        "dbt": ["run"],
        "checks": ["check"],
        "report": ["report", "--out", str(out / "report")],
        "export": ["export", "--out", str(out / "export")],
    }


def _ok(result: subprocess.CompletedProcess, what: str) -> None:
    if result.returncode != 0:
        raise RuntimeError(f"{what} exited {result.returncode}: {result.stderr.strip()[-500:]}")


def export_rows(folder: Path) -> dict[str, list]:
    """The rows of every exported file (whole files only), by path relative to ``folder``."""
    found = {}
    with duckdb.connect() as con:
        for path in sorted(folder.rglob("*.parquet")):
            found[str(path.relative_to(folder))] = con.execute(
                f"select * from read_parquet('{path}') order by all"
            ).fetchall()
    return found


@dataclass
class Trial:
    stage: str
    delay: float  # seconds into the stage when the kill was sent
    killed: bool  # the command was still running (else it had finished: nothing was killed)
    in_stage: bool  # the stage's own work (the dbt process, ...) was running at the kill
    after: str  # what a reader found right after the kill
    recovered: bool  # the next command completed to the clean result
    detail: str = ""
    reads: dict[str, int] = field(default_factory=dict)  # reader during the build: outcomes


def marts_state(warehouse: Path, old: dict, new: dict) -> str:
    """'new', 'old', 'mixed' (each mart whole, some old some new) or 'torn: TABLES'."""
    found = marts_content(warehouse)
    torn = [t for t in found if found[t] != old.get(t) and found[t] != new.get(t)]
    torn += [t for t in new if t not in found]
    if torn:
        return "torn: " + ", ".join(sorted(torn))
    if not marts_differ(found, new):
        return "new"
    return "old" if not marts_differ(found, old) else "mixed"


def _poll_reader(warehouse: Path, scene: Scene, stop: threading.Event, reads: dict) -> None:
    """A reader during the build: opens the file read-only once a second, as `papertrends sql`
    does, and classifies what every mart holds (or 'busy' while a writer has the file)."""
    while not stop.wait(1.0):
        try:
            state = marts_state(warehouse, scene.old_marts, scene.new_marts)
        except duckdb.Error:
            state = "busy"
        key = state if not state.startswith("torn") else "torn"
        reads[key] = reads.get(key, 0) + 1
        if key == "torn":
            reads.setdefault("torn_tables", state)


def trial_dbt(scene: Scene, rng: random.Random, index: int) -> Trial:
    """Kill ``papertrends run`` (ingest of the new dumps, then dbt build) inside ``dbt build``."""
    folder = scene.root / f"dbt-{index}"
    folder.mkdir()
    warehouse = folder / "warehouse.duckdb"
    shutil.copyfile(scene.base, warehouse)
    home = fast_dir("papertrends-kill-")
    env = env_for(folder, scene.raw, warehouse, home)
    delay = rng.uniform(0, scene.durations["dbt"])
    reads: dict = {}
    stop = threading.Event()
    try:
        proc = start(env, "run")
        while proc.poll() is None and not dbt_running(warehouse):
            time.sleep(0.02)
        reader = threading.Thread(target=_poll_reader, args=(warehouse, scene, stop, reads))
        reader.start()
        time.sleep(delay)
        in_stage = dbt_running(warehouse)
        killed = kill_group(proc)
        stop.set()
        reader.join()
        consistent(warehouse)
        after = marts_state(warehouse, scene.old_marts, scene.new_marts)
        result = cli(env, "run")
        final = marts_content(warehouse)
        differ = marts_differ(final, scene.new_marts)
        recovered = result.returncode == 0 and not differ
        detail = "" if recovered else f"exit {result.returncode}, differ {differ}"
        return Trial("dbt", delay, killed, in_stage, after, recovered, detail, reads)
    finally:
        stop.set()
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)


def trial_command(scene: Scene, stage: str, rng: random.Random, state: Path) -> Trial:
    """Kill ``papertrends check``, ``report`` or ``export`` on the clean warehouse (one copy and
    one output folder kept across trials, as repeated kills on one installation would leave
    them); then the same command again must complete to the clean result."""
    warehouse = state / "warehouse.duckdb"
    if not warehouse.exists():
        state.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scene.clean, warehouse)
    home = state / "dagster_home"
    env = env_for(state, scene.raw, warehouse, home)
    args = _stage_commands(state)[stage]
    delay = rng.uniform(0, scene.durations[stage])
    proc = start(env, *args)
    time.sleep(delay)
    in_stage = proc.poll() is None
    killed = kill_group(proc)
    after = _outputs_state(state, stage)
    result = cli(env, *args)
    problems = [] if result.returncode == 0 else [f"exit {result.returncode}: {result.stderr}"]
    if marts_differ(marts_content(warehouse), scene.new_marts):
        problems.append("marts changed")
    if stage == "export" and export_rows(state / "export") != scene.clean_export:
        problems.append("export differs from a clean one")
    leftovers = _leftovers(state, stage)
    if leftovers:
        problems.append(f"left behind: {leftovers}")
    return Trial(stage, delay, killed, in_stage, after, not problems, "; ".join(problems))


def _outputs_state(state: Path, stage: str) -> str:
    """What a reader of the outputs finds right after the kill: 'whole', 'none' or what is
    broken (a half-written page, package or Parquet file under its final name)."""
    if stage == "report":
        page = state / "report" / "index.html"
        if not page.exists():
            return "none"
        return "whole" if page.read_text().rstrip().endswith("</html>") else "half-written page"
    if stage == "export":
        folder = state / "export"
        package = folder / "datapackage.json"
        broken = []
        if package.exists():
            try:
                json.loads(package.read_text())
            except ValueError:
                broken.append("datapackage.json")
        with duckdb.connect() as con:
            for path in folder.rglob("*.parquet"):
                try:
                    con.execute(f"select count(*) from read_parquet('{path}')").fetchone()
                except duckdb.Error:
                    broken.append(path.name)
        if broken:
            return "broken: " + ", ".join(broken)
        return "whole" if package.exists() else "partial (files whole, no package yet)"
    return "-"


def _leftovers(state: Path, stage: str) -> list[str]:
    """Temporary files a finished command should not leave (half-written under a temp name)."""
    folder = {"report": state / "report", "export": state / "export"}.get(stage)
    if folder is None or not folder.exists():
        return []
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob(".*")
        if p.name.endswith((".tmp", ".partial"))
    )


def run_trials(scene: Scene, per_stage: int, seed: int, log=print) -> list[Trial]:
    """``per_stage`` kills of every stage, moments drawn from ``seed``."""
    rng = random.Random(seed)
    trials = []
    for stage in STAGES:
        for index in range(per_stage):
            if stage == "dbt":
                trial = trial_dbt(scene, rng, index)
            else:
                trial = trial_command(scene, stage, rng, scene.root / f"{stage}-state")
            log(f"kill {stage} #{index + 1}: {trial}")
            trials.append(trial)
    return trials
