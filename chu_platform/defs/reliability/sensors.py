"""Failed runs reported in one line each, to a log file and an optional webhook."""

from datetime import UTC, datetime
from urllib.error import URLError

import dagster as dg

from chu_platform.defs.reliability.resources import AlertsResource
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import failures


def _root_cause(error) -> str:
    """The user's error, not Dagster's wrapper around it (``DagsterExecutionStepExecutionError``)."""
    while error.cause is not None:
        error = error.cause
    return error.message


def failure_of(context: dg.RunFailureSensorContext) -> failures.Failure:
    run = context.dagster_run
    steps = tuple(
        (event.step_key or "", failures.first_line(_root_cause(event.event_specific_data.error)))
        for event in context.get_step_failure_events()
        if event.event_specific_data is not None and event.event_specific_data.error is not None
    )
    record = context.instance.get_run_record_by_id(run.run_id)
    ended = record.end_time if record is not None and record.end_time else datetime.now(UTC).timestamp()
    return failures.Failure(
        run_id=run.run_id, job=run.job_name, partition=run.tags.get("dagster/partition"),
        at=datetime.fromtimestamp(ended, UTC), steps=steps, message=failures.first_line(context.failure_event.message or "run failed"),
    )


@dg.run_failure_sensor(name="run_failures", monitor_all_code_locations=True, minimum_interval_seconds=10,
                       default_status=dg.DefaultSensorStatus.RUNNING)
def run_failures(context: dg.RunFailureSensorContext, settings: ChuSettings, alerts: AlertsResource) -> None:
    """Each failed run: one line in ``<data_dir>/logs/failures.log``, and a POST to
    ``CHU_ALERT_WEBHOOK_URL`` when it is set."""
    failure = failure_of(context)
    failures.append(settings.data_path / "logs" / "failures.log", failure.line())
    if alerts.url:
        try:
            failures.post(alerts.url, failure)
        except (URLError, OSError) as error:
            # The line is in the log file already; a webhook that is down must not stop the sensor.
            context.log.warning(f"run {failure.run_id} failed; the alert webhook did not answer ({error})")
