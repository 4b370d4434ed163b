"""The batched SQLite event log stores what Dagster's own SQLite storage stores, in batches."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml

from pipelines import event_log
from pipelines.event_log import BatchedSqliteEventLogStorage, apply_batch_env
from pipelines.settings import INSTANCE_TEMPLATE

KEYS = [f"2026-11-{day:02d}.txt" for day in range(1, 25)]
parts = dg.StaticPartitionsDefinition(KEYS)
A = dg.AssetKey(["raw", "a"])
B = dg.AssetKey(["raw", "b"])


@dg.multi_asset(
    specs=[dg.AssetSpec(A), dg.AssetSpec(B)],
    partitions_def=parts,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def two_tables(context):
    n = len(context.partition_keys)
    version = dg.DataVersion(f"v{n}")  # an indexed tag on each materialization
    yield dg.MaterializeResult(
        asset_key=A, metadata={"files_in_run": n, "preview": "x" * 500}, data_version=version
    )
    yield dg.MaterializeResult(asset_key=B, metadata={"files_in_run": n}, data_version=version)


job = dg.define_asset_job("two_tables_job", selection=[two_tables], partitions_def=parts)
defs = dg.Definitions(assets=[two_tables], jobs=[job])


def _run_range(instance: dg.DagsterInstance, first: str, last: str) -> str:
    result = defs.resolve_job_def("two_tables_job").execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
        },
    )
    assert result.success
    return result.run_id


def _stored(instance: dg.DagsterInstance, run_ids: list[str]) -> dict:
    """Everything the UI reads about the assets, with run ids replaced by their order."""
    order = {run_id: i for i, run_id in enumerate(run_ids)}
    out: dict = {}
    for key in (A, B):
        latest = instance.get_latest_materialization_event(key)
        records = instance.fetch_materializations(key, limit=1000).records
        out[key.to_user_string()] = {
            "partitions": sorted(instance.get_materialized_partitions(key)),
            "latest_run": order[latest.run_id],
            "latest_partition": latest.dagster_event.partition,
            "latest_metadata": latest.asset_materialization.metadata,
            "materializations": sorted((order[r.run_id], r.partition_key) for r in records),
            "asset_row": _asset_row(instance, key, order),
            "tags": sorted(
                tuple(sorted(tags.items()))
                for tags in instance.event_log_storage.get_event_tags_for_asset(key)
            ),
        }
    for run_id in run_ids:
        events = instance.all_logs(run_id)
        out[f"run {order[run_id]}"] = sorted(
            (
                e.dagster_event_type.value,
                e.dagster_event.partition or "",
                e.dagster_event.asset_key.to_user_string(),
            )
            for e in events
            if e.is_dagster_event and e.dagster_event.asset_key is not None
        )
    return out


def _asset_row(instance: dg.DagsterInstance, key: dg.AssetKey, order: dict) -> tuple:
    entry = instance.get_asset_records([key])[0].asset_entry
    last = entry.last_materialization_record
    return (order[entry.last_run_id], last.storage_id, last.partition_key)


def _history(instance: dg.DagsterInstance) -> dict:
    runs = [_run_range(instance, KEYS[0], KEYS[9]), _run_range(instance, KEYS[5], KEYS[-1])]
    return _stored(instance, runs)


@pytest.fixture
def batching(monkeypatch) -> list[int]:
    """Batching on (as papertrends sets it); returns the sizes of the batches written."""
    for name in event_log.BATCH_ENV:
        monkeypatch.delenv(name, raising=False)
    apply_batch_env()
    monkeypatch.setenv(event_log.BATCH_SIZE_ENV, "7")  # several batches per run, one partial
    sizes: list[int] = []
    original = BatchedSqliteEventLogStorage.store_event_batch

    def spy(self, events):
        sizes.append(len(events))
        return original(self, events)

    monkeypatch.setattr(BatchedSqliteEventLogStorage, "store_event_batch", spy)
    return sizes


def test_batched_storage_stores_what_the_stock_sqlite_storage_stores(tmp_path: Path, batching):
    (tmp_path / "stock").mkdir()
    (tmp_path / "batched").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "stock")) as stock:
        assert type(stock.event_log_storage).__name__ == "SqliteEventLogStorage"
        expected = _history(stock)
    overrides = {
        "event_log_storage": {
            "module": "pipelines.event_log",
            "class": "BatchedSqliteEventLogStorage",
            "config": {"base_dir": str(tmp_path / "batched" / "history" / "runs")},
        }
    }
    with dg.instance_for_test(temp_dir=str(tmp_path / "batched"), overrides=overrides) as batched:
        assert isinstance(batched.event_log_storage, BatchedSqliteEventLogStorage)
        assert _history(batched) == expected
    # 10 + 19 partitions x 2 assets, in batches of at most 7 (planned events: one per asset)
    assert batching and max(batching) == 7 and sum(batching) >= 58


def test_the_instance_template_selects_the_batched_storage_under_dagster_home(
    tmp_path: Path, monkeypatch
):
    config = yaml.safe_load(INSTANCE_TEMPLATE.read_text())["event_log_storage"]
    assert config == {"module": "pipelines.event_log", "class": "BatchedSqliteEventLogStorage"}
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    storage = BatchedSqliteEventLogStorage.from_config_value(None, {})
    # Dagster's default place for event logs: an instance switched over keeps its history
    assert Path(storage._base_dir) == tmp_path / "history" / "runs"


@pytest.mark.parametrize(("setting", "level"), [("full", 2), ("off", 0)])
def test_synchronous_is_applied_to_every_connection(tmp_path: Path, setting: str, level: int):
    storage = BatchedSqliteEventLogStorage.from_config_value(
        None, {"base_dir": str(tmp_path), "synchronous": setting}
    )
    with storage.index_connection() as conn:
        assert conn.exec_driver_sql("pragma synchronous").scalar() == level
    with storage.run_connection("some-run") as conn:
        assert conn.exec_driver_sql("pragma synchronous").scalar() == level


def test_an_unknown_synchronous_level_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="synchronous must be one of"):
        BatchedSqliteEventLogStorage(str(tmp_path), synchronous="sometimes")


def test_without_dagster_home_or_base_dir_the_storage_says_what_it_needs(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with pytest.raises(ValueError, match=r"set DAGSTER_HOME, or base_dir in dagster.yaml"):
        BatchedSqliteEventLogStorage.from_config_value(None, {})
