"""`chu` starts at once: the group imports no command module, and `chu --help` neither Dagster
nor Polars (docs/benchmarks.md, "CLI start-up")."""

import json
import os
import subprocess
import sys

import click
from click.utils import make_default_short_help

from chu_platform.cli import COMMANDS, SUMMARIES, cli

PROBE = """
import json, sys
from chu_platform.cli import main
sys.argv = ["chu", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(data, *args: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHU_", "DAGSTER_"))}
    env["CHU_DATA_DIR"] = str(data)
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_chu_help_imports_neither_dagster_nor_polars_nor_a_command(tmp_path):
    modules = _modules_after(tmp_path, "--help")
    assert "chu_platform.cli" in modules
    assert not _top_level(modules) & {"dagster", "polars", "pyarrow", "deltalake", "duckdb", "numpy", "pandas"}
    assert not [name for name in modules if name.startswith("chu_platform.cli.")]


def test_a_command_s_help_imports_its_own_module_only(tmp_path):
    modules = _modules_after(tmp_path, "generate", "--help")
    assert "chu_platform.cli.generate" in modules
    others = {target.split(":")[0] for name, target in COMMANDS.items() if name != "generate"}
    assert not modules & others
    assert "dagster" not in _top_level(modules)


def test_the_listed_summaries_are_the_commands_own():
    context = click.Context(cli)
    assert set(SUMMARIES) == set(COMMANDS)
    for name in COMMANDS:
        command = cli.get_command(context, name)
        for limit in (45, 60, 1000):
            assert make_default_short_help(SUMMARIES[name], limit) == command.get_short_help_str(limit), name
