"""A soak under the daemon (issue 23 item 3), the short version: a real ``papertrends ui``
(webserver, daemon, sensors) while 8 dumps are saved into its landing folder one at a time (the
plan mixes new days, a copy under another name, an overwritten file, a damaged one and a group
saved at once). ``make soak`` runs 200 (``reliability.daemon``). The soak is a drill
(``make drills``), left out of ``make test``; the plan and the pruning are checked there too.

Checked: every file version on disk is recorded once as current, no (name, hash) twice; no run is
left queued or running and none failed; the queue never stood still with runs waiting and none
running; the warehouse file is at most 1.5x a fresh build of the same folder; the run history
is capped (``PAPERTRENDS_KEEP_RUNS`` set to 3 here) with no event log file left of a pruned run;
dbt's log stays under its cap.
"""

from __future__ import annotations

import contextlib
import sqlite3

import pytest

from reliability import daemon

pytestmark = pytest.mark.slow

KEEP = 3


@pytest.fixture(scope="module")
def soaked(tmp_path_factory) -> daemon.SoakResult:
    root = tmp_path_factory.mktemp("soak")
    knobs = {"PAPERTRENDS_KEEP_RUNS": str(KEEP), "PAPERTRENDS_DBT_LOG_MB": "1"}
    result = daemon.soak(root, 8, seed=3, pause=(1.0, 4.0), knobs=knobs, wait_seconds=900)
    print(result)
    return result


def test_the_plan_mixes_every_kind_of_save():
    kinds = {s.kind for g in daemon.plan(_fake_source(40), 40, 3) for s in g}
    assert kinds == {"new", "duplicate", "overwrite", "damaged"}


def _fake_source(n: int):
    class Dump:
        def __init__(self, i: int):
            self.name = f"2025-01-{i:02d}.txt"
            self._data = f"dump {i}".encode()

        def read_bytes(self) -> bytes:
            return self._data

    return [Dump(i) for i in range(n)]


@pytest.mark.drill
def test_every_version_lands_once_and_no_run_hangs(soaked):
    assert soaked.missing == [], soaked
    assert soaked.doubled == [], soaked
    assert soaked.unfinished == 0, soaked
    assert soaked.failed_runs == [], soaked
    assert soaked.longest_stall < daemon.STALL_SECONDS, soaked


@pytest.mark.drill
def test_the_warehouse_and_the_histories_stay_bounded(soaked):
    assert soaked.warehouse_bytes <= 1.5 * soaked.fresh_bytes, soaked
    assert sum(soaked.runs.values()) <= KEEP + 2, soaked.runs  # pruned in bites of one
    home = soaked.root / "dagster_home"
    with contextlib.closing(sqlite3.connect(home / "history" / "runs.db")) as db:
        kept = {run_id for (run_id,) in db.execute("select run_id from runs")}
    # one event log per run, named by its id (index.db and .db, of runless events, aside)
    run_dbs = {p.stem for p in (home / "history" / "runs").glob("*.db") if len(p.stem) == 36}
    assert run_dbs <= kept, run_dbs - kept  # no event log file of a pruned run
    last = soaked.sizes[-1]
    assert last["dbt_log"] <= 6 * 1_000_000 + 2_000_000, (
        last
    )  # 1 MB files, 5 kept, one being written


def test_run_history_is_pruned_to_the_newest_runs_with_their_files(tmp_path, monkeypatch):
    import dagster as dg

    from pipelines.defs.runs import prune_run_history
    from pipelines.settings import INSTANCE_TEMPLATE

    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_TEMPLATE.read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    @dg.op
    def say(context):
        print("captured stdout of a step")

    @dg.job
    def small():
        say()

    with dg.DagsterInstance.from_config(str(home)) as instance:
        ids = [small.execute_in_process(instance=instance).run_id for _ in range(12)]
        assert prune_run_history(instance, keep=20) == 0  # under the cap: nothing
        assert prune_run_history(instance, keep=11) == 0  # 1 over: waits for a bite of 2
        protected = ids[0]
        assert prune_run_history(instance, keep=5, protect={protected}) == 6
        left = {r.dagster_run.run_id for r in instance.get_run_records()}
    assert left == {protected, *ids[-5:]}
    run_dbs = {p.stem for p in (home / "history" / "runs").glob("*.db")} - {"index"}
    assert run_dbs <= left  # no event log file of a pruned run
    assert not any((home / "storage" / run_id).exists() for run_id in set(ids) - left)
