"""The one entry point: every asset, check, sensor, schedule, job and resource of the platform."""

import warnings

import dagster as dg

import chu_platform.defs as defs_package
from chu_platform.defs.bronze.resources import drop_from_env
from chu_platform.defs.marts.dashboard_assets import DASHBOARD_KEY
from chu_platform.defs.resources import io_manager_from_env, settings_from_env
from chu_platform.defs.silver.resources import pseudonym_from_env
from chu_platform.defs.warehouse import VIEW_LAYERS, build_warehouse_asset
from chu_platform.settings import apply_defaults

# `dagster dev` / `dagster-daemon run` started by hand (not through `chu`) get the same
# defaults for the CHU_* variables they leave unset, instead of a config error at every tick.
apply_defaults()


def build_definitions() -> dg.Definitions:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        layers = dg.load_definitions_from_package_module(defs_package)
    platform = dg.Definitions.merge(
        layers,
        dg.Definitions(
            # One process per run, not one per step: on two cores a step subprocess costs
            # seconds of start-up (a sensor-triggered load commits ~9 s sooner) and buys no
            # parallelism that runs of different years do not already give.
            executor=dg.in_process_executor,
            resources={
                "io_manager": io_manager_from_env(),
                "settings": settings_from_env(),
                "drop": drop_from_env(),
                "pseudonym": pseudonym_from_env(),
            },
        ),
    )
    exposed = [
        spec.key
        for spec in platform.resolve_all_asset_specs()
        if spec.group_name in VIEW_LAYERS and spec.key.path[0] in VIEW_LAYERS and spec.key != DASHBOARD_KEY
    ]
    return dg.Definitions.merge(platform, dg.Definitions(assets=[build_warehouse_asset(exposed)]))


defs = build_definitions()
