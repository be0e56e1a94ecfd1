"""The house's layers point one way (docs/architecture.md): read every import of the project's code with `ast`.

Bottom to top: plumbing → tenant → delivery → customers → conversations → surfaces. A module imports its own
layer or lower ones; a surface never imports another surface; the plumbing imports no app; nothing imports
the wiring (settings, root URLconf, app configs). No import cycle, function-level imports included.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("messenger_project", "agents", "devices", "conversations")
RANKS = {"plumbing": 0, "tenant": 1, "delivery": 2, "customers": 3, "conversations": 4, "surface": 5, "wiring": 6}
SURFACES = {  # module prefix -> surface
    "conversations.client_api": "client API",
    "conversations.integration_api": "integration API",
    "conversations.desk": "desk",
    "conversations.templatetags": "desk",
}
WIRING = {"messenger_project.settings", "messenger_project.urls", "messenger_project.wsgi", "messenger_project.asgi"}


def _is_under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> tuple[str, str]:
    """(layer, surface name or "") of a project module."""
    parts = module.split(".")
    if module in WIRING or (len(parts) == 2 and parts[1] == "apps"):
        return "wiring", ""
    for prefix, surface in SURFACES.items():
        if _is_under(module, prefix):
            return "surface", surface
    if "management" in parts:
        return "surface", "commands"
    if parts[1:2] == ["admin"] or (len(parts) > 1 and parts[1].startswith("admin_")) or module == "agents.widgets":
        return "surface", "admin"
    app = parts[0]
    if app == "messenger_project":
        return "plumbing", ""
    if app == "agents":
        return ("delivery", "") if _is_under(module, "agents.delivery") or module == "agents.tasks" else ("tenant", "")
    return {"devices": ("customers", ""), "conversations": ("conversations", "")}[app]


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `module` imports anywhere in its body (a `from package import name` that names a
    module counts as an import of that module)."""
    found: set[str] = set()
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {module: imports_of(module, path, known) for module, path in modules.items()}


def wrong_way(importer: str, imported: str) -> str | None:
    """Why this import breaks a rule, or None."""
    (layer, surface), (their_layer, their_surface) = layer_of(importer), layer_of(imported)
    if layer == "wiring":
        return None
    if their_layer == "wiring":
        return f"{importer} ({layer}) imports the wiring module {imported}"
    if RANKS[their_layer] > RANKS[layer]:
        return f"{importer} ({layer}) imports {imported} ({their_layer}), a layer above it"
    if layer == "surface" and their_layer == "surface" and surface != their_surface:
        return f"{importer} (the {surface}) imports {imported}, inside the {their_surface}"
    return None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_import_points_down_or_stays_in_its_layer():
    problems = [
        problem
        for importer, imported_modules in sorted(import_graph().items())
        for imported in sorted(imported_modules)
        if (problem := wrong_way(importer, imported))
    ]
    assert problems == []


def test_there_is_no_import_cycle():
    assert cycles(import_graph()) == []


# --- the checks themselves catch what they are for -----------------------------------------------------------


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("messenger_project.cache", "agents.models"),  # the plumbing imports an app
        ("agents.models", "agents.delivery.queue"),  # the tenant imports the delivery layer
        ("devices.services", "conversations.services"),  # customers import conversations
        ("conversations.services.posting", "conversations.client_api.base"),  # a domain module imports a surface
        ("conversations.desk.views", "conversations.integration_api.base"),  # one surface imports another's internals
        ("conversations.models", "messenger_project.urls"),  # the wiring
    ],
)
def test_a_wrong_way_import_is_named(importer, imported):
    assert wrong_way(importer, imported) is not None


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("conversations.client_api.messages", "conversations.services"),
        ("conversations.services.posting", "devices.models"),
        ("devices.push.fcm", "agents.delivery.http"),
        ("agents.delivery.queue", "agents.models"),
        ("conversations.admin", "agents.admin_scoping"),
        ("messenger_project.urls", "conversations.desk.views"),
    ],
)
def test_a_right_way_import_passes(importer, imported):
    assert wrong_way(importer, imported) is None


def test_a_cycle_is_found_and_named():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_reader_sees_function_level_and_relative_imports(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from agents.models import Account\n    from . import sibling\n")
    known = {"agents.models", "pkg.sibling", "pkg.mod"}
    assert imports_of("pkg.mod", source, known) == {"agents.models", "pkg.sibling"}
