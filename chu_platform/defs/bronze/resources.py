"""The ``drop`` resource: where delivered files are listed and fetched from."""

import dagster as dg

from chu_platform.layers.bronze.drop import FtpDrop, LocalDrop
from chu_platform.deploy.settings import configured, configured_int, resolved


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


class DropResource(dg.ConfigurableResource):
    """The delivery drop: an FTP/FTPS server when ``ftp_host`` is set, else the local
    ``landing_dir``. One interface for the sensor, the assets and the tests. ``ftp_tls``:
    ``true``, ``false`` (plain FTP, explicitly), or empty for FTPS to any host but this one."""

    landing_dir: str = ""
    ftp_host: str = ""
    ftp_port: int = 21
    ftp_user: str = "anonymous"
    ftp_password: str = ""
    ftp_tls: str = ""
    ftp_passive: str = "true"
    ftp_root: str = "/"
    ftp_ca_file: str = ""

    def client(self) -> LocalDrop | FtpDrop:
        if not self.ftp_host.strip():
            return LocalDrop(resolved("CHU_LANDING_DIR", self.landing_dir))
        return FtpDrop(
            host=self.ftp_host.strip(), port=self.ftp_port, user=self.ftp_user, password=self.ftp_password,
            tls=tls_required(self.ftp_host, self.ftp_tls), passive=_flag(self.ftp_passive), root=self.ftp_root,
            ca_file=self.ftp_ca_file,
        )


def drop_from_env() -> DropResource:
    return DropResource(
        landing_dir=configured("CHU_LANDING_DIR"),
        ftp_host=configured("CHU_FTP_HOST"),
        ftp_port=configured_int("CHU_FTP_PORT"),
        ftp_user=configured("CHU_FTP_USER"),
        ftp_password=configured("CHU_FTP_PASSWORD"),
        ftp_tls=configured("CHU_FTP_TLS"),
        ftp_passive=configured("CHU_FTP_PASSIVE"),
        ftp_root=configured("CHU_FTP_ROOT"),
        ftp_ca_file=configured("CHU_FTP_CA_FILE"),
    )

