"""The ``drop`` resource: where delivered files are listed and fetched from."""

import dagster as dg

from chu_platform.bronze.drop import FtpDrop, LocalDrop


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


class DropResource(dg.ConfigurableResource):
    """The delivery drop: an FTP/FTPS server when ``ftp_host`` is set, else the local
    ``landing_dir``. One interface for the sensor, the assets and the tests."""

    landing_dir: str = "data/landing"
    ftp_host: str = ""
    ftp_port: int = 21
    ftp_user: str = "anonymous"
    ftp_password: str = ""
    ftp_tls: str = "false"
    ftp_passive: str = "true"
    ftp_root: str = "/"
    ftp_ca_file: str = ""

    def client(self) -> LocalDrop | FtpDrop:
        if not self.ftp_host.strip():
            return LocalDrop(self.landing_dir)
        return FtpDrop(
            host=self.ftp_host.strip(), port=self.ftp_port, user=self.ftp_user, password=self.ftp_password,
            tls=_flag(self.ftp_tls), passive=_flag(self.ftp_passive), root=self.ftp_root,
            ca_file=self.ftp_ca_file,
        )


def drop_from_env() -> DropResource:
    return DropResource(
        landing_dir=dg.EnvVar("CHU_LANDING_DIR"),
        ftp_host=dg.EnvVar("CHU_FTP_HOST"),
        ftp_port=dg.EnvVar.int("CHU_FTP_PORT"),
        ftp_user=dg.EnvVar("CHU_FTP_USER"),
        ftp_password=dg.EnvVar("CHU_FTP_PASSWORD"),
        ftp_tls=dg.EnvVar("CHU_FTP_TLS"),
        ftp_passive=dg.EnvVar("CHU_FTP_PASSIVE"),
        ftp_root=dg.EnvVar("CHU_FTP_ROOT"),
        ftp_ca_file=dg.EnvVar("CHU_FTP_CA_FILE"),
    )

