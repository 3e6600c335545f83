"""The package's map (docs/architecture.md) holds: no import circle, and no import from a lower
layer to a higher one. Every import is counted, those inside functions too."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import chu_platform

PACKAGE = Path(chu_platform.__file__).parent

# Lowest first: a part may import itself and the parts before it, never one after it.
LAYERS = [
    "reference",  # shipped reference data (CIM-10, communes, outlines)
    "lib",  # shared infrastructure: Delta store, locks, files' modes, Dagster plumbing
    "schemas",  # the data contracts: source files, years, silver and gold tables
    "layers.bronze", "layers.silver", "layers.gold", "layers.marts",  # the pure logic, layer by layer
    "generate",  # the CHU simulator
    "latency",  # the query-latency benchmark
    "dashboard",  # the decision-makers' dashboard
    "deploy",  # settings, pseudonymisation key, Dagster instance, services
    "defs",  # Dagster definitions, by layer
    "definitions",  # the one entry point
    "orchestration",  # what a build is: target, runs, failure rule
    "docs_gen",  # the generated data-model pages
    "cli",  # the `chu` command
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The platform modules ``name`` imports (``from package import module`` counts the module)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("chu_platform")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if not base.startswith("chu_platform"):
                continue
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def _layer(module: str) -> int | None:
    relative = module.removeprefix("chu_platform").removeprefix(".")
    best = None
    for rank, layer in enumerate(LAYERS):
        if relative == layer or relative.startswith(layer + "."):
            best = rank
    return best


def test_every_module_has_a_place_on_the_map():
    unplaced = sorted(m for m in _modules() if m not in ("chu_platform", "chu_platform.layers") and _layer(m) is None)
    assert not unplaced, f"modules outside every layer of LAYERS: {unplaced}"


def test_the_package_root_holds_definitions_and_folders_only():
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "definitions.py"))
    assert not loose, f"loose modules at the package root: {loose}"


def test_no_module_shares_a_standard_library_name():
    clashes = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*")
                     if (p.stem if p.suffix == ".py" else p.name if p.is_dir() else "") in sys.stdlib_module_names)
    assert not clashes, clashes


def test_no_import_from_a_lower_layer_to_a_higher_one():
    graph = _graph()
    upward = _upward(graph)
    assert graph and not upward, "imports against the map:\n" + "\n".join(upward)


def _upward(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets
                  if _layer(a) is not None and _layer(b) is not None and _layer(b) > _layer(a))


def test_no_import_circle():
    graph = _graph()
    assert len(graph) > 100  # the walk found the package
    circles = _circles(graph)
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_circle_finder_finds_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_the_layer_check_sees_an_upward_import():
    assert _layer("chu_platform.lib.delta_store") < _layer("chu_platform.defs.resources") < _layer("chu_platform.cli.run")
    assert _layer("chu_platform.layers.bronze.raw") < _layer("chu_platform.layers.marts.analyses")
    graph = {"chu_platform.lib.delta_store": {"chu_platform.deploy.settings"},
             "chu_platform.cli.run": {"chu_platform.lib.delta_store"}}
    assert _upward(graph) == ["chu_platform.lib.delta_store -> chu_platform.deploy.settings"]
