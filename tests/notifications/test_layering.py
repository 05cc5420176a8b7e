"""The apps below notifications learn of it only through their own signals:
none of their source files imports it, not even inside a function."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"accounts", "config", "forum", "moderation", "notifications"}


def imported_modules(path: Path):
    """(line, module) for every import statement in a file, wherever it is."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def sources(app: str) -> list[Path]:
    return sorted((ROOT / app).rglob("*.py"))


@pytest.mark.parametrize("app", ["accounts", "forum", "moderation"])
def test_lower_apps_do_not_import_notifications(app):
    assert sources(app)
    found = [
        f"{path.relative_to(ROOT)}:{line} {module}"
        for path in sources(app)
        for line, module in imported_modules(path)
        if module == "notifications" or module.startswith("notifications.")
    ]
    assert found == []


def test_the_walk_sees_imports_inside_functions(tmp_path):
    """The check above would catch an import tucked into a function."""
    source = tmp_path / "sample.py"
    source.write_text("def f():\n    from notifications import services\n")
    assert (2, "notifications") in set(imported_modules(source))


def test_notifications_imports_first_party_code_only_at_module_level():
    """No import hidden in a function to dodge a cycle; the one exception is
    connecting the receivers once the app registry is ready."""
    hidden = []
    for path in sources("notifications"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (
                    inner.level > 0 or inner.module.split(".")[0] in FIRST_PARTY
                ):
                    hidden.append(str(path.relative_to(ROOT)))
                if isinstance(inner, ast.Import) and any(
                    a.name.split(".")[0] in FIRST_PARTY for a in inner.names
                ):
                    hidden.append(str(path.relative_to(ROOT)))
    assert hidden == ["notifications/apps.py"]
