"""The layers of docs/architecture.md, held by the imports themselves.

Each module belongs to a layer; it may import its own package and any layer below,
never a layer above, and never a sibling package on its own layer (registration,
staff, export and notifications know nothing of each other). Checked on the source's
syntax tree, so an import inside a function counts too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "leadform"

# Bottom first. A name is a top-level module or subpackage of leadform.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__init__", "clock", "i18n"),
    ("domain",),
    ("config",),
    ("storage",),
    ("registration", "staff", "export", "notifications", "privacy"),
    ("web",),
    ("views",),
    ("application",),
    ("commands",),
    ("cli",),
    ("__main__",),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}

# Endpoint modules: each serves its own routes; what two of them share lives in a
# helper module of views/ (context, rendering, body, ...), not in another endpoint.
ENDPOINTS = frozenset(
    {
        "admin",
        "api",
        "embed",
        "export",
        "metrics",
        "opt_out",
        "privacy",
        "register",
        "sign_in",
        "site",
    }
)


def concern(module: str) -> str:
    """`leadform.storage.leads` -> `storage`; `leadform` -> `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The leadform modules a file imports (`from leadform.x import y` counts
    `leadform.x.y` when y is a module, else `leadform.x`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py")
                found.add(candidate if is_module.exists() else node.module)
    return {name for name in found if name == "leadform" or name.startswith("leadform.")}


def violations() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = module_name(path)
        mine = concern(source)
        for target in sorted(imported(path)):
            theirs = concern(target)
            if theirs == mine:
                if mine == "views" and _endpoint(source) and _endpoint(target):
                    found.append(f"{source} -> {target} (one endpoint module imports another)")
                continue
            if RANK[theirs] > RANK[mine]:
                found.append(f"{source} -> {target} (up: {mine} is below {theirs})")
            elif RANK[theirs] == RANK[mine]:
                found.append(f"{source} -> {target} (sideways: {mine} and {theirs})")
    return found


def _endpoint(module: str) -> bool:
    return module.split(".")[-1] in ENDPOINTS and module.startswith("leadform.views.")


DRIVERS = frozenset({"sqlite3", "aiosqlite", "psycopg", "psycopg2", "asyncpg"})
SQL = re.compile(
    r"\b(SELECT\b.+\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|PRAGMA)\b", re.S
)


def database_use(path: Path) -> list[str]:
    """A database driver imported, or a string that reads as SQL."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in DRIVERS]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in DRIVERS:
            found.append(str(node.module))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL.search(node.value)
            and not _is_docstring(node, path)
        ):
            found.append(f"SQL {node.value.strip()[:40]!r}")
    return found


def _is_docstring(node: ast.Constant, path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        ast.get_docstring(owner, clean=False) == node.value
        for owner in ast.walk(tree)
        if isinstance(owner, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    )


def test_only_storage_imports_a_database_driver_or_writes_sql() -> None:
    """storage/ is the seam a second database engine plugs into (issue 12)."""
    outside = [
        f"{module_name(path)}: {use}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if concern(module_name(path)) != "storage"
        for use in database_use(path)
    ]
    assert outside == []


def test_every_module_has_a_layer() -> None:
    concerns = {concern(module_name(path)) for path in PACKAGE.rglob("*.py")}
    assert concerns <= set(RANK), sorted(concerns - set(RANK))


def test_imports_point_down_the_layers() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("leadform.storage.leads", "leadform.notifications.targets", "up"),
        ("leadform.staff.auth", "leadform.export.job", "sideways"),
        ("leadform.views.api", "leadform.views.register", "endpoint"),
    ],
)
def test_the_check_catches_a_wrong_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, target: str, expected: str
) -> None:
    """The rule itself is tested: a planted wrong import is reported."""
    package = tmp_path / "leadform"
    file = package.joinpath(*source.split(".")[1:]).with_suffix(".py")
    file.parent.mkdir(parents=True)
    file.write_text(f"import {target}\n")
    target_file = package.joinpath(*target.split(".")[1:]).with_suffix(".py")
    target_file.parent.mkdir(parents=True, exist_ok=True)
    target_file.write_text("")
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGE"]), "PACKAGE", package)
    [found] = [line for line in violations() if line.startswith(source)]
    assert expected in found
