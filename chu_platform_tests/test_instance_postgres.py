"""A Dagster instance on PostgreSQL (dagster-postgres) records a materialisation."""

import dagster as dg
import yaml

from chu_platform.deploy.instance import postgres_url_from_env, prepare_home


def test_materialisation_on_postgres_instance(pg_dsn, tmp_path, monkeypatch):
    url = postgres_url_from_env({"DAGSTER_PG_URL": pg_dsn})
    assert url.startswith("postgresql+psycopg2://")
    env = {"DAGSTER_PG_URL": pg_dsn}
    home = prepare_home(tmp_path / "data", env)
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    assert "postgres" in config["storage"]

    @dg.asset
    def answer() -> int:
        return 42

    monkeypatch.setenv("DAGSTER_PG_URL", env["DAGSTER_PG_URL"])
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = dg.materialize([answer], instance=instance)
        assert result.success
        event = instance.get_latest_materialization_event(dg.AssetKey("answer"))
        assert event is not None
        assert instance.get_run_by_id(result.run_id).is_success


def test_sqlite_home_by_default(tmp_path):
    env: dict[str, str] = {}
    home = prepare_home(tmp_path / "data", env)
    assert home == (tmp_path / "data" / "dagster").resolve()
    assert env["DAGSTER_HOME"] == str(home)
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    # The kept-open SQLite storage, every path under the home.
    assert config["storage"] == {"custom": {"module": "chu_platform.lib.instance_storage", "class": "ChuSqliteStorage",
                                            "config": {"base_dir": str(home)}}}
    assert config["local_artifact_storage"]["config"]["base_dir"] == str(home)
    assert config["compute_logs"]["config"]["base_dir"] == str(home / "storage")


def test_stock_storage_on_request(tmp_path):
    env = {"CHU_FAST_INSTANCE": "0"}
    home = prepare_home(tmp_path / "data", env)
    assert yaml.safe_load((home / "dagster.yaml").read_text())["storage"] == {"sqlite": {"base_dir": str(home)}}
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance._event_storage).__name__ == "SqliteEventLogStorage"


def test_url_assembled_from_parts():
    url = postgres_url_from_env(
        {"DAGSTER_PG_HOST": "db", "DAGSTER_PG_USER": "dagster", "DAGSTER_PG_PASSWORD": "s", "DAGSTER_PG_DB": "dg"}
    )
    assert url == "postgresql+psycopg2://dagster:s@db:5432/dg"
