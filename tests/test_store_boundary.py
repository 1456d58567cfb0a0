"""The store owns the SQL: outside ``qa_pipeline/store/`` nothing imports SQLAlchemy, the table definitions,
the migrations or a private store name, and nothing calls a store's private method. Checked on the source's
syntax tree (imports inside functions count too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "qa_pipeline"
STORE = PACKAGE / "store"


def _module_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def violations(source: str, module: str = "qa_pipeline.somewhere", is_package: bool = False) -> list[str]:
    """What in ``source`` (a module outside the store) reaches past the store's public API."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy":
                    out.append(f"line {node.lineno}: imports {alias.name}")
                if alias.name.startswith(("qa_pipeline.store.tables", "qa_pipeline.store.migrations")):
                    out.append(f"line {node.lineno}: imports {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(node, module, is_package)
            if target.split(".")[0] == "sqlalchemy":
                out.append(f"line {node.lineno}: imports from {target}")
            if target == "qa_pipeline.store" or target.startswith("qa_pipeline.store."):
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    private = alias.name.startswith("_") or any(p.startswith("_") for p in target.split("."))
                    if private or full.startswith(("qa_pipeline.store.tables", "qa_pipeline.store.migrations")) \
                            or target.startswith(("qa_pipeline.store.tables", "qa_pipeline.store.migrations")):
                        out.append(f"line {node.lineno}: imports {alias.name} from {target}")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name == "store" or name.endswith("_store"):
                out.append(f"line {node.lineno}: uses {name}.{node.attr}")
    return out


OUTSIDE = sorted(p for p in PACKAGE.rglob("*.py") if STORE not in p.parents)


@pytest.mark.parametrize("path", OUTSIDE, ids=[str(p.relative_to(PACKAGE)) for p in OUTSIDE])
def test_nothing_outside_the_store_reaches_into_it(path):
    found = violations(path.read_text("utf-8"), _module_of(path), path.name == "__init__.py")
    assert found == [], f"{path.relative_to(PACKAGE.parent)}: " + "; ".join(found)


@pytest.mark.parametrize("source, module, expected", [
    ("import sqlalchemy as sa", "qa_pipeline.reports", "imports sqlalchemy"),
    ("from sqlalchemy import select", "qa_pipeline.reports", "imports from sqlalchemy"),
    ("from .store import tables as t", "qa_pipeline.reports", "imports tables from qa_pipeline.store"),
    ("from ..store import tables as t", "qa_pipeline.review.app", "imports tables from qa_pipeline.store"),
    ("from ..store.tables import calls", "qa_pipeline.review.app", "imports calls from qa_pipeline.store.tables"),
    ("import qa_pipeline.store.tables", "qa_pipeline.cli", "imports qa_pipeline.store.tables"),
    ("from ..store.db import _wal", "qa_pipeline.batch.runner", "imports _wal from qa_pipeline.store.db"),
    ("def f(store):\n    with store._write() as c: pass", "qa_pipeline.review.state", "uses store._write"),
    ("def f(self):\n    self.store._connect()", "qa_pipeline.review.state", "uses store._connect"),
], ids=["sqlalchemy", "from-sqlalchemy", "tables", "tables-2-up", "tables-names", "tables-absolute",
        "private-helper", "private-method", "private-method-attr"])
def test_the_check_catches_each_kind_of_reach(source, module, expected):
    found = violations(source, module)
    assert len(found) == 1 and expected in found[0], found


@pytest.mark.parametrize("source, module", [
    ("from ..store import Store, reviews, utcnow", "qa_pipeline.review.state"),
    ("from .store.results import calls_frame", "qa_pipeline.reports"),
    ("def f(store):\n    with store.transaction() as tx: pass", "qa_pipeline.review.state"),
    ("def f(pool):\n    pool._connect()", "qa_pipeline.batch.runner"),
], ids=["public-names", "public-module", "transaction", "other-private"])
def test_the_public_api_passes(source, module):
    assert violations(source, module) == []
