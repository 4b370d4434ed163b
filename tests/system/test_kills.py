"""kill -9 during every stage after ingestion (issue 23 item 2), the short version: one kill of
each stage at a moment drawn at random (the seed is printed), on a small scene. The long version
(many kills per stage, figures into RELIABILITY.md) is ``make soak``; both use
``reliability.kills``. ``make test`` runs the kill inside ``dbt build`` (the one that can tear a
mart); the kills of the check, report and export commands are drills (``make drills``).

Each kill takes down the whole process group (the command and the dbt or GX work it started).
Checked: the raw layer keeps its invariants; right after a kill inside ``dbt build`` every mart
is whole, either as before the build or as a clean build leaves it (never a torn table), and so
it is for a reader polling during the build; the next command completes and every mart (and
export file) equals a clean run's; no half-written page, package or Parquet file is left under
its own name, and no temporary file is left behind once the next command finished.
"""

from __future__ import annotations

import random
import shutil

import pytest

from reliability import kills

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    built = kills.prepare(tmp_path_factory.mktemp("kills"), n_base=3, n_new=1, seed=17)
    yield built
    shutil.rmtree(built.root, ignore_errors=True)


def _rng(stage: str) -> random.Random:
    seed = random.randrange(1_000_000)
    print(f"kill moment of {stage} drawn with seed {seed}")
    return random.Random(seed)


def test_kill_inside_dbt_build_leaves_whole_marts_and_the_next_run_completes(scene):
    trial = kills.trial_dbt(scene, _rng("dbt"), 0)
    print(trial)
    assert trial.after in ("old", "new", "mixed"), trial  # each mart whole, old or new
    assert "torn" not in trial.reads, trial.reads  # so for the reader during the build
    assert trial.recovered, trial.detail


@pytest.mark.drill
@pytest.mark.parametrize("stage", ["checks", "report", "export"])
def test_kill_of_checks_report_or_export_then_the_same_command_completes(scene, stage):
    trial = kills.trial_command(scene, stage, _rng(stage), scene.root / f"{stage}-state")
    print(trial)
    assert trial.after in ("-", "none", "whole", "partial (files whole, no package yet)"), trial
    assert trial.recovered, trial.detail
