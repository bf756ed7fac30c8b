"""The rule modules stay pure: no Flask, no SQLAlchemy, no wall clock.

They take `now` and plain data as arguments, so they can be tested without an
app or a database and give the same answer for the same input.
"""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"
PURE_MODULES = [
    "accounts/chain.py",
    "complaints/duplicates.py",
    "complaints/lifecycle.py",
    "complaints/masking.py",
    "complaints/matching.py",
    "complaints/numbering.py",
    "oversight/offenders.py",
    "oversight/policy.py",
    "pledges/signing.py",
    "pledges/uscc.py",
    "rules/classification.py",
    "rules/compiler.py",
    "rules/engine.py",
    "rules/evaluation.py",
    "rules/matching.py",
    "rules/natures.py",
    "rules/normalise.py",
    "rules/pack_format.py",
    "rules/packs.py",
    "sla/calendar.py",
    "sla/clock.py",
    "sla/figures.py",
    "sla/notices.py",
    "sla/periods.py",
    "sla/policies.py",
    "sla/precedence.py",
    "sla/receipt.py",
    "sla/timeline.py",
    "web/charts.py",
    "web/urgency.py",
]
FORBIDDEN_IMPORTS = (
    "flask",
    "flask_sqlalchemy",
    "sqlalchemy",
    "app.extensions",
    "app.clock",
)
CLOCK_CALLS = {"now", "utcnow", "today"}


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


@pytest.mark.parametrize("module", PURE_MODULES)
def test_rule_module_imports_neither_flask_nor_sqlalchemy(module: str) -> None:
    tree = ast.parse((APP / module).read_text())
    bad = [n for n in _imports(tree) if n.startswith(FORBIDDEN_IMPORTS)]
    assert bad == []


@pytest.mark.parametrize("module", PURE_MODULES)
def test_rule_module_never_reads_the_wall_clock(module: str) -> None:
    tree = ast.parse((APP / module).read_text())
    calls = [
        ast.unparse(node.func)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CLOCK_CALLS
        and ast.unparse(node.func.value)
        in ("datetime", "date", "time", "datetime.datetime")
    ]
    assert calls == []
