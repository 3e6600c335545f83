"""The ``drop`` resource: where delivered files are listed and fetched from."""

import dagster as dg
from pydantic import Field

from chu_platform.layers.bronze.drop import FtpDrop, LocalDrop
from chu_platform.deploy.settings import resolved
from chu_platform.defs.resources import OwnerOnly, from_variable


LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def tls_required(host: str, setting: str) -> bool:
    """FTPS unless ``CHU_FTP_TLS`` says otherwise: left empty, a server on another machine gets
    TLS (credentials and health data never cross a network in clear) and one on this machine
    (a test server, an SSH tunnel's end) does not."""
    if setting.strip():
        return _flag(setting)
    return host.strip().lower() not in LOOPBACK


class DropResource(OwnerOnly, dg.ConfigurableResource):
    """The delivery drop: an FTP/FTPS server when ``ftp_host`` is set, else the local
    ``landing_dir``. One interface for the sensor, the assets and the tests. ``ftp_tls``:
    ``true``, ``false`` (plain FTP, explicitly), or empty for FTPS to any host but this one.
    Every field left empty (``ftp_port`` 0) reads its variable when the drop is used
    (``defs/resources.py``)."""

    landing_dir: str = from_variable("CHU_LANDING_DIR")
    ftp_host: str = from_variable("CHU_FTP_HOST")
    ftp_port: int = Field(default=0, description="0: the environment variable CHU_FTP_PORT when the resource is "
                                                 "used, else 21 (docs/configuration.md).")
    ftp_user: str = from_variable("CHU_FTP_USER")
    ftp_password: str = from_variable("CHU_FTP_PASSWORD")
    ftp_tls: str = from_variable("CHU_FTP_TLS")
    ftp_passive: str = from_variable("CHU_FTP_PASSIVE")
    ftp_root: str = from_variable("CHU_FTP_ROOT")
    ftp_ca_file: str = from_variable("CHU_FTP_CA_FILE")

    def client(self) -> LocalDrop | FtpDrop:
        host = resolved("CHU_FTP_HOST", self.ftp_host).strip()
        if not host:
            return LocalDrop(resolved("CHU_LANDING_DIR", self.landing_dir))
        port = resolved("CHU_FTP_PORT", str(self.ftp_port or ""))
        try:
            number = int(port)
        except ValueError:
            raise ValueError(f"CHU_FTP_PORT: {port!r} is not a port number, e.g. 21") from None
        return FtpDrop(
            host=host, port=number, user=resolved("CHU_FTP_USER", self.ftp_user),
            password=resolved("CHU_FTP_PASSWORD", self.ftp_password),
            tls=tls_required(host, resolved("CHU_FTP_TLS", self.ftp_tls)),
            passive=_flag(resolved("CHU_FTP_PASSIVE", self.ftp_passive)), root=resolved("CHU_FTP_ROOT", self.ftp_root),
            ca_file=resolved("CHU_FTP_CA_FILE", self.ftp_ca_file),
        )

