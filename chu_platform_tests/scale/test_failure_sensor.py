"""The run-failure sensor: one line per failed run in data/logs/failures.log, and a webhook POST."""

import json
import stat
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg
import pytest

from chu_platform.defs.reliability.resources import AlertsResource
from chu_platform.defs.reliability.sensors import run_failures
from chu_platform.defs.resources import ChuSettings


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["2019", "2020"]))
def flaky_table(context: dg.AssetExecutionContext) -> None:
    raise ValueError(f"bronze file of {context.partition_key} unreadable\nsecond line of detail")


@pytest.fixture
def webhook():
    """A local HTTP server on a free port that records the JSON bodies posted to it."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/chu", received
    server.shutdown()
    thread.join(timeout=5)


def _failed_run(instance: dg.DagsterInstance, partition: str):
    result = dg.materialize([flaky_table], partition_key=partition, instance=instance, raise_on_error=False)
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    failure = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[0].dagster_event
    return run, failure


def test_each_failed_run_is_one_line_and_one_post(tmp_path, webhook):
    url, received = webhook
    settings = ChuSettings(data_dir=str(tmp_path / "data"), landing_dir=str(tmp_path / "landing"))
    with dg.instance_for_test() as instance:
        for partition in ("2019", "2020"):
            run, event = _failed_run(instance, partition)
            context = dg.build_run_status_sensor_context(
                sensor_name="run_failures", dagster_event=event, dagster_instance=instance, dagster_run=run,
                resources={"settings": settings, "alerts": AlertsResource(webhook_url=url)},
            ).for_run_failure()
            run_failures(context)
    log = tmp_path / "data" / "logs" / "failures.log"
    lines = log.read_text().splitlines()
    assert len(lines) == 2
    for line, partition in zip(lines, ("2019", "2020")):
        assert " FAILED run=" in line and f"partition={partition}" in line
        assert f"step flaky_table: ValueError: bronze file of {partition} unreadable" in line
        assert "second line" not in line
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    assert [body["text"] for body in received] == lines
    assert [body["partition"] for body in received] == ["2019", "2020"]


def test_webhook_down_still_logs_the_line(tmp_path, webhook):
    url, _ = webhook
    settings = ChuSettings(data_dir=str(tmp_path / "data"), landing_dir=str(tmp_path / "landing"))
    dead = url.rsplit(":", 1)[0] + ":9/hooks"  # the discard port: nothing answers there
    with dg.instance_for_test() as instance:
        run, event = _failed_run(instance, "2019")
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failures", dagster_event=event, dagster_instance=instance, dagster_run=run,
            resources={"settings": settings, "alerts": AlertsResource(webhook_url=dead)},
        ).for_run_failure()
        run_failures(context)
    assert len((tmp_path / "data" / "logs" / "failures.log").read_text().splitlines()) == 1
