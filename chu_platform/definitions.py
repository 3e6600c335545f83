"""The one entry point: every asset, check, sensor, schedule, job and resource of the platform.

Importing it changes nothing in the process (no umask, no warning filter, no environment
variable: ``chu_platform_tests/test_definitions_import.py``), and the definitions are the same
whatever the environment: the resources read their variables when they are used
(``defs/resources.py``). ``defs`` is built once, here.
"""

import warnings

import dagster as dg

import chu_platform.defs as defs_package
from chu_platform.defs import jobs
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.defs.reliability.resources import AlertsResource
from chu_platform.defs.marts.dashboard_assets import DASHBOARD_KEY
from chu_platform.defs.marts.export_assets import EXPORT_KEY
from chu_platform.defs.resources import ChuSettings
from chu_platform.defs.silver.resources import PSEUDONYM
from chu_platform.defs.warehouse import VIEW_LAYERS, build_analysts_warehouse_asset, build_warehouse_asset
from chu_platform.lib.executor import chu_executor


def build_definitions() -> dg.Definitions:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        layers = dg.load_definitions_from_package_module(defs_package)
    platform = dg.Definitions.merge(
        layers,
        dg.Definitions(
            executor=chu_executor,
            resources={
                "io_manager": DeltaIOManager(),
                "settings": ChuSettings(),
                "drop": DropResource(),
                "pseudonym": PSEUDONYM,
                "alerts": AlertsResource(),
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


defs = build_definitions()
