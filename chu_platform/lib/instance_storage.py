"""The embedded Dagster instance storage: Dagster's SQLite storage, with the event log kept open.

Dagster's ``SqliteEventLogStorage`` builds a SQLAlchemy engine, opens a connection, commits
and closes it again for every event it stores (a step start, an output, each asset check
result...). Profiling ``chu run`` at scale 1 put ~30 % of all sampled time there: engine
creation, statement compilation (its cache lives on the engine), the commit's fsync of the
write-ahead log, and the checkpoint SQLite runs when the last connection to a database
closes.

``KeptOpenSqliteEventLogStorage`` writes the same files with the same schema and the same
locking; it only keeps one engine per database file (the run's shard, the index), with its
connections pooled, and sets ``synchronous=NORMAL``, SQLite's recommended setting for the
write-ahead log Dagster already uses: a commit survives a crash of the process; only a
power cut may lose the last events, never corrupt the file. The production instance
(dagster-postgres) is not concerned.

It also remembers which of the index's tables exist: Dagster asks before storing each asset
check result (``supports_asset_checks``) and each materialisation, and its ``has_table``
builds a new engine and connection for every question (1,679 of them, about 2 s of a
scale-0.05 ``chu run``). A table, once there, stays (Dagster's migrations add tables, none
drops one outside ``wipe``); a table not there yet is asked about again.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from chu_platform.lib.dagster_private import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    ConfigurableClassData,
    DagsterSqliteStorage,
    SqliteEventLogStorage,
    SqliteRunStorage,
    SqliteScheduleStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)

from chu_platform.lib import permissions

# Engines kept per process: the index and the shards of the runs this process writes now.
MAX_OPEN_SHARDS = 8


def _on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` keeping an engine (and its connection pool) per shard."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, sa.engine.Engine] = OrderedDict()
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptOpenSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.engine.Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = sa.create_engine(self.conn_string_for_shard(shard),
                                      connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            sa.event.listen(engine, "connect", _on_connect)
            self._engines[shard] = engine
            while len(self._engines) > MAX_OPEN_SHARDS:
                self._engines.popitem(last=False)[1].dispose()
        else:
            self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.engine.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn

    def has_table(self, table_name: str) -> bool:
        if table_name in self._tables_present:
            return True
        present = super().has_table(table_name)
        if present:
            self._tables_present.add(table_name)
        return present

    def _close_all(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        # Shard files are deleted: no connection may stay open on them, no table is known.
        self._close_all()
        self._tables_present.clear()
        super().wipe()

    def dispose(self) -> None:
        self._close_all()
        super().dispose()


class ChuSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage (same directories under ``base_dir``) with the kept-open event log."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        # The daemon and the webserver open this storage from dagster.yaml without the
        # definitions: from then on the instance's files (run and event databases, logs) are
        # owner-only too. Done when the storage is opened, not when its module is imported.
        permissions.restrict()
        self.base_dir = base_dir
        self._run_storage = SqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = KeptOpenSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> ChuSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
