"""A gold connection reads one listing of the Delta files: pruned to the period's years, small tables in memory."""

import polars as pl
from polars.testing import assert_frame_equal

from chu_platform.lib import delta_store
from chu_platform.layers.marts import snapshot
from chu_platform.layers.marts.analyses import ANALYSES, connect_gold, run_analysis
from chu_platform.layers.marts.periods import Period


def test_large_facts_are_read_from_the_files_of_the_period_years_only(gold, monkeypatch):
    monkeypatch.setattr(snapshot, "SMALL_TABLE_ROWS", 10)
    con = connect_gold(gold.lake)
    state = snapshot.of(con)
    relation = state.relation(con, "fact_consultation", [2019, 2020])
    assert "year=2019" in relation and "year=2020" in relation
    assert "year=2018" not in relation and "year=2021" not in relation
    assert state.relation(con, "fact_consultation", [1990]).endswith("WHERE false)")
    assert state.in_memory == set()


def test_small_tables_are_copied_into_memory_once_and_answers_do_not_change(gold):
    con = connect_gold(gold.lake)
    before = {name: run_analysis(con, name, Period.year(2019), use_aggregates=False) for name in ANALYSES}
    state = snapshot.of(con)
    assert {"dim_patient", "dim_diagnostic", "fact_consultation"} <= state.in_memory
    kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
    assert kinds["dim_patient"] == "BASE TABLE"
    for name, expected in before.items():
        assert_frame_equal(run_analysis(con, name, Period.year(2019), use_aggregates=False), expected)


def test_a_connection_keeps_its_snapshot(tmp_path, gold):
    lake = str(tmp_path / "lake")
    for name, frame in gold.tables.items():
        uri = delta_store.table_uri(lake, ["gold", name])
        if name.startswith("fact_"):
            delta_store.write_years(frame, uri, sorted(set(frame["year"].to_list())))
        else:
            delta_store.write_table(frame, uri)
    con = connect_gold(lake)
    stays = run_analysis(con, "hospitalisations_by_diagnosis", Period.year(2019), use_aggregates=False)
    fewer = gold.tables["fact_hospitalisation"].filter(pl.col("year") == 2019).head(5)
    delta_store.write_years(fewer, delta_store.table_uri(lake, ["gold", "fact_hospitalisation"]), [2019])
    assert_frame_equal(run_analysis(con, "hospitalisations_by_diagnosis", Period.year(2019), use_aggregates=False), stays)
    fresh = run_analysis(connect_gold(lake), "hospitalisations_by_diagnosis", Period.year(2019), use_aggregates=False)
    assert fresh["denominator"][0] == 5


def test_pruned_files_and_in_memory_tables_give_the_same_answers(gold):
    from datetime import date

    periods = [Period.year(2019), Period(date(2019, 7, 1), date(2020, 6, 30))]
    questions = [(name, p) for name, a in ANALYSES.items() for p in (periods[:1] if a.yearly else periods)]
    in_memory = connect_gold(gold.lake)
    expected = [run_analysis(in_memory, name, period, use_aggregates=False) for name, period in questions]
    assert "fact_consultation" in snapshot.of(in_memory).in_memory
    from_files = connect_gold(gold.lake, copy_small=False)
    for (name, period), answer in zip(questions, expected):
        assert_frame_equal(run_analysis(from_files, name, period, use_aggregates=False), answer)
    assert snapshot.of(from_files).in_memory == set()


def test_a_connection_for_some_tables_lists_only_those(gold):
    con = connect_gold(gold.lake, tables=["fact_deces", "dim_geography", "agg_deaths_by_region"])
    assert set(snapshot.of(con).tables) == {"fact_deces", "dim_geography"}  # no aggregate written
    views = {name for (name,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert views == {"fact_deces", "dim_geography"}
    assert_frame_equal(run_analysis(con, "deaths_by_region", Period.year(2019), use_aggregates=False),
                       run_analysis(connect_gold(gold.lake), "deaths_by_region", Period.year(2019),
                                    use_aggregates=False))
