"""The pseudonymisation key lives outside the data; the platform's umask makes its files owner-only."""

import os
import stat

import polars as pl

from chu_platform.lib import permissions
from chu_platform.deploy import pseudonym_key as secrets
from chu_platform.deploy.instance import prepare_home
from chu_platform.lib import delta_store


def test_demo_key_is_kept_in_the_secrets_folder_not_the_data(tmp_path, monkeypatch):
    data, vault = tmp_path / "data", tmp_path / "vault"
    monkeypatch.delenv("CHU_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("CHU_SECRETS_DIR", str(vault))
    env = {"CHU_SECRETS_DIR": str(vault)}
    prepare_home(data, env)
    key = env["CHU_PSEUDONYM_KEY"]
    path = secrets.key_path(data, env)
    assert path.parent == vault and path.read_text() == key and len(key) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(vault.stat().st_mode) == 0o700
    assert key not in "".join(p.read_text(errors="ignore") for p in data.rglob("*") if p.is_file())
    again = {"CHU_SECRETS_DIR": str(vault)}
    prepare_home(data, again)
    assert again["CHU_PSEUDONYM_KEY"] == key, "the key is stable: pseudonyms must not change between runs"
    assert secrets.key_path(tmp_path / "other", env) != path


def test_a_key_left_in_the_data_by_an_older_version_is_moved_out(tmp_path):
    data = tmp_path / "data"
    legacy = data / ".secrets" / "pseudonym.key"
    legacy.parent.mkdir(parents=True)
    legacy.write_text("0123abcd" * 8)
    env = {"CHU_SECRETS_DIR": str(tmp_path / "vault")}
    secrets.ensure_pseudonym_key(data, env)
    assert env["CHU_PSEUDONYM_KEY"] == "0123abcd" * 8
    assert not legacy.exists() and not legacy.parent.exists()


def test_default_secrets_folder_is_the_users_config():
    assert secrets.secrets_dir({"XDG_CONFIG_HOME": "/cfg"}) == secrets.Path("/cfg/chu-platform")
    assert str(secrets.secrets_dir({})).endswith(".config/chu-platform")


def test_delta_and_duckdb_files_are_born_owner_only_under_the_platform_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        permissions.restrict()
        lake = str(tmp_path / "lake")
        delta_store.write_years(pl.DataFrame({"year": [2019, 2020], "n": [1, 2]}),
                                delta_store.table_uri(lake, ["bronze", "t"]), [2019, 2020])
        delta_store.append(pl.DataFrame({"n": [1]}), delta_store.table_uri(lake, ["ops", "log"]))
        import duckdb

        duckdb.connect(str(tmp_path / "w.duckdb")).close()
    finally:
        os.umask(previous)
    tmp_path.chmod(0o700)
    assert permissions.open_to_others(tmp_path) == []


def test_data_folder_taken_back_and_published_file_opened_to_the_bi_group_only(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    permissions.secure_data_dir(data, {})
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    published = data / "warehouse.duckdb"
    published.write_text("x")
    published.chmod(0o644)
    permissions.publish_file(published, {})
    assert stat.S_IMODE(published.stat().st_mode) == 0o600
    import grp

    group = grp.getgrgid(os.getegid()).gr_name
    permissions.secure_data_dir(data, {"CHU_BI_GROUP": group})
    permissions.publish_file(published, {"CHU_BI_GROUP": group})
    assert stat.S_IMODE(data.stat().st_mode) == 0o710 and stat.S_IMODE(published.stat().st_mode) == 0o640
    assert permissions.readers(published) == f"owner and group {group}"
