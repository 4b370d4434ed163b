"""Reliability (issue 7): kills, races, hostile input and old warehouses.

Each test drives the real ``papertrends`` command (real Dagster, real DuckDB) or the real parser
and loader, and compares the warehouse with what a clean load of the same files builds. Figures
of the runs are in RELIABILITY.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.dumps.parse import DumpFile, parse_dumps
from pipelines.errors import WarehouseUnusable
from pipelines.landing import scan_landing
from pipelines.synth.generator import write_dumps
from pipelines.warehouse import connection
from pipelines.warehouse.load import ingest_files
from pipelines.warehouse.schema import SCHEMA_VERSION
from reliability.checks import consistent as _consistent
from reliability.checks import fast_dir as _fast_dir
from reliability.checks import file_hashes as _hashes
from reliability.checks import raw_snapshot as _snapshot
from reliability.checks import writer_lock_held as _writer_lock_held
from tests.conftest import BIN
from tests.dumpkit import CHROME, compose_dump, paper, write_dump

MTIME = 1_788_264_000.0  # 2026-09-01 12:00 UTC


# ---------------------------------------------------------------------------------------------
# helpers


@pytest.fixture
def fast_home() -> Iterator[Path]:
    """A DAGSTER_HOME of its own (see ``_fast_dir``)."""
    folder = _fast_dir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _env(raw: Path, warehouse: Path, home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PAPERTRENDS_RAW_DIR=str(raw),
        PAPERTRENDS_WAREHOUSE=str(warehouse),
        PAPERTRENDS_REPORTS_DIR=str(warehouse.parent / "reports"),
        PAPERTRENDS_QUALITY_DIR=str(warehouse.parent / "quality"),
        DAGSTER_HOME=str(home),
        **extra,
    )
    return env


def _cli(
    env: dict[str, str], *args: str, timeout: float = 300, **kw
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "papertrends"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kw,
    )


def _popen(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "papertrends"), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _one_line_error(result, *needles: str) -> None:
    """Exit 1, exactly one line on stderr, no traceback, every needle in it."""
    err = result.stderr.strip()
    assert result.returncode == 1, (result.returncode, result.stdout, err)
    assert err.count("\n") == 0 and err.startswith("papertrends: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err


def _reference(raw: Path, warehouse: Path) -> dict[str, list]:
    """What a clean, uninterrupted load of ``raw`` builds (the loader the asset runs)."""
    with duckdb.connect(str(warehouse)) as con:
        ingest_files(con, scan_landing(raw))
    return _snapshot(warehouse)


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _hostile_files(raw: Path) -> None:
    """Files that make rejects and duplicates, so every raw table has rows to compare."""
    first = sorted(raw.iterdir())[0]
    write_dump(raw, "zz_copy_of_first.txt", first.read_bytes(), MTIME)
    write_dump(raw, "zz_cp1252.txt", "Caf\x92 papers".encode("latin-1"), MTIME)
    write_dump(raw, "zz_page.html", "<!DOCTYPE html><html><body>x</body></html>", MTIME)
    lost = compose_dump([paper("LOSTA"), paper("KEPTB")]).replace(paper("LOSTA")[1] + "\n\n", "")
    write_dump(raw, "zz_lost_abstract.txt", lost, MTIME)


# ---------------------------------------------------------------------------------------------
# 1. kill -9 in the middle of a large backfill


def test_kill_9_during_backfill_then_next_run_equals_a_clean_run(tmp_path, fast_home):
    raw = tmp_path / "raw"
    write_dumps(raw, 200, seed=11)
    _hostile_files(raw)
    before = _hashes(raw)
    reference = _reference(raw, tmp_path / "reference.duckdb")
    warehouse = tmp_path / "warehouse.duckdb"
    # 25 dumps per transaction: kills also land between committed batches
    env = _env(raw, warehouse, fast_home, PAPERTRENDS_BATCH_DUMPS="25")
    seed = random.randrange(1_000_000)
    print(f"kill moments drawn with seed {seed}")
    rng = random.Random(seed)
    # (wait for the writer lock first?, seconds after that or after the start)
    moments = [(False, rng.uniform(0.5, 4.0)), (True, rng.uniform(0.0, 0.6))]
    moments.append((True, rng.uniform(0.6, 1.8)))
    states = []
    for after_lock, delay in moments:
        proc = _popen(env, "ingest")
        if after_lock:
            while not _writer_lock_held(warehouse) and proc.poll() is None:
                time.sleep(0.005)
        time.sleep(delay)
        killed = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        counts = _consistent(warehouse) if warehouse.exists() else {"dumps": 0, "sightings": 0}
        states.append((after_lock, round(delay, 2), killed, counts))

    final = _cli(env, "ingest")
    assert final.returncode == 3, (seed, states, final.stderr)  # 3: the hostile files' rejects
    statuses = [row[6] for row in reference["dumps"]]
    expected = (
        f"files seen {len(before)}: loaded {statuses.count('loaded')}, "
        f"duplicate {statuses.count('duplicate')}, rejected {statuses.count('rejected')}"
    )
    assert expected in final.stdout and statuses.count("duplicate") == 1, final.stdout
    _consistent(warehouse)
    assert _snapshot(warehouse) == reference, (seed, states)
    assert _hashes(raw) == before  # raw files never modified
    assert any(killed for _, _, killed, _ in states), states
    print(f"kill states (seed {seed}): {states}")
    # the killed runs are not left STARTED in Dagster: the next command marked them failed
    assert _unfinished_runs(fast_home) == [], states


def _unfinished_runs(home: Path) -> list[str]:
    import dagster as dg

    from pipelines.defs.runs import UNFINISHED

    # the instance's event log (dagster.yaml) lives under $DAGSTER_HOME, as for papertrends
    with (
        mock.patch.dict(os.environ, {"DAGSTER_HOME": str(home)}),
        dg.DagsterInstance.from_config(str(home)) as instance,
    ):
        return [
            r.dagster_run.run_id
            for r in instance.get_run_records(dg.RunsFilter(statuses=UNFINISHED))
        ]


# ---------------------------------------------------------------------------------------------
# 2 and 3. two runs at once on one warehouse, and papertrends sql while they write


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> dict:
    """Two ``papertrends run`` started together on one warehouse, ``papertrends sql`` polled
    while they work. Returns the outcomes for the tests below."""
    root = tmp_path_factory.mktemp("two_runs")
    raw = root / "raw"
    write_dumps(raw, 4, seed=23)
    home = _fast_dir()
    warehouse = root / "warehouse.duckdb"
    env = _env(raw, warehouse, home)
    polls: list[subprocess.CompletedProcess] = []
    runs = [_popen(env, "run"), _popen(env, "run")]

    def poll() -> None:
        while any(r.poll() is None for r in runs):
            polls.append(
                _cli(env, "sql", "select count(*) as n from raw.sightings", "--csv", timeout=60)
            )
            time.sleep(0.5)

    poller = threading.Thread(target=poll)
    poller.start()
    outcomes = []
    try:
        for proc in runs:
            out, err = proc.communicate(timeout=600)
            outcomes.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    finally:
        for proc in runs:
            if proc.poll() is None:
                proc.kill()
        poller.join(timeout=120)
    reference = _reference(raw, root / "reference.duckdb")
    shutil.rmtree(home, ignore_errors=True)
    return {"runs": outcomes, "polls": polls, "warehouse": warehouse, "reference": reference}


def test_two_runs_at_once_both_finish_or_one_says_busy(two_runs):
    finished = 0
    for result in two_runs["runs"]:
        assert "Traceback" not in result.stderr
        if result.returncode == 0:
            finished += 1
            assert "files seen 4: loaded 4" in result.stdout, result.stdout
        else:
            _one_line_error(result, "warehouse busy")
    assert finished >= 1
    warehouse = two_runs["warehouse"]
    _consistent(warehouse)
    assert _snapshot(warehouse) == two_runs["reference"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.papers").fetchone()[0] > 0
    print(f"two runs: exit codes {[r.returncode for r in two_runs['runs']]}")


def test_sql_while_runs_write_answers_or_says_busy(two_runs):
    polls = two_runs["polls"]
    assert len(polls) >= 3, len(polls)
    listings = len(two_runs["reference"]["sightings"])
    answered = busy = absent = 0
    for result in polls:
        assert "Traceback" not in result.stderr
        if result.returncode == 0:
            answered += 1
            count = int(result.stdout.strip().splitlines()[-1])
            assert count in (0, listings), count  # never a half-loaded state
        elif "no warehouse there yet" in result.stderr:  # asked before the first load began
            absent += 1
            _one_line_error(result, "no warehouse there yet")
        else:
            busy += 1
            _one_line_error(result, "warehouse busy")
    assert answered + busy >= 2, (answered, busy, absent)
    print(f"sql during two runs: {answered} answered, {busy} busy, {absent} before any warehouse")


def test_writer_waits_for_the_lock_then_says_busy_in_one_line(tmp_path, fast_home):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", compose_dump([paper("ALPHA")]), MTIME)
    warehouse = tmp_path / "warehouse.duckdb"
    env = _env(raw, warehouse, fast_home, PAPERTRENDS_WRITER_WAIT="1")
    fd = os.open(f"{warehouse}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another writer at work
        result = _cli(env, "ingest")
    finally:
        os.close(fd)
    _one_line_error(result, "warehouse busy")
    assert not warehouse.exists()  # it waited for the lock before opening anything


def test_sql_while_a_writer_holds_the_file_says_busy_in_one_line(tmp_path, fast_home):
    raw = tmp_path / "raw"
    warehouse = tmp_path / "warehouse.duckdb"
    write_dump(raw, "a.txt", compose_dump([paper("ALPHA")]), MTIME)
    _reference(raw, warehouse)
    env = _env(raw, warehouse, fast_home)
    with duckdb.connect(str(warehouse)):  # a writer (this process) holds the file
        busy = _cli(env, "sql", "select count(*) from raw.sightings", "--csv")
    _one_line_error(busy, "warehouse busy")
    answer = _cli(env, "sql", "select count(*) as n from raw.sightings", "--csv")
    assert answer.returncode == 0 and answer.stdout.split() == ["n", "1"]


def test_writer_lock_of_a_killed_writer_is_free_at_once(tmp_path):
    from pipelines.errors import WarehouseBusy
    from pipelines.warehouse.lock import writer_lock

    warehouse = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from pipelines.warehouse.lock import writer_lock\n"
            "with writer_lock(Path(sys.argv[1]), 1):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(120)\n",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert _writer_lock_held(warehouse)
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match="warehouse busy") as busy:  # noqa: SIM117
            with writer_lock(warehouse, 0.5):
                pass
        assert 0.5 <= time.monotonic() - started < 5  # it waited, bounded
        assert str(busy.value).startswith(f"{warehouse}: ") and "\n" not in str(busy.value)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with writer_lock(warehouse, 0):  # the kernel let go of the dead holder's lock
        assert _writer_lock_held(warehouse)
    assert not _writer_lock_held(warehouse)


def test_reader_waits_for_a_writer_process_to_let_go_of_the_file(tmp_path):
    from pipelines.errors import WarehouseBusy

    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            "con = duckdb.connect(sys.argv[1])\n"
            "print('open', flush=True)\n"
            "sys.stdin.readline()\n"
            "time.sleep(1.0)\n"
            "con.close()\n",
            str(warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(WarehouseBusy, match="warehouse busy"):  # noqa: SIM117
            with connection.reader(warehouse, wait_seconds=0.3):
                pass
        holder.stdin.write("let go\n")
        holder.stdin.flush()
        started = time.monotonic()
        with connection.reader(warehouse, wait_seconds=30) as con:  # tries again until then
            assert con.execute("select 1").fetchone() == (1,)
        assert time.monotonic() - started >= 0.5
    finally:
        holder.kill()
        holder.wait()


# ---------------------------------------------------------------------------------------------
# 4. bad paths, bad files, full disk: one line, exit 1, nothing else damaged


def _small_warehouse(raw: Path, warehouse: Path) -> dict[str, list]:
    write_dump(raw, "a.txt", compose_dump([paper("ALPHA"), paper("BETA")]), MTIME)
    return _reference(raw, warehouse)


def test_warehouse_under_a_file_is_one_line_error(tmp_path, fast_home):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", compose_dump([paper("ALPHA")]), MTIME)
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where a folder should be\n")
    before = _hashes(raw)
    env = _env(raw, blocker / "warehouse.duckdb", fast_home)
    _one_line_error(_cli(env, "ingest"), "not_a_folder is a file, not a folder")
    with pytest.raises(WarehouseUnusable, match="is a folder, not a DuckDB file"):  # noqa: SIM117
        with connection.writer(tmp_path, wait_seconds=1):
            pass
    assert blocker.read_text() == "a file where a folder should be\n"
    assert _hashes(raw) == before


def test_missing_raw_folder_leaves_the_warehouse_untouched(tmp_path, fast_home):
    warehouse = tmp_path / "warehouse.duckdb"
    content = _small_warehouse(tmp_path / "raw", warehouse)
    digest = _file_hash(warehouse)
    env = _env(tmp_path / "nowhere", warehouse, fast_home)
    _one_line_error(_cli(env, "run"), "nowhere: raw folder does not exist")
    assert _file_hash(warehouse) == digest and _snapshot(warehouse) == content


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: b"just some text, not a database\n" * 50, id="text"),
        pytest.param(lambda data: data[:8192], id="cut-short"),
        pytest.param(lambda data: data[:4096] + b"\x00" * 65536, id="zeroed-blocks"),
    ],
)
def test_damaged_warehouse_file_is_one_line_error_and_stays_as_it_was(tmp_path, fast_home, damage):
    raw = tmp_path / "raw"
    good = tmp_path / "good.duckdb"
    _small_warehouse(raw, good)
    bogus = tmp_path / "warehouse.duckdb"
    bogus.write_bytes(damage(good.read_bytes()))
    digest, before = _file_hash(bogus), _hashes(raw)
    env = _env(raw, bogus, fast_home)
    _one_line_error(_cli(env, "sql", "select 1"), str(bogus))
    assert _file_hash(bogus) == digest and _hashes(raw) == before


def test_ingest_into_a_damaged_warehouse_is_one_line_error(tmp_path, fast_home):
    raw = tmp_path / "raw"
    good = tmp_path / "good.duckdb"
    _small_warehouse(raw, good)
    bogus = tmp_path / "warehouse.duckdb"
    bogus.write_bytes(good.read_bytes()[:4096] + b"\x00" * 65536)
    digest, before = _file_hash(bogus), _hashes(raw)
    _one_line_error(_cli(_env(raw, bogus, fast_home), "ingest"), str(bogus), "Corrupt")
    assert _file_hash(bogus) == digest and _hashes(raw) == before


@contextlib.contextmanager
def _small_filesystem(folder: Path, size: str) -> Iterator[str]:
    """A size-limited tmpfs at ``folder`` ("tmpfs"), or nothing when mounting is not permitted
    ("rlimit": the caller then limits the file size of its command instead)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = (
        os.geteuid() == 0
        and shutil.which("mount") is not None
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
        ).returncode
        == 0
    )
    try:
        yield "tmpfs" if mounted else "rlimit"
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_full_disk_is_one_line_error_and_the_next_run_completes(tmp_path, fast_home):
    raw = tmp_path / "raw"
    write_dumps(raw, 20, seed=31)
    first_dump = sorted(raw.iterdir(), key=lambda p: (p.stat().st_mtime_ns, p.name))[0]
    before = _hashes(raw)
    reference = _reference(raw, tmp_path / "reference.duckdb")
    with _small_filesystem(tmp_path / "small", "2m") as how:
        warehouse = tmp_path / "small" / "warehouse.duckdb"
        one = tmp_path / "one"
        one.mkdir()
        shutil.copy2(first_dump, one / first_dump.name)
        _reference(one, warehouse)  # a warehouse that fits, holding the first dump
        content = _snapshot(warehouse)
        limit = 2 * 1024 * 1024

        def fsize_limit() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        env = _env(raw, warehouse, fast_home)
        full = _cli(env, "ingest", preexec_fn=None if how == "tmpfs" else fsize_limit)
        reason = "disk full" if how == "tmpfs" else "File too large"
        _one_line_error(full, str(warehouse), "cannot write", reason)
        assert _snapshot(warehouse) == content  # still readable, same content
        _consistent(warehouse)
        assert _hashes(raw) == before
        if how == "tmpfs":  # room again: the next run completes
            subprocess.run(["mount", "-o", "remount,size=64m", str(warehouse.parent)], check=True)
        else:
            shutil.move(warehouse, tmp_path / warehouse.name)
            warehouse = tmp_path / warehouse.name
            env = _env(raw, warehouse, fast_home)
        done = _cli(env, "ingest")
        assert done.returncode == 0, done.stderr
        assert _snapshot(warehouse) == reference
    print(f"full disk simulated with {how}")


def test_read_only_file_system_keeps_the_warehouse_readable(tmp_path, fast_home):
    raw = tmp_path / "raw"
    source = tmp_path / "source.duckdb"
    content = _small_warehouse(raw, source)
    write_dump(raw, "b.txt", compose_dump([paper("GAMMA")]), MTIME)
    with _small_filesystem(tmp_path / "ro", "16m") as how:
        if how != "tmpfs":
            pytest.skip("mounting a file system is not permitted here")
        warehouse = tmp_path / "ro" / "warehouse.duckdb"
        shutil.copy2(source, warehouse)
        subprocess.run(["mount", "-o", "remount,ro", str(warehouse.parent)], check=True)
        env = _env(raw, warehouse, fast_home)
        _one_line_error(_cli(env, "ingest"), str(warehouse), "Read-only file system")
        answer = _cli(env, "sql", "select count(*) as n from raw.sightings", "--csv")
        assert answer.returncode == 0 and answer.stdout.split() == ["n", "2"], answer.stderr
        assert _snapshot(warehouse) == content


# ---------------------------------------------------------------------------------------------
# 5. property-based: damaged dumps never mis-pair and every paragraph is accounted for

_WORDS = [
    "sparse",
    "expert",
    "routing",
    "token",
    "model",
    "agent",
    "video",
    "reward",
    "diffusion",
    "policy",
    "graph",
]


@st.composite
def _damaged_dump(draw) -> dict:
    """A dump with ground truth: its bytes, and each body paragraph as it must be read back
    (text, line number, origin ``(kind, paper)``)."""
    n = draw(st.integers(1, 8))
    papers = []
    for k in range(n):
        words = draw(st.lists(st.sampled_from(_WORDS), min_size=2, max_size=12))
        title = (
            f"T{k}x{draw(st.integers(0, 999))} "
            + " ".join(words)
            + draw(st.sampled_from(["", ": é—ü", " ++", "?"]))
        )
        # about one abstract in ten over the 20,000-character limit
        size = 20_050 if draw(st.integers(0, 9)) == 0 else draw(st.integers(260, 2200))
        body = f"Abstract of T{k}. " + " ".join(
            draw(
                st.lists(
                    st.sampled_from(_WORDS + ["naïve", "–", "https://github.com/x/y"]),
                    min_size=60,
                    max_size=60,
                )
            )
        )
        abstract = (body * (size // len(body) + 1))[:size].strip()
        papers.append((title, abstract))
    # paragraphs with their origin; damage: drop (never two neighbours: the lost abstract of
    # one paper and the lost title of the next are indistinguishable from a listing) or double
    paragraphs = []
    last_dropped = False
    for k, (title, abstract) in enumerate(papers):
        for kind, text in (("title", title), ("abstract", abstract)):
            action = draw(st.sampled_from(["keep"] * 6 + ["drop", "double"]))
            if action == "drop" and not last_dropped:
                last_dropped = True
                continue
            last_dropped = False
            paragraphs.append((kind, k, text))
            if action == "double":
                paragraphs.append((kind, k, text))
    header = [c for c in CHROME if draw(st.booleans()) or c == "Daily Papers"]
    header += (
        [draw(st.sampled_from(["Aug 25", "Sep 9, 2025", "Mar 3"]))] if draw(st.booleans()) else []
    )
    # cut-off end: keep a prefix of the last paragraph (maybe mid-character in bytes)
    cut = draw(st.booleans()) and paragraphs
    cut_bytes = b""
    if cut:
        kind, k, text = paragraphs[-1]
        at = draw(st.integers(0, len(text) - 1))
        prefix = text[:at]
        nxt = text[at].encode("utf-8")
        if len(nxt) > 1 and draw(st.booleans()):
            cut_bytes = nxt[: draw(st.integers(1, len(nxt) - 1))]
        paragraphs[-1] = (kind, k, prefix)
        if not prefix.strip():
            paragraphs.pop()
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines: list[str] = []
    expected = []
    for i, item in enumerate([(None, None, h) for h in header] + paragraphs):
        if i:
            lines.append("")
            lines += [draw(st.sampled_from(["", " ", "\t", "\x00"]))] * draw(st.integers(0, 2))
        kind, k, text = item
        if kind is not None:
            expected.append((kind, k, " ".join(text.split()), len(lines) + 1))
        words = text.split(" ")
        if kind == "abstract" and len(words) > 1 and draw(st.booleans()):  # hard-wrapped
            half = len(words) // 2
            lines += [" ".join(words[:half]) + " ", " ".join(words[half:])]
        else:
            lines.append(text + draw(st.sampled_from(["", " ", "\t "])))
    text = newline.join(lines) + ("" if cut else newline)
    for _ in range(draw(st.integers(0, 3))):  # NUL bytes anywhere between characters
        at = draw(st.integers(0, len(text)))
        text = text[:at] + "\x00" + text[at:]
    data = text.encode("utf-8") + cut_bytes
    if draw(st.booleans()):
        data = "\ufeff".encode() + data
    return _Dump({"data": data, "papers": papers, "expected": expected})


class _Dump(dict):
    """A generated dump; short repr (hypothesis prints failing examples: the bytes say it all)."""

    def __repr__(self) -> str:
        return f"_Dump(data={self['data']!r})"


def _check_parsed(dump: dict, parsed, file_name: str) -> None:
    papers, expected = dump["papers"], dump["expected"]
    sightings = parsed.sightings.filter(parsed.sightings["file_name"] == file_name)
    rejects = parsed.rejects.filter(parsed.rejects["file_name"] == file_name)
    # ground truth: a listing is an intact title followed by its own (maybe cut) abstract
    want, used = [], set()
    for i, (kind, k, text, _) in enumerate(expected[:-1]):
        nxt = expected[i + 1]
        intact_title = kind == "title" and text == " ".join(papers[k][0].split())
        own_abstract = nxt[0] == "abstract" and nxt[1] == k and 250 < len(nxt[2]) <= 20_000
        if intact_title and own_abstract:
            want.append((text, nxt[2]))
            used.update((i, i + 1))
    got = list(zip(sightings["title"].to_list(), sightings["abstract"].to_list(), strict=True))
    for title, abstract in got:  # each title with its own abstract
        k = int(title[1 : title.index("x")])
        assert title == " ".join(papers[k][0].split())
        assert " ".join(papers[k][1].split()).startswith(abstract)
    assert got == want
    if not got:  # no listing at all: the whole file is rejected, one record
        assert rejects.height == 1 and rejects["line_no"].to_list() in ([None], [1])
        return
    quarantined = [e for i, e in enumerate(expected) if i not in used]
    assert len(got) * 2 + rejects.height == len(expected)  # every paragraph accounted for
    assert sorted(rejects["line_no"].to_list()) == sorted(e[3] for e in quarantined)
    assert sorted(rejects["excerpt"].to_list()) == sorted(e[2][:200] for e in quarantined)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_damaged_dump())
def test_parser_pairs_own_abstracts_and_accounts_for_every_paragraph(dump):
    parsed = parse_dumps([DumpFile("d.txt", dump["data"], time_of(MTIME))])
    _check_parsed(dump, parsed, "d.txt")


def time_of(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_damaged_dump(), min_size=1, max_size=3))
def test_loader_stores_what_the_parser_promises(dumps):
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "raw"
        for i, dump in enumerate(dumps):
            write_dump(raw, f"d{i}.txt", dump["data"], MTIME + i)
        with duckdb.connect(str(Path(folder) / "w.duckdb")) as con:
            ingest_files(con, scan_landing(raw))
            for i, dump in enumerate(dumps):
                name = f"d{i}.txt"
                parsed = parse_dumps([DumpFile(name, dump["data"], time_of(MTIME + i))])
                stored = con.execute(
                    "select s.title, s.abstract from raw.sightings s join raw.dumps d "
                    "using (dump_id) where d.file_name = ? order by s.position",
                    [name],
                ).fetchall()
                status, n_sightings, n_rejects = con.execute(
                    "select status, n_sightings, n_rejects from raw.dumps where file_name = ?",
                    [name],
                ).fetchone()
                n_stored_rejects = con.execute(
                    "select count(*) from raw.rejects where file_name = ?", [name]
                ).fetchone()[0]
                first = next(j for j, d in enumerate(dumps) if d["data"] == dump["data"])
                if first < i:  # same bytes as an earlier file: a duplicate, no rows
                    assert status == "duplicate" and stored == [] or status == "rejected"
                    continue
                expected = list(
                    zip(parsed.sightings["title"], parsed.sightings["abstract"], strict=True)
                )
                assert stored == expected and n_sightings == len(expected)
                assert n_stored_rejects == n_rejects == parsed.rejects.height
                _check_parsed(dump, parsed, name)


# ---------------------------------------------------------------------------------------------
# 6. schema evolution

# The raw layer as version 1 created it (frozen here: the fixture of "a warehouse built by the
# previous version").
V1_DDL = """
create schema if not exists raw;
create table if not exists raw.dumps (
    dump_id varchar not null, file_name varchar not null, sha256 varchar not null,
    n_bytes bigint not null, listing_date date, listing_date_source varchar,
    status varchar not null, duplicate_of varchar, n_sightings integer not null,
    n_rejects integer not null, reason varchar, ingested_at timestamptz not null,
    file_mtime_ns bigint not null, partition_key varchar not null
);
create table if not exists raw.sightings (
    dump_id varchar not null, position integer not null, paper_id varchar not null,
    title varchar not null, abstract varchar not null
);
create table if not exists raw.rejects (
    file_name varchar not null, sha256 varchar not null, line_no bigint,
    reason varchar not null, excerpt varchar, rejected_at timestamptz not null
);
create table if not exists raw.warehouse_info (
    schema_version integer not null, created_at timestamptz not null
);
insert into raw.warehouse_info values (1, now());
"""


def _v1_warehouse(raw: Path, path: Path, scratch: Path, doubled: bool = False) -> None:
    """A version-1 warehouse holding ``raw``'s rows (as version 1 wrote them: same columns)."""
    rows = scratch / "rows.duckdb"
    _reference(raw, rows)
    with duckdb.connect(str(path)) as con:
        con.execute(V1_DDL)
        con.execute(f"attach '{rows}' as src (read_only)")
        for table in ("dumps", "sightings", "rejects"):
            con.execute(f"insert into raw.{table} select * from src.raw.{table}")
        if doubled:  # what a loader bug could have left behind
            con.execute("insert into raw.sightings select * from src.raw.sightings limit 1")
        con.execute("detach src")


def _indexes(warehouse: Path) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {r[0] for r in con.execute("select index_name from duckdb_indexes()").fetchall()}


def test_version_1_warehouse_is_upgraded_in_place(tmp_path, fast_home):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", compose_dump([paper("ALPHA"), paper("BETA")]), MTIME)
    warehouse = tmp_path / "warehouse.duckdb"
    _v1_warehouse(raw, warehouse, tmp_path)
    old = _snapshot(warehouse)
    write_dump(raw, "b.txt", compose_dump([paper("GAMMA")], date="Aug 26"), MTIME + 60)
    result = _cli(_env(raw, warehouse, fast_home), "ingest")
    assert result.returncode == 0, result.stderr
    assert "files seen 2: loaded 2" in result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select schema_version from raw.warehouse_info").fetchall() == [
            (SCHEMA_VERSION,)
        ]
    assert {"dumps_dump_id", "sightings_dump_position"} <= _indexes(warehouse)
    new = _snapshot(warehouse)
    assert set(old["sightings"]) < set(new["sightings"]) and len(new["sightings"]) == 3
    assert _snapshot(warehouse) == _reference(raw, tmp_path / "fresh.duckdb")
    with duckdb.connect(str(warehouse)) as con, pytest.raises(duckdb.ConstraintException):
        con.execute("insert into raw.sightings select * from raw.sightings limit 1")


def test_version_1_warehouse_that_cannot_be_upgraded_says_how_to_rebuild(tmp_path, fast_home):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", compose_dump([paper("ALPHA"), paper("BETA")]), MTIME)
    warehouse = tmp_path / "warehouse.duckdb"
    _v1_warehouse(raw, warehouse, tmp_path, doubled=True)
    old = _snapshot(warehouse)
    result = _cli(_env(raw, warehouse, fast_home), "ingest")
    _one_line_error(result, "cannot upgrade from schema version 1", "rebuild it", str(warehouse))
    assert _snapshot(warehouse) == old  # left as it was, still version 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select schema_version from raw.warehouse_info").fetchall() == [(1,)]


def test_warehouse_from_a_newer_version_is_refused_in_one_line(tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", compose_dump([paper("ALPHA")]), MTIME)
    warehouse = tmp_path / "warehouse.duckdb"
    _reference(raw, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.warehouse_info set schema_version = ?", [SCHEMA_VERSION + 1])
        with pytest.raises(WarehouseUnusable) as err:
            ingest_files(con, scan_landing(raw))
    message = str(err.value)
    assert "\n" not in message and "newer papertrends" in message and str(warehouse) in message


def test_warehouse_with_the_previous_term_tables_is_upgraded_and_builds(tmp_path, fast_home):
    """A version-3 warehouse of the previous release: int_paper_terms held one row per (paper,
    phrase) and term_trends was a table without updated_at. The upgrade drops the first (the
    next build extracts every paper again) and term_trends is counted again in full."""
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", compose_dump([paper("ALPHA"), paper("BETA")]), MTIME)
    warehouse = tmp_path / "warehouse.duckdb"
    _reference(raw, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.warehouse_info set schema_version = 3")
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_paper_terms as select 'x' as paper_id, 'h' as text_hash, "
            "1::ubigint as term_id, 1::ubigint as surface_id, 1::tinyint as n_words, "
            "1 as n_occurrences, 'v' as extraction_version, now()::timestamp as extracted_at"
        )
        con.execute("create schema marts")
        con.execute(
            "create table marts.term_trends as select 'gone' as term, 'gone' as term_key, "
            "1 as n_words, 'week' as grain, date '2020-01-06' as period_start, 1 as n_papers, "
            "1 as period_papers, 1.0 as share_of_listing, null::double as share_change, "
            "1.0 as smoothed_share, false as is_partial"
        )
    result = _cli(_env(raw, warehouse, fast_home), "run")
    assert result.returncode == 0, result.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select schema_version from raw.warehouse_info").fetchone() == (
            SCHEMA_VERSION,
        )
        assert con.execute(
            "select count(*), count(*) filter (where len(term_ids) > 0) from intermediate.int_paper_terms"
        ).fetchone() == (2, 2)
        # the old table's rows are replaced (a term no paper holds is gone), with updated_at
        assert con.execute(
            "select count(*) from marts.term_trends where term_key = 'gone'"
        ).fetchone() == (0,)
        assert "updated_at" in [c[0] for c in con.execute("describe marts.term_trends").fetchall()]
