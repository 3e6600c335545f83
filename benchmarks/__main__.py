"""Run the benchmarks named on the command line: ``python -m benchmarks NAME... [--option=value...]``."""

from __future__ import annotations

import argparse
import ast
import importlib
import pkgutil
import sys
from pathlib import Path

import benchmarks


def available() -> list[str]:
    return sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))


def _summary(name: str) -> str:
    """The first line of a benchmark's docstring, read without importing it."""
    source = Path(benchmarks.__path__[0], f"bench_{name}.py").read_text()
    doc = ast.get_docstring(ast.parse(source)) or ""
    return doc.splitlines()[0] if doc else ""


def parser() -> argparse.ArgumentParser:
    listing = "\n".join(f"  {name:<13} {_summary(name)}" for name in available())
    return argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="CPU-heavy measurements of the platform, each printing its figures with the machine's load.",
        epilog=f"benchmarks:\n{listing}\n  all           every benchmark above, one after another\n\n"
               "Options of the form --name=value go to the benchmarks (see each module's docstring).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def main(argv: list[str]) -> int:
    cli = parser()
    cli.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (or 'all')")
    args, options = cli.parse_known_args(argv)
    if not args.names:
        cli.print_help()
        return 2
    names = available() if args.names == ["all"] else args.names
    unknown = sorted(set(names) - set(available()))
    if unknown:
        cli.error(f"unknown benchmark(s) {unknown}; available: {available()}")
    for name in names:
        print(f"== benchmark {name}", flush=True)
        importlib.import_module(f"benchmarks.bench_{name}").main(options)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
