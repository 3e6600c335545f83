"""The one entry point: every asset, check, sensor, schedule, job and resource of the platform."""

import os
import warnings

import dagster as dg

import chu_platform.defs as defs_package
from chu_platform.defs import jobs
from chu_platform.defs.bronze.resources import drop_from_env
from chu_platform.defs.reliability.resources import alerts_from_env
from chu_platform.defs.marts.dashboard_assets import DASHBOARD_KEY
from chu_platform.defs.marts.export_assets import EXPORT_KEY
from chu_platform.defs.resources import io_manager_from_env, settings_from_env
from chu_platform.defs.silver.resources import pseudonym_from_env
from chu_platform.defs.warehouse import VIEW_LAYERS, build_analysts_warehouse_asset, build_warehouse_asset
from chu_platform.lib import permissions
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
    built = dg.Definitions.merge(platform, dg.Definitions(assets=warehouses))
    return dg.Definitions.merge(
        built, dg.Definitions(jobs=[*jobs.build_jobs(built.resolve_asset_graph()), jobs.benchmark_job()]))


def _environment() -> tuple:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(("CHU_", "DAGSTER_", "AWS_"))))


_BUILT: dict[tuple, dg.Definitions] = {}


def current_definitions() -> dg.Definitions:
    """The definitions for the environment in force now, as a code server started with it would
    build them: built once per environment (a test, or ``chu`` run in process, may change it)."""
    key = _environment()
    if key not in _BUILT:
        _BUILT.clear()
        _BUILT[key] = build_definitions()
    return _BUILT[key]


defs = current_definitions()
