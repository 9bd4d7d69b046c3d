"""The layers of the code, checked on every test run (README, "Architecture").

- core imports no app; the domain apps import each other in one order only
  (workspaces → contacts → jobs → followups → outreach → sending → replies → integrations: an app
  may import those before it), and neither the site (outreach_site) nor the tools (demo);
- the presentation modules of an app (views, API, admin, forms, filters, urls, the
  MassProspecting-compatible endpoints) may read any app's selectors and call its services;
- no module imports another inside a function (the way a circle hides), except an
  AppConfig.ready, where Django wants app code imported;
- no circle of imports between modules.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_ORDER = (
    "workspaces",
    "contacts",
    "jobs",
    "followups",
    "outreach",
    "sending",
    "replies",
    "integrations",
)
PACKAGES = ("core", *DOMAIN_ORDER, "outreach_site", "demo")
# Modules (relative to their app) that present the domain rather than make it.
PRESENTATION = ("views", "api", "admin", "forms", "filters", "urls", "compat", "csv_export")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, tuple[Path, ast.Module]]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found[_module_name(path)] = (path, ast.parse(path.read_text(), str(path)))
    return found


SOURCES = _sources()


def _imported(module: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> list[str]:
    """The project modules one import statement names (a `from x import y` may name module
    x.y or a name in x)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".")
            base = base if is_package else base[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join([*base, node.module] if node.module else base)
        else:
            prefix = node.module
        names = []
        for alias in node.names:
            candidate = f"{prefix}.{alias.name}"
            names.append(candidate if candidate in SOURCES else prefix)
    return [name for name in names if name.split(".")[0] in PACKAGES]


def _imports(module: str) -> list[str]:
    path, tree = SOURCES[module]
    is_package = path.name == "__init__.py"
    return [
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in _imported(module, node, is_package)
    ]


def _top_level_imports(module: str) -> set[str]:
    path, tree = SOURCES[module]
    is_package = path.name == "__init__.py"
    names = set()
    for node in tree.body:
        statements = [node]
        if isinstance(node, ast.If | ast.Try):  # `if TYPE_CHECKING:` / optional imports
            statements = list(ast.walk(node))
        for statement in statements:
            if isinstance(statement, ast.Import | ast.ImportFrom):
                names.update(_imported(module, statement, is_package))
    return names


def _is_presentation(module: str) -> bool:
    parts = module.split(".")
    return len(parts) > 1 and parts[1] in PRESENTATION


def test_the_layout_is_found():
    assert "outreach.services.transitions" in SOURCES
    assert "core.public_ids" in SOURCES
    assert _top_level_imports("outreach.services.effects") >= {"followups.services"}


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_no_import_hides_inside_a_function(module):
    path, tree = SOURCES[module]
    hidden = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if function.name == "ready" and path.name == "apps.py":
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = _imported(module, node, path.name == "__init__.py")
                if names:
                    hidden.append(f"{function.name} (line {node.lineno}): {', '.join(names)}")
    assert not hidden, f"{module} imports inside functions: {hidden}"


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_imports_point_down_the_layers(module):
    app = module.split(".")[0]
    wrong = []
    for name in _imports(module):
        target = name.split(".")[0]
        if target == app:
            continue
        if app == "core":
            wrong.append(name)  # core is the bottom: it imports no app
        elif (app in DOMAIN_ORDER and target in ("outreach_site", "demo")) or (
            app in DOMAIN_ORDER
            and target in DOMAIN_ORDER
            and DOMAIN_ORDER.index(target) > DOMAIN_ORDER.index(app)
            and not _is_presentation(module)
        ):
            wrong.append(name)
    assert not wrong, f"{module} imports upward: {wrong}"


def test_no_circle_of_imports():
    graph = {module: _top_level_imports(module) & set(SOURCES) for module in SOURCES}
    # Tarjan's strongly connected components; a component of more than one module is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
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
            # A package importing its own submodules is how Python packages work, not a circle.
            outside = [m for m in component if not any(o.startswith(m + ".") for o in component)]
            if len(component) > 1 and len(outside) > 1:
                circles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert not circles, f"import circles: {circles}"
