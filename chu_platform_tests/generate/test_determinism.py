"""One seed, one result: byte-identical files and identical database content; another seed
differs."""

import uuid

from chu_platform.schemas import sources
from chu_platform.generate import care_db
from chu_platform.lib import postgres
from chu_platform_tests.generate.conftest import run
from chu_platform_tests.generate.test_care_database import query


def table_digests(dsn: str) -> dict[str, str]:
    digests = {}
    for table in sources.CARE_TABLES:
        key = ", ".join(f'"{c}"' for c in care_db.PRIMARY_KEYS[table])
        digests[table] = query(dsn, f'SELECT md5(coalesce(string_agg(t::text, \'|\' ORDER BY {key}), \'\')) FROM "{table}" t')[0][0]
    return digests


def test_same_seed_same_files_other_seed_different(tmp_path):
    _, first = run(tmp_path / "one")
    _, again = run(tmp_path / "two")
    _, other = run(tmp_path / "three", seed=99)
    assert first.to_json() == again.to_json()
    assert [(f.path, f.sha256) for f in first.files] == [(f.path, f.sha256) for f in again.files]
    other_hashes = {f.path: f.sha256 for f in other.files}
    differing = [f.path for f in first.files if other_hashes.get(f.path) != f.sha256]
    assert len(differing) >= len(first.files) - 1  # the FINESS name itself changes with the seed


def test_same_seed_same_database(tmp_path, pg_dsn, pg_server_dsn):
    name = "chu_test_" + uuid.uuid4().hex[:12]
    second_dsn = postgres.create_database(pg_server_dsn, name)
    try:
        run(tmp_path / "one", source_dsn=pg_dsn, load_database=True)
        run(tmp_path / "two", source_dsn=second_dsn, load_database=True)
        assert table_digests(pg_dsn) == table_digests(second_dsn)
        run(tmp_path / "three", source_dsn=second_dsn, load_database=True, seed=99)
        other = table_digests(second_dsn)
        assert all(other[t] != d for t, d in table_digests(pg_dsn).items() if t != "Specialites")
    finally:
        postgres.drop_database(pg_server_dsn, name)
