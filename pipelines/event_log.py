"""Dagster's SQLite event log, writing a batch of asset events in one transaction per database.

A single-run backfill over N dump partitions makes Dagster emit one materialization event per
partition and asset. The stock ``SqliteEventLogStorage`` stores each event on its own: a new
SQLite engine, a transaction and an fsync for the run's database, then the same again for the
cross-run index (about 30 ms an event here, 105 s for 1,000 dumps). Dagster already hands such
events over in batches when ``DAGSTER_EVENT_BATCH_SIZE`` is set, but the SQLite storage then
loops over them one by one; this subclass writes a batch in one transaction per database.

Rows written are exactly the stock ones (same tables, same values, same order); the asset key
table, where every event overwrites the previous one's columns, gets the last event of each kind
per asset, which leaves it as event-by-event writing would. ``dagster.yaml`` selects this class.

Its ``synchronous`` setting (SQLite's pragma, default ``full`` as in Dagster) can turn off the
sync to disk at each commit, for runs that store many single events (a dbt build, checks).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from dagster._config import Field, StringSource
from dagster._core.event_api import EventLogEntry
from dagster._core.events import ASSET_EVENTS
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData

# Events per batch (Dagster reads it at each event). Set by ``apply_batch_env``.
BATCH_SIZE_ENV = "DAGSTER_EVENT_BATCH_SIZE"
# One planned event per asset for a partition range instead of one per partition.
PLANNED_SUBSET_ENV = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
BATCH_ENV = {BATCH_SIZE_ENV: "2000", PLANNED_SUBSET_ENV: "true"}
# SQLite's own levels: "full" (Dagster's default) syncs every commit to disk
SYNCHRONOUS = ("off", "normal", "full", "extra")
# Engines kept (one per run database and the index): the rest are disposed, least recent first
MAX_ENGINES = 16


def apply_batch_env(environ: os._Environ | dict = os.environ) -> None:
    """Turn Dagster's event batching on in this process and the processes it starts (kept when
    the user set the variables already)."""
    for name, value in BATCH_ENV.items():
        environ.setdefault(name, value)


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` with a ``store_event_batch`` that writes a batch of asset events
    in one transaction on the run's database and one on the index database.

    ``base_dir`` defaults to Dagster's own place for event logs, ``$DAGSTER_HOME/history/runs``,
    so an instance switched to this class keeps its history."""

    def __init__(
        self,
        base_dir: str | None = None,
        synchronous: str = "full",
        inst_data: ConfigurableClassData | None = None,
    ):
        if base_dir is None:
            home = os.environ.get("DAGSTER_HOME")
            if not home:
                raise ValueError(
                    "BatchedSqliteEventLogStorage keeps its files under $DAGSTER_HOME/history/runs:"
                    " set DAGSTER_HOME, or base_dir in dagster.yaml"
                )
            base_dir = os.path.join(home, "history", "runs", "")
        if synchronous.lower() not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}")
        self._synchronous = synchronous.lower()
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def config_type(cls):
        return {
            "base_dir": Field(StringSource, is_required=False),
            "synchronous": Field(StringSource, is_required=False, default_value="full"),
        }

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        """The stock connection (one transaction), on an engine kept per database instead of
        one created and disposed for every statement, with the configured ``synchronous``."""
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _engine(self, shard: str) -> sa.Engine:
        """The shard's engine (called under ``_db_lock``, like every connection)."""
        engine = self._engines.pop(shard, None)
        if engine is None:
            engine = sa.create_engine(
                self.conn_string_for_shard(shard),
                poolclass=sa.pool.NullPool,  # no connection outlives its transaction
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            sa.event.listen(engine, "connect", self._on_connect)
        self._engines[shard] = engine  # most recently used last
        while len(self._engines) > MAX_ENGINES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def _on_connect(self, dbapi_connection, _record) -> None:
        dbapi_connection.execute(f"pragma synchronous = {self._synchronous}")

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping
    ) -> BatchedSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        runs = {event.run_id for event in events}
        if len(runs) != 1 or not all(_is_asset_event(event) for event in events):
            super().store_event_batch(events)  # the stock path, one event at a time
            return
        rows = [self._event_to_row(event) for event in events]  # serialised once, not twice
        insert = SqlEventLogStorageTable.insert()  # compiled once, rows passed as parameters
        with self.run_connection(runs.pop()) as conn:
            conn.execute(insert, rows)
        with self.index_transaction() as conn:
            # one by one: each row's id is needed for its tags and the asset's row
            event_ids = [conn.execute(insert, row).inserted_primary_key[0] for row in rows]
            self._store_asset_event_tags(conn, events, event_ids)
            for index in _last_of_each_kind(events):
                self._store_asset_event(conn, events[index], event_ids[index])


def _is_asset_event(event: EventLogEntry) -> bool:
    return (
        event.is_dagster_event
        and event.dagster_event_type in ASSET_EVENTS
        and event.get_dagster_event().asset_key is not None
    )


def _last_of_each_kind(events: Sequence[EventLogEntry]) -> list[int]:
    """Indexes, in order, of the last event of each (asset key, event type).

    Each event type writes a fixed set of the asset key row's columns, so replaying only these
    events leaves every column with the value of the last event that writes it."""
    last: dict[tuple, int] = {}
    for index, event in enumerate(events):
        dagster_event = event.get_dagster_event()
        last[(dagster_event.asset_key, dagster_event.event_type_value)] = index
    return sorted(last.values())
