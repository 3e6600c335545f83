"""The eight questions answered by PostgreSQL and pandas equal ours, row by row, on a tiny gold."""

import pytest

from benchmarks.peers.pandas_engine import PandasEngine
from benchmarks.peers.postgres import PostgresEngine
from benchmarks.peers.sql import QUERIES
from chu_platform.layers.marts.analyses import ANALYSES, connect_gold, run_analysis
from chu_platform.layers.marts.periods import Period
from chu_platform.latency.compare import assert_same

PERIODS = [Period.year(2023), Period.parse("2022-07-01", "2023-03-31")]


def test_the_peers_answer_every_analysis():
    assert set(QUERIES) == set(ANALYSES)


@pytest.mark.postgres
def test_postgres_and_pandas_agree_with_ours(tiny_lake, gold_uris, pg_dsn):
    postgres = PostgresEngine(gold_uris, pg_dsn)
    naive = PandasEngine(gold_uris)
    compared = 0
    try:
        with connect_gold(tiny_lake) as con:
            for period in PERIODS:
                for name, analysis in ANALYSES.items():
                    if analysis.yearly and period.whole_year is None:
                        continue
                    ours = run_analysis(con, name, period)
                    assert ours.height > 0, f"{name} has no rows for {period}: the comparison would prove nothing"
                    for engine, answer in (("postgresql", postgres.run(name, period.params())),
                                           ("pandas", naive.run(name, period.params()))):
                        assert_same(name, "ours", ours, engine, answer)
                        compared += 1
    finally:
        postgres.close()
    assert compared == 2 * (len(ANALYSES) + len([a for a in ANALYSES.values() if not a.yearly]))
    assert postgres.rows["fact_consultation"] > 0
