"""Who may read what the platform writes: its owner only, except what it publishes (the BI
warehouse, the export folder).

Every entry point calls ``restrict()`` before it writes: the ``chu`` command first thing, a run
worker or code server when it sets up the platform's resources (``defs/resources.py``,
``OwnerOnly``), the daemon and webserver when they open the kept-open instance storage
(``lib/instance_storage.py``); never an import. Every file and folder the process creates from
then on, whichever library writes it (deltalake's Rust writer, DuckDB, SQLite, Polars), is born
owner-only: folders 0700, files 0600. The umask is inherited by the processes these start
(``chu ui`` → ``dagster dev``'s children, run workers).

BI tools run as another OS user. When ``CHU_BI_GROUP`` names an OS group, the data folder
lets that group through (0710: no listing) and the published warehouse, only it, becomes
group-readable (0640), with the export folder of the same published marts (0750, its files
0640); without it nothing is readable by anyone but the owner.
"""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

OWNER_ONLY_UMASK = 0o077
BI_GROUP = "CHU_BI_GROUP"


def restrict() -> None:
    """Files and folders created from now on by this process and its children are owner-only."""
    os.umask(OWNER_ONLY_UMASK)


def bi_group(environ: dict[str, str] | None = None) -> int | None:
    """The gid of ``CHU_BI_GROUP``, or ``None`` when BI tools are not given access."""
    env = os.environ if environ is None else environ
    name = env.get(BI_GROUP, "").strip()
    if not name:
        return None
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise ValueError(f"{BI_GROUP}={name!r} is not an OS group: create it (groupadd {name}) or unset {BI_GROUP}") from None


def secure_data_dir(data_dir: str | Path, environ: dict[str, str] | None = None) -> Path:
    """Create the data folder owner-only, and take back a folder an older version (or a tool)
    left open: with it closed, nothing below is reachable by another user whatever its mode."""
    path = Path(data_dir)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid != os.geteuid():
        return path
    gid = bi_group(environ)
    if gid is None:
        path.chmod(0o700)
    else:
        os.chown(path, -1, gid)
        path.chmod(0o710)
    return path


def publish_file(path: str | Path, environ: dict[str, str] | None = None) -> None:
    """The published warehouse: readable by the BI group when there is one, else owner-only."""
    gid = bi_group(environ)
    if gid is None:
        os.chmod(path, 0o600)
    else:
        os.chown(path, -1, gid)
        os.chmod(path, 0o640)


def publish_dir(path: str | Path, environ: dict[str, str] | None = None) -> Path:
    """A folder holding only published files (``chu export``'s): owner-only, or listable by the
    BI group when there is one, its files then given ``publish_file``'s mode."""
    folder = Path(path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    gid = bi_group(environ)
    if gid is None:
        folder.chmod(0o700)
    else:
        os.chown(folder, -1, gid)
        folder.chmod(0o750)
    return folder


def open_to_others(root: str | Path) -> list[tuple[Path, str]]:
    """Every file or folder under ``root`` (itself included) that grants anything to group or others."""
    found = []
    for folder, dirs, files in os.walk(root):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            mode = os.lstat(name).st_mode
            if not stat.S_ISLNK(mode) and mode & 0o077:
                found.append((Path(name), stat.filemode(mode)))
    return sorted(set(found))


def readers(path: str | Path) -> str:
    """Who may read a file, in words, for materialisation metadata."""
    info = os.stat(path)
    if not info.st_mode & 0o077:
        return "owner only"
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group = str(info.st_gid)
    others = " and every user" if info.st_mode & 0o004 else ""
    return f"owner and group {group}{others}"
