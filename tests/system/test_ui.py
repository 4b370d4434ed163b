"""The real thing: `papertrends ui` (Dagster webserver and daemon) in a temporary DAGSTER_HOME.

GraphQL shows the assets, their checks, the running landing sensor and the daily schedule; a dump
saved into the landing folder reaches marts.papers with no click, and the same bytes saved under
another name add nothing. Waits are bounded; the whole process group is killed afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import isolated_env
from tests.dumpkit import compose_dump, paper

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
LOCATION = "papertrends"
REPOSITORY = "__repository__"
STARTUP_SECONDS = 120
TO_MARTS_SECONDS = 180
RUN_SECONDS = 120

REPO_SELECTOR = f'{{repositoryLocationName: "{LOCATION}", repositoryName: "{REPOSITORY}"}}'
SENSORS_QUERY = f"""{{
  sensorsOrError(repositorySelector: {REPO_SELECTOR}) {{
    __typename
    ... on Sensors {{ results {{ name description sensorState {{ status }} }} }}
    ... on PythonError {{ message }}
  }}
}}"""
SCHEDULES_QUERY = f"""{{
  schedulesOrError(repositorySelector: {REPO_SELECTOR}) {{
    __typename
    ... on Schedules {{
      results {{ name description cronSchedule scheduleState {{ status }} }}
    }}
  }}
}}"""
ASSETS_QUERY = """{
  assetNodes {
    assetKey { path }
    description
    assetChecksOrError { ... on AssetChecks { checks { name description } } }
  }
}"""
RUNS_QUERY = """query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    ... on Runs { results { runId jobName status tags { key value } } }
  }
}"""
METADATA_QUERY = """query Latest($keys: [AssetKeyInput!]) {
  assetNodes(assetKeys: $keys) {
    assetKey { path }
    assetMaterializations(limit: 1) {
      partition
      metadataEntries {
        label
        ... on IntMetadataEntry { intValue }
        ... on MarkdownMetadataEntry { mdStr }
        ... on TextMetadataEntry { text }
        ... on TableMetadataEntry { table { records } }
      }
    }
  }
}"""
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


@dataclass
class Ui:
    """A running `papertrends ui` and the folders it works on."""

    process: subprocess.Popen
    port: int
    env: dict[str, str]
    raw_dir: Path
    log: Path

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/graphql",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = json.loads(response.read())
        assert "errors" not in payload, payload["errors"]
        return payload["data"]

    def sql(self, query: str) -> list[list[str]] | None:
        """Rows of a read-only `papertrends sql --csv` (header dropped); None while the table
        does not exist yet or a writer holds the file."""
        done = subprocess.run(
            [str(BIN / "papertrends"), "sql", query, "--csv"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:  # not there yet, or a writer holds the file: ask again
            assert any(
                reason in done.stderr for reason in ("busy", "no warehouse", "does not exist")
            ), done.stderr
            return None
        lines = done.stdout.strip().splitlines()
        return [line.split(",") for line in lines[1:]]

    def runs(self, **tags: str) -> list[dict]:
        filter_ = {"tags": [{"key": k, "value": v} for k, v in tags.items()]}
        return self.graphql(RUNS_QUERY, {"filter": filter_})["runsOrError"]["results"]

    def latest_metadata(self, *keys: str) -> dict[str, dict[str, object]]:
        """The metadata of each asset's latest materialization, by label ({} if none yet); a
        table's value is its records, the partition is under "partition"."""
        variables = {"keys": [{"path": key.split("/")} for key in keys]}
        nodes = self.graphql(METADATA_QUERY, variables)["assetNodes"]
        return {
            "/".join(node["assetKey"]["path"]): {
                **{
                    entry["label"]: _entry_value(entry)
                    for event in node["assetMaterializations"]
                    for entry in event["metadataEntries"]
                },
                **(
                    {"partition": node["assetMaterializations"][0]["partition"]}
                    if node["assetMaterializations"]
                    and node["assetMaterializations"][0]["partition"]
                    else {}
                ),
            }
            for node in nodes
        }

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _entry_value(entry: dict) -> object:
    if "table" in entry:
        return [json.loads(record) for record in entry["table"]["records"]]
    for field in ("intValue", "mdStr", "text"):
        if field in entry:
            return entry[field]
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(what: str, ui: Ui, seconds: float, probe):
    """Call ``probe`` until it returns something truthy; fail with the log after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            value = probe()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            value = None
        if value:
            return value
        if ui.process.poll() is not None:
            pytest.fail(f"papertrends ui exited ({ui.process.returncode})\n{ui.log_tail()}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} after {seconds:.0f} s\n{ui.log_tail()}")
        time.sleep(1.0)


def _wait_until_loaded(running: Ui) -> None:
    """Until the webserver answers with the code location's sensors."""
    _wait(
        "loaded code location",
        running,
        STARTUP_SECONDS,
        lambda: running.graphql(SENSORS_QUERY)["sensorsOrError"]["__typename"] == "Sensors",
    )


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory):
    """`papertrends ui` on a free port with its own DAGSTER_HOME, landing folder and warehouse."""
    root = tmp_path_factory.mktemp("ui")
    env = isolated_env(root)
    (root / "raw").mkdir()  # a landing folder that is named must exist
    port = _free_port()
    log = root / "ui.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "papertrends"), "ui", "--port", str(port), "--host", "127.0.0.1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            # dagster dev starts the webserver, the daemon and code servers: one group to kill
            start_new_session=True,
        )
    running = Ui(process=process, port=port, env=env, raw_dir=root / "raw", log=log)
    try:
        _wait_until_loaded(running)
        yield running
    finally:
        _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the whole process group (dagster dev shuts its children down, run workers are in
    the group too), give it 30 s, then SIGKILL whatever is left of the group."""
    group = process.pid  # start_new_session: the group id is the leader's pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while _group_alive(group) and time.monotonic() < deadline:
        time.sleep(0.5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    process.wait(timeout=10)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_graphql_shows_assets_checks_sensor_and_schedule(ui: Ui):
    nodes = {
        "/".join(node["assetKey"]["path"]): node for node in ui.graphql(ASSETS_QUERY)["assetNodes"]
    }
    expected = {
        "raw/dumps",
        "raw/sightings",
        "raw/rejects",
        "marts/papers",
        "marts/paper_sightings",
        "marts/paper_topics",
        "marts/topics",
        "marts/topic_trends",
        "marts/rising_topics",
        "marts/term_trends",
        "reports/trend_report",
    }
    assert expected <= nodes.keys()
    undescribed = [key for key, node in nodes.items() if not node["description"]]
    assert not undescribed
    checks = {
        key: [check["name"] for check in node["assetChecksOrError"].get("checks", [])]
        for key, node in nodes.items()
    }
    # raw tables: Great Expectations suites; marts: suites and dbt relationship tests
    for table in ("raw/dumps", "raw/sightings", "marts/papers", "marts/paper_topics"):
        assert "great_expectations" in checks[table], (table, checks[table])
    assert "great_expectations" in checks["marts/topic_trends"]
    assert any(name.startswith("relationships_papers") for name in checks["marts/papers"])
    undescribed = [
        f"{key}:{check['name']}"
        for key, node in nodes.items()
        for check in node["assetChecksOrError"].get("checks", [])
        if not check["description"]
    ]
    assert not undescribed

    sensors = {s["name"]: s for s in ui.graphql(SENSORS_QUERY)["sensorsOrError"]["results"]}
    assert sensors["landing_sensor"]["sensorState"]["status"] == "RUNNING"
    assert sensors["marts_after_ingest_sensor"]["sensorState"]["status"] == "RUNNING"
    assert all(s["description"] for s in sensors.values())

    schedules = ui.graphql(SCHEDULES_QUERY)["schedulesOrError"]["results"]
    daily = {s["name"]: s for s in schedules}["daily_marts_refresh"]
    assert daily["scheduleState"]["status"] == "RUNNING"
    assert daily["cronSchedule"] == "0 6 * * *"
    assert daily["description"]


def test_a_saved_dump_reaches_the_marts_once(ui: Ui):
    text = compose_dump([paper("Zephyrine"), paper("Quorallis"), paper("Vantablume")])
    ui.raw_dir.mkdir(parents=True, exist_ok=True)
    # saved the way a browser does: written under a temporary name, then renamed
    (ui.raw_dir / "daily.txt.part").write_text(text, encoding="utf-8")
    (ui.raw_dir / "daily.txt.part").rename(ui.raw_dir / "daily.txt")

    def papers() -> list[str] | None:
        rows = ui.sql("select title from marts.papers order by title")
        return [row[0] for row in rows] if rows else None

    titles = _wait("papers in marts.papers", ui, TO_MARTS_SECONDS, papers)
    assert [t.split(":")[0] for t in titles] == ["Quorallis", "Vantablume", "Zephyrine"]

    # the marts show up while the run still checks them and draws the report
    def landing_run_finished() -> dict | None:
        runs = ui.runs(**{"papertrends/file": "daily.txt"})
        return runs[0] if len(runs) == 1 and runs[0]["status"] in FINISHED else None

    ingest = _wait("finished run for daily.txt", ui, RUN_SECONDS, landing_run_finished)
    assert ingest["status"] == "SUCCESS", ui.log_tail()
    # one run from the saved file to the marts, over the file's listing month
    assert ingest["jobName"] == "ingest_and_build"
    tags = {tag["key"]: tag["value"] for tag in ingest["tags"]}
    assert tags["dagster/sensor_name"] == "landing_sensor"
    month = tags["dagster/asset_partition_range_start"]
    assert month == tags["dagster/asset_partition_range_end"] and month.endswith("-08")
    # the ingestion's metadata: totals, new rows, the run's files with listing dates, a preview
    raw_metadata = ui.latest_metadata("raw/dumps", "raw/sightings")
    assert raw_metadata["raw/dumps"]["rows_total"] == 1
    assert raw_metadata["raw/dumps"]["partition"] == month
    (row,) = raw_metadata["raw/dumps"]["dumps_in_run"]
    assert (row["file"], row["status"], row["listings"]) == ("daily.txt", "loaded", 3)
    assert row["listing_date"] == f"{month}-25" and row["month"] == month
    assert raw_metadata["raw/sightings"]["new_rows"] == 3
    assert any("Zephyrine" in row["title"] for row in raw_metadata["raw/sightings"]["new_listings"])

    # the same bytes under another name: recorded as a duplicate, nothing added
    shutil.copyfile(ui.raw_dir / "daily.txt", ui.raw_dir / "daily (copy).txt")

    def duplicate_run_finished() -> dict | None:
        runs = ui.runs(**{"papertrends/file": "daily (copy).txt"})
        return runs[0] if runs and runs[0]["status"] in FINISHED else None

    run = _wait("finished run for the copy", ui, RUN_SECONDS, duplicate_run_finished)
    assert run["status"] == "SUCCESS", ui.log_tail()
    dumps = _wait(
        "raw.dumps",
        ui,
        RUN_SECONDS,
        lambda: ui.sql(
            "select file_name, status, n_sightings, "
            "duplicate_of = (select dump_id from raw.dumps where file_name = 'daily.txt') "
            "from raw.dumps order by file_name"
        ),
    )
    assert dumps == [
        ["daily (copy).txt", "duplicate", "0", "true"],
        ["daily.txt", "loaded", "3", ""],
    ]
    counts = _wait(
        "counts",
        ui,
        RUN_SECONDS,
        lambda: ui.sql(
            "select (select count(*) from marts.papers), (select count(*) from raw.sightings)"
        ),
    )
    assert counts == [["3", "3"]]
    # each file version was ingested by exactly one run
    assert len(ui.runs(**{"papertrends/file": "daily.txt"})) == 1

    # the copy's ingestion shows it as a duplicate; the marts show their rows and a preview
    def metadata_in():
        found = ui.latest_metadata("raw/dumps", "marts/papers")
        return found if all(found.values()) else None

    metadata = _wait("materialization metadata", ui, RUN_SECONDS, metadata_in)
    assert metadata["raw/dumps"]["rows_total"] == 2
    (row,) = metadata["raw/dumps"]["dumps_in_run"]
    assert (row["file"], row["status"]) == ("daily (copy).txt", "duplicate")
    # the landing runs built the marts themselves: no follow-up build was needed
    assert {run["jobName"] for run in ui.runs()} == {"ingest_and_build"}
    assert metadata["marts/papers"]["dagster/row_count"] == 3
    assert any("Zephyrine" in row["title"] for row in metadata["marts/papers"]["preview"])


def _descendants(root: int) -> dict[int, str]:
    """Every living descendant of ``root``: pid -> its start time (to tell a reused pid)."""
    children: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        starts[int(entry.name)] = fields[19]
    found, todo = {}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = starts[child]
            todo.append(child)
    return found


def _alive(pid: int, start: str) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[19] == start and fields[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_ui_stops_with_all_its_children_on_term_and_int(tmp_path, signum):
    env = isolated_env(tmp_path)
    (tmp_path / "raw").mkdir()
    port = _free_port()
    log = tmp_path / "ui.log"
    with log.open("wb") as out:
        # as a script's `papertrends ui &` starts it: SIGINT ignored, its own process group
        process = subprocess.Popen(
            [str(BIN / "papertrends"), "ui", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
    running = Ui(process=process, port=port, env=env, raw_dir=tmp_path / "raw", log=log)
    try:
        _wait_until_loaded(running)
        started = _descendants(process.pid)
        assert len(started) >= 3, started  # dagster dev, its webserver and daemon (and more)
        process.send_signal(signum)  # to papertrends alone, as `kill %1` does
        assert process.wait(timeout=90) == 0, running.log_tail()
        left = {pid for pid, start in started.items() if _alive(pid, start)}
        assert not left, f"still running: {left}\n{running.log_tail()}"
        text = log.read_text()
        assert "papertrends ui: stopped" in text
        # no avoidable start-up warnings: dagster.yaml in the start folder, `dg dev` supersession
        assert "WARNING" not in text and "Warning" not in text, text
    finally:
        if process.poll() is None:
            _stop(process)
        for pid, start in _descendants(process.pid).items():
            if _alive(pid, start):
                os.kill(pid, signal.SIGKILL)
