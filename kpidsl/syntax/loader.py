"""Load a rubric and everything it ``use``s into one ``Program``.

``use "file.kpi"`` splices the other file's definitions in where the ``use``
stands; ``use a, b from "file.kpi"`` takes only the named scoring statements
but all declarations (inputs, metrics, raters, keys), since the named ones
need them.  Header lines of a used file (title, period, signatures…) stay
with that file.

What ``use`` may reach: files inside the folder of the rubric being loaded (the
root), and its subfolders, after symlinks are resolved.  Anything else — an absolute
path, ``../`` out of that folder — is KPI013, and is not opened: a rubric from
someone else cannot make ``kpi check`` read and quote ``/etc/passwd``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kpidsl.diagnostics.diagnostic import Diagnostic, KpiError, error
from kpidsl.syntax import ast
from kpidsl.syntax.parser import parse, read_source

_HEADER = (ast.Setting, ast.Rounding, ast.TextList, ast.Note)
_DECLARATIONS = (ast.Input, ast.Metric, ast.Rater, ast.Key)


@dataclass(frozen=True, slots=True)
class Program:
    root: ast.Rubric
    statements: tuple[ast.Statement, ...]  # the root's, with every ``use`` expanded in place
    imported: frozenset[int]  # id() of statements that came from another file


def _named(stmt: object) -> str | None:
    return getattr(stmt, "name", None)


class Loader:
    def __init__(self, read: Callable[[Path], str] = read_source) -> None:
        self._read = read
        self._parsed: dict[Path, ast.Rubric] = {}
        self.diagnostics: list[Diagnostic] = []
        self._root = Path.cwd()

    def load_text(self, text: str, file: str) -> Program | None:
        try:
            root = parse(text, file)
        except KpiError as e:
            self.diagnostics.extend(e.diagnostics)
            return None
        imported: set[int] = set()
        path = Path(file).resolve() if not file.startswith("<") else Path.cwd() / "<string>"
        self._root = path.parent
        statements = self._expand(root, path, [path], imported)
        return Program(root, tuple(statements), frozenset(imported))

    def load(self, path: str | Path) -> Program | None:
        path = Path(path)
        text = self._read(path)
        return self.load_text(text, str(path))

    def _expand(self, rubric: ast.Rubric, path: Path, stack: list[Path], imported: set[int]) -> list:
        out: list = []
        for stmt in rubric.statements:
            if not isinstance(stmt, ast.Use):
                out.append(stmt)
                continue
            if "\0" in stmt.path:  # no file system takes it: the path cannot name a file
                self.diagnostics.append(error(
                    "KPI010", f"`use` names a path with a NUL character in it: {stmt.path!r}", stmt.span,
                    "write the file's name without the \\0"))
                continue
            try:
                target = (path.parent / stmt.path).resolve()
            except (OSError, RuntimeError) as e:  # a link loop, a name too long for the file system
                self.diagnostics.append(error("KPI010", f"`use` names a path that cannot be read: {stmt.path} ({e})",
                                              stmt.span))
                continue
            if not target.is_relative_to(self._root):
                self.diagnostics.append(error(
                    "KPI013", f"`use` reaches outside the rubric's folder: {stmt.path}", stmt.span,
                    f"a rubric may use files in {self._root} and its subfolders; copy the file there"))
                continue
            if target in stack:
                chain = " → ".join(p.name for p in stack[stack.index(target):] + [target])
                self.diagnostics.append(error(
                    "KPI011", f"`use` makes a cycle: {chain}", stmt.span,
                    "move what both files need into a third file that neither of them uses"))
                continue
            used = self._parse_used(target, stmt)
            if used is None:
                continue
            expanded = self._expand(used, target, stack + [target], imported)
            picked = self._pick(expanded, stmt)
            imported.update(id(s) for s in picked)
            out.extend(picked)
        return out

    def _parse_used(self, target: Path, stmt: ast.Use) -> ast.Rubric | None:
        if target in self._parsed:
            return self._parsed[target]
        try:
            is_file = target.is_file()
        except OSError as e:  # a name too long, a folder that cannot be entered
            self.diagnostics.append(error("KPI010", f"cannot read {stmt.path}: {e.strerror}", stmt.span))
            return None
        if not is_file and target.exists():  # a pipe would block the read forever
            self.diagnostics.append(error(
                "KPI010", f"`use` names something that is not a regular file: {stmt.path}", stmt.span,
                "a rubric may use .kpi files only, not a folder, a pipe or a device"))
            return None
        if not is_file:
            self.diagnostics.append(error(
                "KPI010", f"`use` names a file that does not exist: {stmt.path}", stmt.span,
                f"the path is read relative to this file's folder; looked for {target}"))
            return None
        try:
            rubric = parse(self._read(target), str(target))
        except KpiError as e:
            self.diagnostics.extend(e.diagnostics)
            return None
        except UnicodeDecodeError as e:
            line = e.object[:e.start].count(b"\n") + 1
            self.diagnostics.append(error(
                "KPI010", f"cannot read {stmt.path}: not UTF-8 text ({e.reason} at byte {e.start}, line {line})",
                stmt.span, "save the used file as UTF-8"))
            return None
        except OSError as e:
            self.diagnostics.append(error("KPI010", f"cannot read {stmt.path}: {e.strerror or e}", stmt.span))
            return None
        self._parsed[target] = rubric
        return rubric

    def _pick(self, statements: list, stmt: ast.Use) -> list:
        body = [s for s in statements if not isinstance(s, _HEADER)]
        if stmt.names is None:
            return body
        wanted = set(stmt.names)
        found = {_named(s) for s in body}
        offered = sorted(n for n in found if n)
        for name in stmt.names:
            if name not in found:
                close = difflib.get_close_matches(name, offered, n=1)
                hint = (f"did you mean `{close[0]}`?" if close else
                        f"{stmt.path} offers: " + ", ".join(f"`{n}`" for n in offered[:12]))
                self.diagnostics.append(error(
                    "KPI012", f"`{name}` is not defined in {stmt.path}", stmt.span, hint))
        return [s for s in body if isinstance(s, _DECLARATIONS) or _named(s) in wanted]
