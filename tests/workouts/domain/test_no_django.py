"""workouts/domain stays pure: no module under it imports Django (house style, Layout)."""

import ast
from pathlib import Path

import workouts.domain

DOMAIN_DIR = Path(workouts.domain.__file__).parent
FORBIDDEN = ("django", "rest_framework", "celery")


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def _forbidden(module: str) -> bool:
    return module.split(".")[0] in FORBIDDEN


def test_domain_modules_exist():
    """The walk below really sees the domain package (a wrong path would pass vacuously)."""
    names = {p.name for p in DOMAIN_DIR.rglob("*.py")}
    assert {"amortization.py", "dates.py", "money.py"} <= names


def test_no_domain_module_imports_django():
    """No file under workouts/domain imports django (or DRF or Celery), even inside a function."""
    offenders = []
    for path in sorted(DOMAIN_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [
            f"{path.relative_to(DOMAIN_DIR.parent.parent)}:{line} imports {module}"
            for line, module in _imported_modules(tree)
            if _forbidden(module)
        ]
    assert offenders == []


def test_checker_catches_each_import_form():
    """The checker flags `import django`, `from django... import`, and importlib calls."""
    source = (
        "import django\n"
        "from django.db import models\n"
        "def f():\n"
        "    import django.conf\n"
        "    importlib.import_module('django.utils')\n"
        "from decimal import Decimal\n"
    )
    flagged = [module for _, module in _imported_modules(ast.parse(source)) if _forbidden(module)]
    assert flagged == ["django", "django.db", "django.conf", "django.utils"]
