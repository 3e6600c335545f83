"""Fixtures of the bronze tests: real samples, a landing drop, FTP and FTPS servers."""

import datetime as dt
import ipaddress
import shutil
import threading
from pathlib import Path

import dagster as dg
import pytest

from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.io_manager import DeltaIOManager

REAL_SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "real_samples"


@pytest.fixture
def real_samples() -> Path:
    assert REAL_SAMPLES.is_dir(), f"real samples expected beside the clone at {REAL_SAMPLES}"
    return REAL_SAMPLES


@pytest.fixture
def platform(tmp_path: Path):
    """(settings, drop resource, landing dir, resources for dg.materialize)."""
    data = tmp_path / "data"
    landing = tmp_path / "landing"
    landing.mkdir(parents=True)
    settings = ChuSettings(data_dir=str(data), landing_dir=str(landing))
    drop = DropResource(landing_dir=str(landing))
    resources = {"settings": settings, "drop": drop, "io_manager": DeltaIOManager(data_dir=str(data))}
    return settings, drop, landing, resources


def deliver(landing: Path, source: Path, name: str) -> Path:
    target = landing / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def materialize(asset, resources, partition: str | None = None, instance=None) -> dg.ExecuteInProcessResult:
    return dg.materialize([asset], resources=resources, partition_key=partition, instance=instance)


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _serve(root: Path, tls_dir: Path | None, mlsd: bool = True):
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

    authorizer = DummyAuthorizer()
    authorizer.add_user("chu", "not-a-real-secret", str(root), perm="elr")
    attributes = {"authorizer": authorizer, "banner": "test drop"}
    base = FTPHandler
    if tls_dir is not None:
        cert, key = _self_signed(tls_dir)
        base = TLS_FTPHandler
        attributes.update(certfile=str(cert), keyfile=str(key), tls_control_required=True, tls_data_required=True)
    handler = type("Handler", (base,), attributes)
    if not mlsd:
        handler.proto_cmds = {k: v for k, v in base.proto_cmds.items() if k not in ("MLSD", "MLST")}
    server = ThreadedFTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.05}, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture(params=["ftp", "ftps", "ftp-no-mlsd"])
def ftp_server(request, tmp_path: Path):
    """A real FTP server on 127.0.0.1 serving ``root``: plain, FTPS, or without MLSD."""
    root = tmp_path / "ftp_root"
    root.mkdir()
    tls_dir = tmp_path / "tls" if request.param == "ftps" else None
    if tls_dir:
        tls_dir.mkdir()
    server, thread = _serve(root, tls_dir, mlsd=request.param != "ftp-no-mlsd")
    port = server.socket.getsockname()[1]
    drop = DropResource(
        landing_dir=str(tmp_path / "unused"), ftp_host="127.0.0.1", ftp_port=port, ftp_user="chu",
        ftp_password="not-a-real-secret", ftp_tls="true" if tls_dir else "false", ftp_passive="true",
        ftp_root="/", ftp_ca_file=str(tls_dir / "cert.pem") if tls_dir else "",
    )
    yield root, drop, request.param
    server.close_all()
    thread.join(timeout=5)
