"""The drop over the wire: real FTP, FTPS and MLSD-less servers on 127.0.0.1."""

import hashlib
import os

import dagster as dg

from chu_platform.layers.bronze import raw
from chu_platform.defs.bronze.assets import FILE_ASSETS
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.bronze.sensors import ftp_new_files
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.schemas.sources import recognise


def test_listing_raw_copy_sensor_and_asset_over_the_wire(ftp_server, tmp_path, real_samples):
    root, drop, kind = ftp_server
    (root / "2019").mkdir()
    sample = real_samples / "chu_satisfaction_has" / "2019" / "resultats-esatis48h-mco-open-data-2019.csv"
    (root / "2019" / sample.name).write_bytes(sample.read_bytes())
    os.utime(root / "2019" / sample.name, (1_600_000_000, 1_600_000_000))
    (root / "readme.txt").write_text("not a source")

    client = drop.client()
    assert client.origin.startswith("ftps://" if kind == "ftps" else "ftp://")
    assert "not-a-real-secret" not in client.origin
    listing = {f.path: f for f in client.list_files()}
    assert set(listing) == {"2019/" + sample.name, "readme.txt"}
    remote = listing["2019/" + sample.name]
    assert remote.size == sample.stat().st_size and remote.mtime == 1_600_000_000

    data = tmp_path / "data"
    settings = ChuSettings(data_dir=str(data), landing_dir=str(tmp_path / "unused"))
    resources = {"settings": settings, "drop": drop}
    cursor = ftp_new_files(dg.build_sensor_context(resources=resources)).cursor
    requests = ftp_new_files(dg.build_sensor_context(cursor=cursor, resources=resources)).run_requests
    assert [(r.partition_key, r.asset_selection) for r in requests] == [("2019", [dg.AssetKey(["bronze", "satisfaction"])])]

    manifest_uri = str(data / "lake" / "raw" / "manifest")
    landed = raw.land(client, remote, recognise(remote.path), data, manifest_uri)
    copied = data / "raw" / landed.raw_path
    assert landed.raw_path == f"satisfaction/2019/2019/{sample.name}"  # the drop's folders are kept
    assert hashlib.sha256(copied.read_bytes()).hexdigest() == hashlib.sha256(sample.read_bytes()).hexdigest()
    assert landed.origin == client.origin

    # Once landed (the raw manifest records path, size and mtime), a sensor with a fresh cursor
    # does not ask for it again.
    assert ftp_new_files(dg.build_sensor_context(resources=resources)).run_requests == []

    satisfaction = next(a for a in FILE_ASSETS if a.key.path[-1] == "satisfaction")
    result = dg.materialize([satisfaction], partition_key="2019",
                            resources={**resources, "io_manager": DeltaIOManager(data_dir=str(data))})
    assert result.success
    assert delta_store.read(settings.table_uri("bronze", "satisfaction")).height == 1152


def test_ftp_resource_selection():
    assert type(DropResource(landing_dir="/tmp/x").client()).__name__ == "LocalDrop"
    ftp = DropResource(ftp_host="ftp.example.org", ftp_port=2121, ftp_tls="TRUE", ftp_passive="false").client()
    assert (type(ftp).__name__, ftp.tls, ftp.passive, ftp.port) == ("FtpDrop", True, False, 2121)
