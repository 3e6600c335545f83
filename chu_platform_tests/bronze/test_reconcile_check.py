"""The lines_reconcile check of a partition run reads and reconciles that year only."""

import dagster as dg

from chu_platform.layers.bronze import ledger
from chu_platform.defs.bronze.assets import FILE_ASSETS, side_uris
from chu_platform.defs.bronze.checks import BRONZE_CHECKS, _lineage
from chu_platform.lib import delta_store
from chu_platform.schemas.sources import DEATHS_FIXED_WIDTH

DEATHS = next(a for a in FILE_ASSETS if a.key.path[-1] == "deaths")
CHECK = next(c for c in BRONZE_CHECKS if DEATHS.key in {k.asset_key for k in c.check_keys})


def _register(year: int, lines: int) -> str:
    fields = {"nomprenom": "NOM*PRENOM/", "sexe": "1", "datenaiss": "19400101", "lieunaiss": "75056",
              "commnaiss": "PARIS", "paysnaiss": "", "datedeces": f"{year}0301", "lieudeces": "75056", "actedeces": "1"}
    line = "".join(fields[n].ljust(e - s + 1) for n, s, e in DEATHS_FIXED_WIDTH)
    return "\n".join([line] * lines) + "\n"


def _year_ok(settings, year: int) -> bool:
    """What the check computes for a run of ``year``."""
    uris = side_uris(settings)
    uri = settings.table_uri("bronze", "deaths")
    table = ledger.reconcile("deaths", _lineage(uri, year), uris["rejects"], uris["loads"], [year])
    assert table["year"].to_list() == [year]
    return bool(table["ok"].all())


def test_a_years_check_sees_a_loss_in_that_year_only(platform):
    settings, _, landing, resources = platform
    for year, lines in ((2019, 5), (2020, 7)):
        (landing / f"deces-{year}.txt").write_text(_register(year, lines))
        # The run executes the check with its partition: it reconciles that year.
        result = dg.materialize([DEATHS, CHECK], partition_key=str(year), resources=resources)
        (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "lines_reconcile"]
        assert evaluation.passed and evaluation.metadata["lines_read"].value == lines
    uri = settings.table_uri("bronze", "deaths")
    # A row of 2019 goes missing behind the platform's back.
    delta_store.write_years(delta_store.read(uri, [2019]).head(4), uri, [2019])
    assert _year_ok(settings, 2019) is False
    assert _year_ok(settings, 2020) is True
    assert delta_store.read(uri).group_by("year").len().sort("year")["len"].to_list() == [4, 7]
