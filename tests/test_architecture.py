"""The layout the code promises: the domain apps import one way, no module takes
part in an import cycle, and imports tucked inside functions stay few and
explained. Every first-party source file is read with `ast`, imports inside
functions included."""

import ast
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_database


ROOT = Path(__file__).resolve().parents[1]

# Lowest first: a module may import its own app and the apps before it.
LAYERS = [
    "accounts",
    "attachments",
    "forum",
    "moderation",
    "facilitation",
    "notifications",
]
# Outside the layers: they may import any app (config not demo or bench).
ABOVE = {"config", "demo", "bench", "tests"}
FIRST_PARTY = {*LAYERS, *ABOVE}
MOST_IMPORTS_INSIDE_FUNCTIONS = 10


@dataclass(frozen=True)
class Import:
    path: str
    line: int
    source: str  # the importing module
    target: str  # the imported module (or package)
    in_function: bool


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path = ROOT) -> list[Path]:
    return sorted(
        path
        for app in FIRST_PARTY
        for path in (root / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def absolute(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of `from <level dots><name> import ...` in module."""
    if level == 0:
        return name or ""
    parts = module.split(".")
    base = parts[: len(parts) - level + (1 if is_package else 0)]
    return ".".join([*base, name] if name else base)


def imports_in(path: Path, modules: set[str], root: Path = ROOT) -> list[Import]:
    """The first-party imports of one file, each resolved to the module it
    loads: `from forum import search` is forum.search, `from forum.models
    import Post` is forum.models."""
    source = module_name(path, root)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = absolute(source, is_package, child.level, child.module)
                targets = [
                    f"{base}.{alias.name}"
                    if f"{base}.{alias.name}" in modules
                    else base
                    for alias in child.names
                ]
            else:
                inner = in_function or isinstance(
                    child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                )
                visit(child, inner)
                continue
            for target in dict.fromkeys(targets):
                if target.split(".")[0] in FIRST_PARTY:
                    where = str(path.relative_to(root))
                    found.append(
                        Import(where, child.lineno, source, target, in_function)
                    )

    visit(tree, False)
    return found


def all_imports(root: Path = ROOT) -> list[Import]:
    files = source_files(root)
    modules = {module_name(path, root) for path in files}
    return [found for path in files for found in imports_in(path, modules, root)]


def app_of(module: str) -> str:
    return module.split(".")[0]


def layering_violations(imports: list[Import]) -> list[str]:
    wrong = []
    for found in imports:
        source, target = app_of(found.source), app_of(found.target)
        if source in LAYERS:
            allowed = set(LAYERS[: LAYERS.index(source) + 1])
        elif source == "config":
            allowed = FIRST_PARTY - {"demo", "bench"}
        else:
            allowed = FIRST_PARTY
        if target not in allowed:
            wrong.append(f"{found.path}:{found.line} {found.source} -> {found.target}")
    return wrong


def import_cycles(imports: list[Import]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan).

    A module importing its own package's __init__ is not counted: Python has
    loaded the package before any of its modules."""
    graph: dict[str, set[str]] = {}
    for found in imports:
        if found.source.startswith(found.target + "."):
            continue
        graph.setdefault(found.source, set()).add(found.target)
        graph.setdefault(found.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return cycles


def comments_by_line(path: Path) -> dict[int, str]:
    """The text of each comment, by line, noqa/type markers left out."""
    comments = {}
    for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if token.type == tokenize.COMMENT:
            text = token.string.lstrip("#").split("# noqa")[0].strip()
            if text and not text.startswith(("noqa", "type:")):
                comments[token.start[0]] = text
    return comments


def unexplained(hidden: list[Import]) -> list[str]:
    missing = []
    for found in hidden:
        comments = comments_by_line(ROOT / found.path)
        if found.line not in comments and found.line - 1 not in comments:
            missing.append(f"{found.path}:{found.line} {found.target}")
    return missing


def test_every_app_imports_only_its_own_layer_or_lower():
    imports = all_imports()
    assert len({found.source for found in imports}) > 100
    assert layering_violations(imports) == []


def test_no_module_takes_part_in_an_import_cycle():
    assert import_cycles(all_imports()) == []


def test_imports_inside_functions_are_few_and_explained():
    hidden = [found for found in all_imports() if found.in_function]
    listed = "\n".join(f"{f.path}:{f.line} {f.target}" for f in hidden)
    assert len(hidden) <= MOST_IMPORTS_INSIDE_FUNCTIONS, listed
    assert unexplained(hidden) == []


# The checks themselves, on small trees made for them.


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_walk_resolves_relative_imports_and_sees_inside_functions(tmp_path):
    write(tmp_path, {"forum/__init__.py": "", "forum/search.py": ""})
    path = write(tmp_path, {"forum/queries.py": "def f():\n    from . import search\n"})
    found = imports_in(
        path / "forum/queries.py", {"forum", "forum.search", "forum.queries"}, tmp_path
    )
    assert [(f.target, f.in_function, f.line) for f in found] == [
        ("forum.search", True, 2)
    ]


def test_an_upward_import_is_a_layering_violation():
    upward = Import("accounts/x.py", 3, "accounts.x", "forum.models", True)
    downward = Import("forum/views.py", 3, "forum.views", "accounts.models", False)
    to_demo = Import("config/urls.py", 3, "config.urls", "demo.seed", False)
    assert layering_violations([upward, downward, to_demo]) == [
        "accounts/x.py:3 accounts.x -> forum.models",
        "config/urls.py:3 config.urls -> demo.seed",
    ]


def test_a_cycle_through_three_modules_is_found():
    edges = [("a.x", "a.y"), ("a.y", "a.z"), ("a.z", "a.x"), ("a.z", "b.w")]
    imports = [Import("", 1, source, target, False) for source, target in edges]
    assert import_cycles(imports) == [["a.x", "a.y", "a.z"]]


def test_an_import_inside_a_function_needs_a_comment(tmp_path):
    path = tmp_path / "sample.py"
    path.write_text(
        "def f():\n"
        "    # Why: the registry is ready only now.\n"
        "    from forum import search\n"
        "    from forum import queries  # noqa: F401\n"
    )
    hidden = [
        Import(str(path), 3, "sample", "forum.search", True),
        Import(str(path), 4, "sample", "forum.queries", True),
    ]
    assert unexplained(hidden) == [f"{path}:4 forum.queries"]
