"""Where source files are delivered: a local directory or an FTP/FTPS server.

Both clients list files as (path relative to the drop root, size, modification time) and
fetch one file to a local path, so the sensor, the raw zone and the tests work the same
over either.
"""

from __future__ import annotations

import ftplib
import os
import shutil
import ssl
from calendar import timegm
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from time import strptime

# Names an uploader uses while a transfer is in flight: never a delivered file.
IN_FLIGHT_SUFFIXES = (".part", ".tmp", ".filepart", ".crdownload")
# The settle rule, one for the sensor and for every run that lands files (``chu run``,
# ``chu backfill``, the UI): a file is complete once it has kept its size and modification
# time for this long (CHU_SETTLE_SECONDS; this is its default) — by our clock for a local
# drop (its mtime is that old), by two listings this far apart for an FTP server, whose
# clock is not ours.
SETTLE_SECONDS = 5.0


@dataclass(frozen=True)
class DropFile:
    path: str
    size: int
    mtime: float


def in_flight(name: str) -> bool:
    return name.startswith(".") or name.lower().endswith(IN_FLIGHT_SUFFIXES)


def quiet(drop: "Drop", file: DropFile, now: float, settle_seconds: float = SETTLE_SECONDS) -> bool:
    """Settled by the drop's modification time alone: only a local drop's clock is ours."""
    return isinstance(drop, LocalDrop) and now - file.mtime >= settle_seconds


class DropRefused(RuntimeError):
    """The server refused the credentials: retrying cannot help, the configuration must change."""


class DropUnavailable(RuntimeError):
    """The drop could not be listed or read for a reason that may pass (a refused or dropped
    connection, a 4xx reply such as ``421``): the assets retry, the sensor waits a tick."""


@contextmanager
def _atomic_write(dest: Path) -> Iterator[Path]:
    """A hidden ``.partial`` beside ``dest`` to write into, renamed onto ``dest`` when complete
    and removed when the transfer fails, so an interrupted download leaves nothing behind."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    try:
        yield partial
        partial.replace(dest)
    finally:
        partial.unlink(missing_ok=True)


class LocalDrop:
    """A directory tree on this machine (the demo's landing folder)."""

    def __init__(self, path: str | Path):
        self.root = Path(path).resolve()

    @property
    def origin(self) -> str:
        return f"file://{self.root}"

    def list_files(self) -> list[DropFile]:
        if not self.root.is_dir():
            return []
        files = []
        for path in sorted(self.root.rglob("*")):
            relative = path.relative_to(self.root)
            if path.is_file() and not any(in_flight(p) for p in relative.parts):
                stat = path.stat()
                files.append(DropFile(relative.as_posix(), stat.st_size, stat.st_mtime))
        return files

    def fetch(self, path: str, dest: Path) -> None:
        with _atomic_write(dest) as partial:
            shutil.copyfile(self.root / path, partial)

    def read_bytes(self, path: str) -> bytes:
        return (self.root / path).read_bytes()

    def stat(self, path: str) -> DropFile | None:
        """The file as the drop shows it now (``None`` once it is gone)."""
        try:
            stat = (self.root / path).stat()
        except FileNotFoundError:
            return None
        return DropFile(path, stat.st_size, stat.st_mtime)


def _mlsd_time(value: str) -> float:
    return float(timegm(strptime(value[:14], "%Y%m%d%H%M%S")))


class FtpDrop:
    """An FTP server through ``ftplib``; FTPS (explicit TLS, protected data channel) when
    ``tls``. Listing uses MLSD, or NLST + SIZE + MDTM on servers without it."""

    def __init__(
        self, host: str, port: int = 21, user: str = "anonymous", password: str = "",
        tls: bool = False, passive: bool = True, root: str = "/", ca_file: str = "", timeout: float = 30.0,
    ):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.tls, self.passive, self.root, self.ca_file, self.timeout = tls, passive, root or "/", ca_file, timeout

    @property
    def origin(self) -> str:
        scheme = "ftps" if self.tls else "ftp"
        return f"{scheme}://{self.user}@{self.host}:{self.port}{PurePosixPath('/', self.root)}"

    @contextmanager
    def connect(self, doing: str = "connecting") -> Iterator[ftplib.FTP]:
        """A logged-in session; a failure that may pass becomes ``DropUnavailable`` naming the
        server and what was being done (``doing``)."""
        if self.tls:
            context = ssl.create_default_context(cafile=self.ca_file or None)
            ftp: ftplib.FTP = ftplib.FTP_TLS(context=context, timeout=self.timeout)
        else:
            ftp = ftplib.FTP(timeout=self.timeout)
        try:
            try:
                ftp.connect(self.host, self.port)
            except OSError as error:
                raise DropUnavailable(
                    f"FTP server {self.host}:{self.port} unreachable ({error.strerror or error}): check "
                    "CHU_FTP_HOST and CHU_FTP_PORT, and that the server is up and reachable from this machine."
                ) from error
            try:
                ftp.login(self.user, self.password)
            except ftplib.error_perm as error:
                raise DropRefused(
                    f"FTP server {self.host}:{self.port} refused the login of user {self.user!r} ({error}): "
                    "check CHU_FTP_USER and CHU_FTP_PASSWORD."
                ) from error
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()
            ftp.set_pasv(self.passive)
            ftp.voidcmd("TYPE I")
            yield ftp
        except (ftplib.error_temp, EOFError, OSError) as error:
            if isinstance(error, DropUnavailable):
                raise
            detail = str(error).strip() or type(error).__name__
            raise DropUnavailable(
                f"FTP server {self.host}:{self.port} failed while {doing} ({detail}); "
                "a transient fault: the run retries it."
            ) from error
        finally:
            if ftp.sock is not None:
                try:
                    ftp.quit()
                except (OSError, EOFError, ftplib.Error):
                    ftp.close()

    def _remote(self, path: str) -> str:
        return str(PurePosixPath("/", self.root, path))

    def _walk_mlsd(self, ftp: ftplib.FTP, directory: str, prefix: str) -> list[DropFile]:
        files = []
        for name, facts in ftp.mlsd(directory, facts=["type", "size", "modify"]):
            kind = facts.get("type", "")
            if name in (".", "..") or kind in ("cdir", "pdir") or in_flight(name):
                continue
            relative = f"{prefix}{name}"
            if kind == "dir":
                files.extend(self._walk_mlsd(ftp, f"{directory.rstrip('/')}/{name}", relative + "/"))
            elif kind == "file":
                files.append(DropFile(relative, int(facts.get("size", 0)), _mlsd_time(facts.get("modify", "19700101000000"))))
        return files

    def _walk_nlst(self, ftp: ftplib.FTP, directory: str, prefix: str) -> list[DropFile]:
        entries = ftp.nlst(directory)
        # NLST switched the session to ASCII, in which servers refuse SIZE.
        ftp.voidcmd("TYPE I")
        files = []
        for entry in entries:
            name = PurePosixPath(entry).name
            if name in (".", "..") or in_flight(name):
                continue
            remote = f"{directory.rstrip('/')}/{name}"
            relative = f"{prefix}{name}"
            try:
                ftp.cwd(remote)
            except ftplib.error_perm:
                stamp = ftp.voidcmd(f"MDTM {remote}").split()[-1]
                files.append(DropFile(relative, int(ftp.size(remote) or 0), _mlsd_time(stamp)))
            else:
                files.extend(self._walk_nlst(ftp, remote, relative + "/"))
        return files

    def list_files(self, use_mlsd: bool = True) -> list[DropFile]:
        root = self._remote("")
        with self.connect(f"listing {root}") as ftp:
            if use_mlsd:
                try:
                    return sorted(self._walk_mlsd(ftp, root, ""), key=lambda f: f.path)
                except ftplib.error_perm:
                    pass
            return sorted(self._walk_nlst(ftp, root, ""), key=lambda f: f.path)

    def fetch(self, path: str, dest: Path) -> None:
        with (_atomic_write(dest) as partial, self.connect(f"downloading {self._remote(path)}") as ftp,
              open(partial, "wb") as handle):
            ftp.retrbinary(f"RETR {self._remote(path)}", handle.write)

    def stat(self, path: str) -> DropFile | None:
        """The file as the server shows it now (SIZE and MDTM; ``None`` once it is gone)."""
        remote = self._remote(path)
        with self.connect(f"checking {remote}") as ftp:
            try:
                size = ftp.size(remote)
                stamp = ftp.voidcmd(f"MDTM {remote}").split()[-1]
            except ftplib.error_perm:
                return None
        return DropFile(path, int(size or 0), _mlsd_time(stamp))

    def read_bytes(self, path: str) -> bytes:
        chunks: list[bytes] = []
        with self.connect(f"reading {self._remote(path)}") as ftp:
            ftp.retrbinary(f"RETR {self._remote(path)}", chunks.append)
        return b"".join(chunks)


Drop = LocalDrop | FtpDrop
