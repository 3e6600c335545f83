"""`chu` starts at once: the group imports no command module, and `chu --help` neither Dagster
nor Polars (docs/benchmarks.md, "CLI start-up")."""

import json
import os
import subprocess
import sys

import click
from click.utils import make_default_short_help

from chu_platform.cli import COMMANDS, SUMMARIES, cli
from chu_platform.deploy.settings import ALLOCATOR, apply_defaults, project_root

PROBE = """
import json, sys
from chu_platform.cli import main
sys.argv = ["chu", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
print(json.dumps(__import__("os").environ.get("_RJEM_MALLOC_CONF")))
"""


def _run(data, *args: str) -> tuple[set[str], str | None]:
    """The modules a `chu` process imported, and its allocator setting at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHU_", "DAGSTER_", "_RJEM_"))}
    env["CHU_DATA_DIR"] = str(data)
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    modules, allocator = done.stdout.strip().splitlines()[-2:]
    return set(json.loads(modules)), json.loads(allocator)


def _modules_after(data, *args: str) -> set[str]:
    return _run(data, *args)[0]


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


def test_polars_allocator_setting_reaches_polars_in_chu_and_every_entry_point(tmp_path):
    """Polars appends an explicit _RJEM_MALLOC_CONF to its own default when it is imported
    (jemalloc then reads it, the later value winning): the platform's value after Polars' means
    it was set before Polars was imported."""
    setting = ALLOCATOR["_RJEM_MALLOC_CONF"]
    modules, allocator = _run(tmp_path, "query", "--help")
    assert "polars" in modules
    assert allocator is not None and allocator.endswith("," + setting) and allocator != setting
    # `make up` (services) and the commands' children: apply_defaults.
    env = {"CHU_DATA_DIR": str(tmp_path)}
    apply_defaults(env)
    assert env["_RJEM_MALLOC_CONF"] == setting
    env = {"CHU_DATA_DIR": str(tmp_path), "_RJEM_MALLOC_CONF": "dirty_decay_ms:0"}
    apply_defaults(env)
    assert env["_RJEM_MALLOC_CONF"] == "dirty_decay_ms:0"
    # `dagster dev` from the repository root loads .env into its environment, which its daemon,
    # code server and run workers inherit.
    from dotenv import dotenv_values

    assert dotenv_values(project_root() / ".env") == ALLOCATOR
