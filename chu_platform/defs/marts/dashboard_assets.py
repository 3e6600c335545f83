"""The decision-makers' dashboard: one self-contained HTML file, rebuilt when the marts change."""

import dagster as dg

from chu_platform.dashboard import build
from chu_platform.defs.marts.automation import FOLLOW_ANY_YEAR
from chu_platform.defs.resources import ChuSettings
from chu_platform.layers.marts import activity, analyses

DASHBOARD_KEY = dg.AssetKey(["marts", "dashboard"])


def platform_checks() -> dict[dg.AssetCheckKey, str]:
    """Every check of the platform and its description, whichever job runs this asset: read
    from the ``defs`` package itself (every asset and check is defined there), not from the
    definitions built above it."""
    import chu_platform.defs as package

    found = [*dg.load_assets_from_package_module(package), *dg.load_asset_checks_from_package_module(package)]
    return {spec.key: spec.description or "" for definition in found for spec in definition.check_specs}


@dg.asset(
    key=DASHBOARD_KEY,
    group_name="marts",
    deps=[*(dg.AssetKey(["marts", name]) for name in (*analyses.ANALYSES, *activity.INDICATORS, *activity.FORECAST_TABLES)),
          dg.AssetKey(["ops", "query_benchmark"])],
    kinds={"html", "plotly"},
    automation_condition=FOLLOW_ANY_YEAR,
)
def dashboard(context: dg.AssetExecutionContext, settings: ChuSettings) -> dg.MaterializeResult:
    """One file, <data_dir>/dashboard.html: the nine pages of the decision-makers' dashboard
    (figures of every year range, region and establishment, secrecy applied; stays and the
    activity forecast from their marts; latest checks, rejects, freshness, response times),
    opened offline in any browser."""
    doc = build.document(settings.lake, context.instance, platform_checks())
    path = build.write(build.default_path(settings.data_path), doc)
    data = doc["data"]
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(path)),
        "bytes": dg.MetadataValue.int(path.stat().st_size),
        "years": ", ".join(str(y) for y in data["years"]),
        "selections": dg.MetadataValue.int(len(data["sel"]) + len(data["est"]) * len(data["ranges"])),
        "checks": dg.MetadataValue.int(len(doc["quality"]["checks"])),
    })
