"""The code's shape, checked from its own source: how the apps import one another, module sizes,
and that every view states who may open it on its first line (DESIGN.md, Architecture and Access)."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent
APPS = ("partnership", "meetings", "actions", "surveys")
PACKAGES = (*APPS, "bench")
MAX_LINES = 600

# Which apps each app may import: downwards only.
MAY_IMPORT = {
    "partnership": set(),
    "meetings": {"partnership"},
    "actions": {"partnership", "meetings"},
    "surveys": {"partnership", "actions"},
}
# The project layer composes the apps; it alone may import all of them, and no app imports it.
PROJECT_LAYER = {
    "partnership",  # the package's __init__ loads the Celery app
    "partnership.settings",
    "partnership.urls",
    "partnership.celery",
    "partnership.wsgi",
    "partnership.asgi",
    "partnership.dashboard",
    "partnership.management.commands.load_demo",
    # The benchmark's signed-in pages and digest: notifications about actions, a worker and sink of the benches.
    "partnership.management.commands.bench_notifications",
}
# Within and across apps, by the kind of module (its name, or its package's name).
MAY_NOT_IMPORT = {
    "services": {"tasks", "views", "admin"},
    "selectors": {"services", "tasks", "views", "admin", "forms"},
    "models": {"services", "selectors", "tasks", "views", "admin", "forms"},
}
WORKFLOW_MAY_IMPORT = {"models"}
ACCESS_NAMES = {"public", "signed_in"}


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source_files() -> dict[str, Path]:
    files = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).parts
            if "tests" in relative or "migrations" in relative:
                continue
            files[_module_name(path)] = path
    return files


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """Lines under `if TYPE_CHECKING:`, which are never imported at run time."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _resolve(name: str, modules: set[str]) -> str | None:
    """The module of ours that an imported dotted name lands in: itself or its nearest parent package."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, source: str, modules: set[str], is_package: bool = False) -> Iterator[Import]:
    """Every import of one of our modules in a module's source, function-level ones included."""
    tree = ast.parse(source)
    skip = _type_checking_lines(tree)
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != module:
                yield Import(module, target, getattr(node, "lineno", 0))


def _kind(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def rule_breaks(imports: list[Import]) -> list[str]:
    """The imports that break the layering: an app importing upwards or the project layer, a service
    importing tasks or views, a selector importing services, a workflow table importing more than models."""
    breaks = []
    for found in imports:
        source_app, target_app = found.source.split(".")[0], found.target.split(".")[0]
        where = f"{found.source}:{found.line} imports {found.target}"
        if found.source in PROJECT_LAYER or source_app not in MAY_IMPORT:
            continue
        if found.target in PROJECT_LAYER:
            breaks.append(f"{where}, which is the project layer")
        elif target_app != source_app and target_app not in MAY_IMPORT[source_app]:
            breaks.append(f"{where}: {source_app} may import only {sorted(MAY_IMPORT[source_app]) or 'nothing'}")
        source_kind, target_kind = _kind(found.source), _kind(found.target)
        if target_kind in MAY_NOT_IMPORT.get(source_kind, set()):
            breaks.append(f"{where}: {source_kind} never import {target_kind}")
        if source_kind == "workflow" and target_kind not in WORKFLOW_MAY_IMPORT and target_app in APPS:
            breaks.append(f"{where}: workflow tables import only models")
    return breaks


def cycles(imports: list[Import]) -> list[list[str]]:
    """Groups of modules that import one another, directly or around a loop (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = {}
    for found in imports:
        graph.setdefault(found.source, set()).add(found.target)
        graph.setdefault(found.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found_cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found_cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found_cycles


def _all_imports() -> list[Import]:
    files = _source_files()
    modules = set(files)
    found: list[Import] = []
    for module, path in files.items():
        found += imports_of(module, path.read_text(), modules, is_package=path.name == "__init__.py")
    return found


def test_apps_import_downwards_only_and_services_never_import_tasks_or_views():
    assert rule_breaks(_all_imports()) == []


def test_no_module_imports_itself_back_around_a_loop():
    assert cycles(_all_imports()) == []


def test_no_module_outside_tests_and_migrations_passes_600_lines():
    long = {
        module: n for module, path in _source_files().items() if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_import_checks_catch_what_they_forbid():
    modules = {"meetings", "meetings.services", "meetings.tasks", "meetings.selectors", "actions", "actions.views"}
    service = "from meetings import tasks\nfrom actions.views import detail\n"
    selector = "def f():\n    from meetings import services\n"
    found = [
        *imports_of("meetings.services", service, modules),
        *imports_of("meetings.selectors", selector, modules),
    ]
    assert rule_breaks(found) == [
        "meetings.services:1 imports meetings.tasks: services never import tasks",
        "meetings.services:2 imports actions.views: meetings may import only ['partnership']",
        "meetings.services:2 imports actions.views: services never import views",
        "meetings.selectors:2 imports meetings.services: selectors never import services",
    ]
    loop = [Import("a.x", "a.y", 1), Import("a.y", "a.z", 1), Import("a.z", "a.x", 1), Import("a.z", "b", 1)]
    assert cycles(loop) == [["a.x", "a.y", "a.z"]]


# Every view states who may open it ---------------------------------------------------------------


def _views(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Callable[..., Any]]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def first_statement_problem(view: Callable[..., Any]) -> str | None:
    """Why a view's first statement is not its access call, or None when it is."""
    function = inspect.unwrap(view)
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    definition = tree.body[0]
    assert isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef)
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if not body:
        return "has no statements"
    first = body[0]
    call = getattr(first, "value", None)
    if not isinstance(call, ast.Call):
        return "does not begin with a call"
    name = str(getattr(call.func, "id", None) or getattr(call.func, "attr", ""))
    if name.endswith("_access") or name in ACCESS_NAMES:
        return None
    return f"begins with {name}(), not an access call"


def _our_views() -> list[tuple[str, Callable[..., Any]]]:
    return [
        (route, view)
        for route, view in _views(get_resolver().url_patterns)
        # The admin's views are Django's, guarded by each ModelAdmin's permissions and scope.
        if not route.startswith("admin/")
        and inspect.unwrap(view).__module__.split(".")[0] in APPS
        and not hasattr(view, "view_class")
    ]


def test_every_view_of_ours_begins_with_its_access_call():
    views = _our_views()
    assert len(views) > 60
    problems = {}
    for route, view in views:
        problem = first_statement_problem(view)
        if problem:
            problems[route] = f"{inspect.unwrap(view).__module__}.{view.__name__} {problem}"
    assert problems == {}


def _a_view_that_forgot(request: Any) -> Any:
    """A view that forgot to say who may open it."""
    return request.user


def _a_view_that_checks_late(request: Any, pk: int) -> Any:
    items = list(range(pk))
    _access(request.user, pk)
    return items


def _a_view_with_access(request: Any, pk: int) -> Any:
    meeting = _access(request.user, pk)
    return meeting


def _access(user: Any, pk: int) -> Any:
    return pk


@pytest.mark.parametrize(
    ("view", "problem"),
    [
        (_a_view_that_forgot, "does not begin with a call"),
        (_a_view_that_checks_late, "begins with list(), not an access call"),
        (_a_view_with_access, None),
    ],
)
def test_the_view_check_catches_a_view_without_its_access_call(view, problem):
    assert first_statement_problem(view) == problem
