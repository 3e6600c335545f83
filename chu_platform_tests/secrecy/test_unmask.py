"""--no-secrecy: refused unless configured, recorded with the OS user of the process (not $USER)."""

import grp
import json
import os

from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.lib import delta_store
from chu_platform.layers.marts.secrecy import process_user, unmask_refusal

ARGS = ["query", "hospitalisations_by_diagnosis", "--year", "2021", "--establishment", "750000001", "--format", "json"]


def _audit(lake):
    return delta_store.read(delta_store.table_uri(lake, ["ops", "secrecy_audit"]))


def test_unauthorised_user_is_refused_and_the_attempt_recorded(gold_in_env, monkeypatch):
    monkeypatch.delenv("CHU_UNMASK_USERS", raising=False)
    monkeypatch.delenv("CHU_UNMASK_GROUP", raising=False)
    result = CliRunner().invoke(cli, [*ARGS, "--no-secrecy"], env={"USER": "dr_nobody", "LOGNAME": "dr_nobody"})
    assert result.exit_code != 0
    assert f"user '{process_user()}' is not authorised to lift statistical secrecy" in result.output
    assert "[" not in result.stdout.split("Error")[0], "nothing is shown"
    audit = _audit(gold_in_env.lake)
    assert audit.select("user", "analysis", "rows", "granted").rows() == [
        (process_user(), "hospitalisations_by_diagnosis", 0, False)]


def test_listing_someone_else_does_not_authorise_the_process_user(gold_in_env):
    result = CliRunner().invoke(cli, [*ARGS, "--no-secrecy"], env={"CHU_UNMASK_USERS": "dr_nobody", "USER": "dr_nobody"})
    assert result.exit_code != 0 and "not authorised" in result.output


def test_authorised_user_is_recorded_from_the_os_not_the_environment(gold_in_env):
    result = CliRunner().invoke(cli, [*ARGS, "--no-secrecy"],
                                env={"CHU_UNMASK_USERS": f"someone, {process_user()}", "USER": "dr_nobody",
                                     "LOGNAME": "dr_nobody"})
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert any(isinstance(r["numerator"], int) and 1 <= r["numerator"] <= 9 for r in rows), "secrecy was lifted"
    audit = _audit(gold_in_env.lake)
    assert audit.select("user", "analysis", "rows", "granted").rows() == [
        (process_user(), "hospitalisations_by_diagnosis", len(rows), True)]
    assert json.loads(audit["parameters"][0]) == {"establishment": "750000001", "period": "2021"}
    assert "dr_nobody" not in audit.write_csv()
    audit_file = delta_store.table_uri(gold_in_env.lake, ["ops", "secrecy_audit"])
    walked = 0
    for folder, dirs, files in os.walk(audit_file):
        for name in [folder, *(os.path.join(folder, f) for f in files)]:
            assert os.stat(name).st_mode & 0o077 == 0, f"{name} is readable by others"
            walked += 1
    assert walked > 1, f"{audit_file} holds no file"


def test_membership_of_the_configured_group_authorises():
    me = process_user()
    own_group = grp.getgrgid(os.getegid()).gr_name
    assert unmask_refusal(me, {"CHU_UNMASK_GROUP": own_group}) is None
    assert unmask_refusal(me, {"CHU_UNMASK_GROUP": "no-such-group-chu"}) is not None
    assert "nobody" in unmask_refusal(me, {})
