"""The pipeline's layers, held as a table: which package of kpidsl/ may import which.

A module may import its own package and the packages its layer lists; anything else is an
arrow against the pipeline (lowering reading the checker, a backend running the engine) and
fails here, naming the file and line.  Imports made inside a function count: a lazy import
is still an arrow.  Only imports under ``if TYPE_CHECKING:`` are left out, as they never run
(a helper module may name the class that calls it in its annotations).
"""

from __future__ import annotations

import ast as pyast
from pathlib import Path

import pytest

KPIDSL = Path(__file__).resolve().parent.parent / "kpidsl"

# Each layer and the layers it may read, lowest first.  A layer is a package of kpidsl/ (or
# a top-level module); backends are layers of their own, so no backend reads another.
LAYERS: dict[str, set[str]] = {
    "outline": set(),
    "ir": {"outline"},
    "numbers": {"ir", "outline"},
    "interpret": {"ir", "numbers", "outline"},
    "diagnostics": set(),
    "syntax": {"diagnostics", "numbers"},
    "analysis": {"syntax", "diagnostics", "numbers"},
    "check": {"analysis", "syntax", "diagnostics", "numbers"},
    "lower": {"analysis", "syntax", "diagnostics", "numbers", "ir", "outline"},
    "backends.python": {"ir", "numbers", "outline"},
    "data": {"ir", "numbers", "backends.python", "outline"},
    "backends.form": {"ir", "numbers", "data", "outline"},
    "backends.sql": {"ir", "numbers", "data", "outline"},
    "backends.docs": {"ir", "numbers", "interpret", "outline"},
    "engine": {"ir", "numbers", "interpret", "data", "backends.python", "backends.sql", "outline"},
    "api": {"ir", "numbers", "interpret", "diagnostics", "syntax", "analysis", "check", "lower", "data",
            "engine", "outline"},
    "lsp": {"diagnostics", "syntax", "analysis", "check", "numbers", "ir", "outline"},
    "importer": {"syntax", "diagnostics", "numbers"},
    "cli": {"ir", "numbers", "interpret", "diagnostics", "syntax", "analysis", "check", "lower", "data",
            "engine", "backends.python", "backends.form", "backends.sql", "backends.docs", "api", "lsp",
            "importer", "outline"},
}
ALWAYS = {"kpidsl", "backends"}  # the packages' faces (the version; nothing else)


def layer_of(module: str) -> str:
    parts = module.split(".")[1:]
    if parts[:1] == ["backends"] and len(parts) > 1:
        return "backends." + parts[1]
    return parts[0] if parts else "kpidsl"


def module_name(path: Path) -> str:
    rel = path.relative_to(KPIDSL.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _type_checking_lines(tree: pyast.AST) -> set[int]:
    lines: set[int] = set()
    for node in pyast.walk(tree):
        if isinstance(node, pyast.If) and "TYPE_CHECKING" in pyast.unparse(node.test):
            for sub in node.body:
                lines.update(range(sub.lineno, (sub.end_lineno or sub.lineno) + 1))
    return lines


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every kpidsl module ``path`` imports when it runs."""
    tree = pyast.parse(path.read_text(encoding="utf-8"), str(path))
    skip = _type_checking_lines(tree)
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    found = []
    for node in pyast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, pyast.ImportFrom):
            if node.level:
                base = package.split(".")
                module = ".".join(base[: len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "kpidsl":
                continue
            for a in node.names:  # `from kpidsl.x import y` where y is a module is an import of x.y
                sub = f"{module}.{a.name}"
                is_module = (KPIDSL.parent / sub.replace(".", "/")).with_suffix(".py").is_file() or \
                    (KPIDSL.parent / sub.replace(".", "/") / "__init__.py").is_file()
                found.append((node.lineno, sub if is_module else module))
        elif isinstance(node, pyast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "kpidsl"]
    return found


MODULES = sorted(KPIDSL.rglob("*.py"))


def test_every_package_has_a_layer():
    assert sorted({layer_of(module_name(p)) for p in MODULES} - set(LAYERS) - ALWAYS) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(KPIDSL)))
def test_no_import_runs_against_the_pipeline(path):
    mine = layer_of(module_name(path))
    allowed = LAYERS.get(mine, set()) | {mine} | ALWAYS
    wrong = [f"line {line}: {m} ({layer_of(m)})" for line, m in imports(path) if layer_of(m) not in allowed]
    assert wrong == [], f"{mine} may import only {sorted(allowed)}"


def test_the_layer_table_has_no_circle():
    def reaches(a: str, b: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(x == b or (x not in seen and reaches(x, b, seen | {x})) for x in LAYERS[a])
    assert [name for name in LAYERS if reaches(name, name)] == []


def test_no_module_circle():
    graph = {module_name(p): {m for _, m in imports(p)} for p in MODULES}
    circles = []
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph.get(m, ())):
            if n not in graph or n == m:
                continue
            if state.get(n) == 1:
                circles.append(" -> ".join(trail[trail.index(n):] + [n]))
            elif n not in state:
                visit(n, trail + [n])
        state[m] = 2
    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert circles == []


def test_the_import_reader_sees_lazy_relative_and_module_imports(tmp_path, monkeypatch):
    pkg = tmp_path / "kpidsl" / "lower"
    pkg.mkdir(parents=True)
    (tmp_path / "kpidsl" / "check").mkdir()
    (tmp_path / "kpidsl" / "check" / "phases.py").write_text("", encoding="utf-8")
    m = pkg / "m.py"
    m.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from kpidsl.engine import x\n"
                 "def f():\n    from ..check import phases\n    import kpidsl.cli\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "KPIDSL", tmp_path / "kpidsl")
    assert imports(m) == [(5, "kpidsl.check.phases"), (6, "kpidsl.cli")]


def test_no_module_is_over_500_lines():
    assert [str(p.relative_to(KPIDSL)) for p in MODULES if len(p.read_text(encoding="utf-8").splitlines()) > 500] == []
