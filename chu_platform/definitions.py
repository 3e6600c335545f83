"""The one entry point: every asset, check, sensor, schedule, job and resource of the platform."""

import warnings

import dagster as dg

import chu_platform.defs as defs_package
from chu_platform.defs.bronze.resources import drop_from_env
from chu_platform.defs.reliability.resources import alerts_from_env
from chu_platform.defs.marts.dashboard_assets import DASHBOARD_KEY
from chu_platform.defs.marts.export_assets import EXPORT_KEY
from chu_platform.defs.resources import io_manager_from_env, settings_from_env
from chu_platform.defs.silver.resources import pseudonym_from_env
from chu_platform.defs.warehouse import VIEW_LAYERS, build_analysts_warehouse_asset, build_warehouse_asset
from chu_platform import permissions
from chu_platform.lib.executor import chu_executor

# A code server or run worker started by hand (`dagster dev`, the daemon) writes owner-only files too.
permissions.restrict()

# The gold pre-aggregates have a single-run backfill policy, the assets before them none: a run
# of one year that builds both (chu run's stage, the drop sensor's follow-on) is one partition
# whatever policy Dagster picks, yet it would warn at each such run. Backfills, which the
# policy is for, never put them in one run.
warnings.filterwarnings("ignore", message=r"Asset job .* materializes assets with varying BackfillPolicies")


def build_definitions() -> dg.Definitions:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        layers = dg.load_definitions_from_package_module(defs_package)
    platform = dg.Definitions.merge(
        layers,
        dg.Definitions(
            executor=chu_executor,
            resources={
                "io_manager": io_manager_from_env(),
                "settings": settings_from_env(),
                "drop": drop_from_env(),
                "pseudonym": pseudonym_from_env(),
                "alerts": alerts_from_env(),
            },
        ),
    )
    exposed = [
        spec.key
        for spec in platform.resolve_all_asset_specs()
        if spec.group_name in VIEW_LAYERS and spec.key.path[0] in VIEW_LAYERS
        and spec.key not in (DASHBOARD_KEY, EXPORT_KEY)
    ]
    warehouses = [build_warehouse_asset(exposed), build_analysts_warehouse_asset(exposed)]
    return dg.Definitions.merge(platform, dg.Definitions(assets=warehouses))


defs = build_definitions()
