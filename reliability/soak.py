"""The long reliability command (``make soak``): kills during every stage and a soak under the
daemon, with their figures written into RELIABILITY.md (between the ``soak:`` markers).

``python -m reliability.soak`` runs, on this machine:

a. ``--kills`` (default 10) ``kill -9`` of each stage after ingestion (``reliability.kills``):
   the dbt build inside ``papertrends run``, ``papertrends check`` (the Great Expectations
   suites and dbt tests), ``papertrends report`` and ``papertrends export``, each at a moment
   drawn at random within that stage's clean duration; what a reader finds right after, and
   whether the next command completes to a clean run's marts and files;
b. ``--saves`` (default 200) dumps saved into the landing folder of a running ``papertrends
   ui`` (``reliability.daemon``): versions landed, runs, stalls, sizes.

``--size tiny`` is what the test suite runs (1 kill per stage, 8 saves). Data goes to ``--work``
(default /tmp/papertrends-soak), emptied first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import time
from pathlib import Path

from reliability import daemon, kills

REPORT = Path(__file__).resolve().parents[1] / "RELIABILITY.md"
START, END = "<!-- soak:start -->", "<!-- soak:end -->"
SIZES = {"full": (10, 200), "medium": (3, 60), "tiny": (1, 8)}
# knobs the soak turns down so that pruning and caps act within its length (README: knobs)
SOAK_KNOBS = {"PAPERTRENDS_KEEP_RUNS": os.environ.get("PAPERTRENDS_KEEP_RUNS", "40")}


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f}"


def render_kills(trials: list[kills.Trial], scene: kills.Scene, seed: int) -> list[str]:
    lines = [
        f"Kills (seed {seed}; scene: {len(scene.old_marts)} mart tables, "
        f"{len(scene.new_marts['papers'])} papers after the new dumps; clean stage durations "
        + ", ".join(f"{k} {v:.1f} s" for k, v in scene.durations.items())
        + "):",
        "",
        "| stage | kills | still running at the kill | stage's own work running | reader right "
        "after the kill | next command completed to the clean result |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for stage in kills.STAGES:
        mine = [t for t in trials if t.stage == stage]
        if not mine:
            continue
        after: dict[str, int] = {}
        for t in mine:
            key = t.after if not t.after.startswith("torn") else "TORN"
            after[key] = after.get(key, 0) + 1
        lines.append(
            f"| {stage} | {len(mine)} | {sum(t.killed for t in mine)} | "
            f"{sum(t.in_stage for t in mine)} | "
            + ", ".join(f"{k} {v}" for k, v in sorted(after.items()))
            + f" | {sum(t.recovered for t in mine)} of {len(mine)} |"
        )
    reads: dict[str, int] = {}
    for t in trials:
        for key, n in t.reads.items():
            if isinstance(n, int):
                reads[key] = reads.get(key, 0) + n
    lines += [
        "",
        "Reader polling the marts once a second during the killed builds (read-only opens): "
        + (", ".join(f"{k} {v}" for k, v in sorted(reads.items())) or "no reads"),
    ]
    problems = [f"{t.stage} at {t.delay:.2f} s: {t.detail}" for t in trials if not t.recovered]
    if problems:
        lines += ["", "Not recovered:", *[f"* {p}" for p in problems]]
    return lines


def render_daemon(result: daemon.SoakResult) -> list[str]:
    lines = [
        f"Daemon soak: {result.saves} saves in {result.groups} groups ("
        + ", ".join(f"{k} {v}" for k, v in sorted(result.kinds.items()))
        + f"), {result.seconds / 60:.1f} min with the UI up.",
        "",
        f"* runs: {', '.join(f'{k} {v}' for k, v in sorted(result.runs.items()))} (history "
        f"capped at PAPERTRENDS_KEEP_RUNS={SOAK_KNOBS['PAPERTRENDS_KEEP_RUNS']} here); "
        f"unfinished at the end: {result.unfinished}; failed: "
        f"{', '.join(result.failed_runs) or 'none'}",
        f"* run queue: at most {result.max_queued} waiting; longest stretch with runs waiting "
        f"and none running: {result.longest_stall:.0f} s",
        f"* file versions on disk at the end: {result.versions_on_disk}; not recorded as "
        f"current: {len(result.missing)} {result.missing[:5]}; recorded twice: "
        f"{len(result.doubled)} {result.doubled[:5]}; overwritten versions that had landed "
        f"first: {result.superseded_landed}",
        f"* warehouse file {_mb(result.warehouse_bytes)} MB against {_mb(result.fresh_bytes)} MB "
        f"for a fresh build of the same folder: {result.warehouse_bytes / result.fresh_bytes:.2f}x",
        "",
        "| when | s | runs in history | warehouse MB | dbt target MB (of it dbt.log) | GX "
        "quality MB | report MB | Dagster history MB | Dagster storage MB | Dagster ticks MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in result.sizes:
        lines.append(
            f"| {s['when']} | {s['seconds']} | {s['runs']} | {_mb(s['warehouse'])} | "
            f"{_mb(s['dbt_target'])} ({_mb(s['dbt_log'])}) | {_mb(s['quality'])} | "
            f"{_mb(s['reports'])} | {_mb(s['dagster_history'])} | {_mb(s['dagster_storage'])} | "
            f"{_mb(s['dagster_schedules'])} |"
        )
    return lines


def write_report(lines: list[str], report: Path = REPORT) -> None:
    text = report.read_text()
    block = "\n".join([START, *lines, END])
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    report.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reliability.soak", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--kills", type=int, help="kills per stage (default: by --size)")
    parser.add_argument("--saves", type=int, help="dumps saved under the daemon (by --size)")
    parser.add_argument(
        "--pause",
        type=float,
        nargs=2,
        default=(0.5, 3.0),
        metavar=("MIN", "MAX"),
        help="seconds between two saves, drawn in [MIN, MAX] (default 0.5 3)",
    )
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/papertrends-soak"))
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--no-report", action="store_true", help="print, do not write")
    parser.add_argument("--skip", choices=["kills", "daemon"], action="append", default=[])
    args = parser.parse_args(argv)
    per_stage, saves = SIZES[args.size]
    per_stage, saves = args.kills or per_stage, args.saves or saves
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    began = time.monotonic()
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
    lines: list[str] = []
    if "kills" not in args.skip:
        scene = kills.prepare(args.work / "kills", n_base=4, n_new=2, seed=args.seed)
        trials = kills.run_trials(scene, per_stage, args.seed)
        lines += render_kills(trials, scene, args.seed) + [""]
    if "daemon" not in args.skip:
        result = daemon.soak(
            args.work / "daemon", saves, seed=args.seed, pause=tuple(args.pause), knobs=SOAK_KNOBS
        )
        lines += render_daemon(result) + [""]
    minutes = (time.monotonic() - began) / 60
    load = os.getloadavg()
    ran = [f"{per_stage} kills per stage"] if "kills" not in args.skip else []
    if "daemon" not in args.skip:
        ran.append(f"{saves} saves {args.pause[0]:g}-{args.pause[1]:g} s apart")
    lines = [
        f"Generated by `make soak` (`python -m reliability.soak --size {args.size}`: "
        f"{', '.join(ran)}), {started} UTC, {minutes:.0f} min wall "
        f"time on {os.cpu_count()} cores (load average at the end {load[0]:.1f}).",
        "",
        *lines,
    ]
    print("\n".join(lines))
    if not args.no_report:
        write_report(lines, args.report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
