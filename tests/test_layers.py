"""The package's layers: every import of a `mockserver` module points down them, never up.

Imports anywhere in a file count (inside functions and under TYPE_CHECKING too): a lazy import is
still a dependency. The layers are the ones drawn in docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mockserver"

LAYERS: list[tuple[str, ...]] = [
    ("mockserver.version", "mockserver.errors", "mockserver.resources", "mockserver.settings"),
    ("mockserver.engine", "mockserver.state"),
    ("mockserver.providers",),
    ("mockserver.registry", "mockserver.fixtures", "mockserver.fixture_yaml", "mockserver.world"),
    ("mockserver.admin", "mockserver.web", "mockserver.guard"),
    ("mockserver.app",),
    (
        "mockserver",
        "mockserver.__main__",
        "mockserver.cli",
        "mockserver.server",
        "mockserver.client",
        "mockserver.http_limits",
        "mockserver.pytest_plugin",
        "mockserver.contract",
        "mockserver.contract_hooks",
        "mockserver.proxy",
    ),
]
"""Lowest first. A module may import its own layer's modules and any lower layer's."""

PEERS = {frozenset({"mockserver.engine", "mockserver.state"})}
"""Parts of one layer that must not import each other: the engine knows nothing of state."""


def part_of(module: str) -> str | None:
    """The layer entry a module belongs to (the longest prefix that names one)."""
    best = None
    for layer in LAYERS:
        for part in layer:
            inside = module == part or (part != "mockserver" and module.startswith(part + "."))
            if inside and (best is None or len(part) > len(best)):
                best = part
    return best


def rank(part: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if part in layer)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str) -> set[str]:
    """Every `mockserver` module a file imports, anywhere in it."""
    found = set()
    package = module if module.count(".") == 0 else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                ).strip(".")
            if base.startswith("mockserver"):
                found |= {_module_or_package(base, alias.name) for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("mockserver")}
    return found


def _module_or_package(base: str, name: str) -> str:
    """`from base import name`: the module `base.name` when there is one, else `base` itself."""
    candidate = f"{base}.{name}"
    path = ROOT / candidate.replace(".", "/")
    return candidate if path.with_suffix(".py").exists() or path.is_dir() else base


def violations(module: str, imported: set[str]) -> list[str]:
    """What is wrong with `module` importing `imported`, in words."""
    own = part_of(module)
    if own is None:
        return [f"{module} is in no layer: add it to LAYERS (and to docs/architecture.md)"]
    wrong = []
    for target in sorted(imported):
        theirs = part_of(target)
        if own == "mockserver.providers" and _other_provider(module, target):
            wrong.append(f"{module} imports {target}: a provider knows no other provider")
        elif theirs is None or theirs == own:
            continue
        elif rank(theirs) > rank(own):
            wrong.append(f"{module} imports {target}, a layer above it")
        elif frozenset({own, theirs}) in PEERS:
            wrong.append(f"{module} imports {target}: {own} and {theirs} must not know each other")
    return wrong


def _other_provider(module: str, target: str) -> bool:
    def provider(name: str) -> str | None:
        parts = name.split(".")
        return parts[2] if len(parts) > 2 and parts[1] == "providers" and parts[2] != "base" else None

    mine, theirs = provider(module), provider(target)
    return theirs is not None and mine != theirs


def test_every_import_in_the_package_points_down_the_layers():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        problems += violations(module, imports_of(path.read_text(), module))
    assert problems == []


def test_the_engine_knows_the_web_api_profile_only_as_a_profile_it_is_given():
    """ASP.NET Web API 2 is 2SMS's stack, not the engine's: no engine module outside
    `engine/webapi/` imports it, and none names it (the engine asks the profile it was given)."""
    problems = []
    for path in sorted((PACKAGE / "engine").rglob("*.py")):
        module = module_name(path)
        if module.startswith("mockserver.engine.webapi"):
            continue
        source = path.read_text()
        problems += [f"{module} imports {t}" for t in imports_of(source, module) if ".webapi" in t]
        problems += [f"{module} names web-api" for word in ('"web-api"', "web_api") if word in source]
    assert problems == []


def test_there_is_no_import_cycle_in_the_package():
    graph = {module_name(p): imports_of(p.read_text(), module_name(p)) for p in PACKAGE.rglob("*.py")}
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(t for t in graph.get(module, ()) if t in graph and t != module):
            if state.get(target) == "open":
                raise AssertionError(" -> ".join([*trail[trail.index(target) :], target]))
            if target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert len(graph) > 60  # the walk saw the whole package


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("mockserver.engine.plan", "from mockserver.state.store import Store", "must not know each other"),
        ("mockserver.state.journal", "from mockserver.engine import binding", "must not know each other"),
        ("mockserver.providers.twosms.pages", "from mockserver.web.templating import Pages", "a layer above"),
        ("mockserver.world", "def f():\n    from mockserver.app import create_app", "a layer above"),
        ("mockserver.engine.routes", "if TYPE_CHECKING:\n    import mockserver.world", "a layer above"),
        (
            "mockserver.providers.twosms.model",
            "from mockserver.providers.jframework import model",
            "no other",
        ),
        ("mockserver.state.store", "from ..providers import base", "a layer above"),
        ("mockserver.newthing", "", "in no layer"),
    ],
)
def test_the_check_catches_an_upward_import(module, source, expected):
    problems = violations(module, imports_of(source, module))
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("mockserver.providers.twosms.model", "from mockserver.state.store import Store"),
        ("mockserver.providers.twosms.model", "from mockserver.providers.twosms.records import Message"),
        ("mockserver.providers.twosms", "from mockserver.providers.base import Provider"),
        ("mockserver.app", "from mockserver.web.ui import WebUI\nfrom mockserver.world import World"),
        ("mockserver.cli", "from mockserver.version import __version__"),
    ],
)
def test_the_check_allows_downward_imports(module, source):
    assert violations(module, imports_of(source, module)) == []


MIRRORED = ("engine", "state")
COVERED_BY = {
    "engine/xmlschema.py": "engine/test_xmlcodec.py",
    "engine/xmlread.py": "engine/test_xmlcodec.py",
}
COVERED_BY["engine/xmlwrite.py"] = "engine/test_xmlcodec.py"
COVERED_BY["state/statefile.py"] = "state/test_state_file.py"


def test_every_engine_and_state_module_has_a_test_module_of_its_own():
    """tests/ mirrors the code: `mockserver/engine/routes.py` is tested by `tests/engine/test_routes.py`
    (the XML codec's parts by one module, the state file by `test_state_file.py`)."""
    missing = []
    for folder in MIRRORED:
        for path in sorted((PACKAGE / folder).glob("*.py")):
            if path.name == "__init__.py":
                continue
            own = f"{folder}/{path.name}"
            test = COVERED_BY.get(own, f"{folder}/test_{path.name}")
            module = f"mockserver.{folder}.{path.stem}"
            if not (ROOT / "tests" / test).exists():
                missing.append(f"mockserver/{own} has no tests/{test}")
            elif module not in imports_of((ROOT / "tests" / test).read_text(), "tests"):
                missing.append(f"tests/{test} does not import {module} itself")
    assert missing == []
