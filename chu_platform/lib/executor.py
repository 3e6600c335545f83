"""The executor of every run: in process by default, Dagster's Celery executor on request.

``CHU_EXECUTOR=celery`` in the environment of the process that starts runs (the daemon, the
webserver, ``chu``) sends each step of each run to Celery workers listening on
``CHU_CELERY_QUEUE`` of the broker ``CHU_CELERY_BROKER``. It is read when a run starts, like
the resources' ``dg.EnvVar`` fields, never at import time, so one set of definitions serves
both and backfills started from the UI follow the same setting. See docs/scale-out.md.
"""

from __future__ import annotations

import os

import dagster as dg

from chu_platform.lib.dagster_private import InProcessExecutor, RetryMode, get_retries_config, quiet_range_check_warning

EXECUTOR = "CHU_EXECUTOR"
CELERY_DEFAULTS = {
    "CHU_CELERY_BROKER": "pyamqp://guest:guest@127.0.0.1:5672//",
    "CHU_CELERY_BACKEND": "rpc://",
    "CHU_CELERY_QUEUE": "chu",
}


def selected(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    choice = env.get(EXECUTOR, "").strip().lower() or "in_process"
    if choice not in ("in_process", "celery"):
        raise dg.DagsterInvalidConfigError(
            f"{EXECUTOR}={choice!r}: expected 'in_process' (the default) or 'celery'.", [], choice
        )
    return choice


def celery_settings(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Broker, result backend and queue of the Celery executor (the workers must use the same)."""
    env = os.environ if environ is None else environ
    return {name: env.get(name, "").strip() or default for name, default in CELERY_DEFAULTS.items()}


def worker_config(environ: dict[str, str] | None = None) -> dict:
    """The ``-y`` file of ``dagster-celery worker start``: the executor block the workers share."""
    settings = celery_settings(environ)
    return {"execution": {"config": {
        "broker": settings["CHU_CELERY_BROKER"],
        "backend": settings["CHU_CELERY_BACKEND"],
        "config_source": {"task_default_queue": settings["CHU_CELERY_QUEUE"]},
    }}}


def _requirements(_config) -> list:
    return dg.multiple_process_executor_requirements() if selected() == "celery" else []


@dg.executor(name="chu", config_schema={"retries": get_retries_config()}, requirements=_requirements)
def chu_executor(init_context: dg.InitExecutorContext) -> dg.Executor:
    """One process per run by default: on two cores a step subprocess costs seconds of start-up
    (a sensor-triggered load commits ~9 s sooner) and buys no parallelism that runs of different
    years do not already give. With ``CHU_EXECUTOR=celery`` the steps go to Celery workers,
    which is how the platform grows past one machine."""
    retries = RetryMode.from_config(init_context.executor_config["retries"])
    # This process orchestrates the run: no false "check will not gate" warning from its plan.
    quiet_range_check_warning()
    if selected() == "in_process":
        return InProcessExecutor(retries=retries)
    from dagster_celery.executor import CeleryExecutor

    config = worker_config()["execution"]["config"]
    return CeleryExecutor(retries=retries, broker=config["broker"], backend=config["backend"],
                          config_source=config["config_source"])
