"""Project configuration, as ruff and black take theirs: a ``kpi.toml`` (its keys at the
top) or the ``[tool.kpi]`` table of a ``pyproject.toml``, the first found in the rubric's
folder or a folder above it.  A command-line option always wins over the file.

    [tool.kpi]
    paths = ["rubrics"]            # what `kpi check`, `kpi fmt` and `kpi test` read when given nothing
    percent-cells = "whole"        # kpi eval / test / diff / form --percent-cells
    select = ["KPI1"]              # report only warnings whose code starts so (errors always show)
    ignore = ["KPI112"]            # never report these warnings
    sheet = "数据"                 # the workbook sheet to read (a name, or a number from 1)
    header-row = 3                 # the row of column titles in a sheet or CSV
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kpidsl.diagnostics.diagnostic import Diagnostic, Severity

PERCENT_MODES = ("strict", "whole", "fraction")
_KEYS = {"paths", "percent-cells", "select", "ignore", "sheet", "header-row"}


class ConfigError(ValueError):
    """A configuration file kpi cannot follow, said in words naming the file."""


@dataclass(frozen=True)
class Config:
    file: Path | None = None
    paths: tuple[str, ...] = ()  # as written: relative to the file's folder
    percent_cells: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    sheet: str | None = None
    header_row: int | None = None
    folder: Path = field(default_factory=Path.cwd)

    def rubric_paths(self) -> tuple[str, ...]:
        return tuple(str(self.folder / p) for p in self.paths)

    def shows(self, d: Diagnostic) -> bool:
        """Whether ``select``/``ignore`` leave this diagnostic in; errors always stay."""
        if d.severity is Severity.ERROR:
            return True
        if self.select and not d.code.startswith(self.select):
            return False
        return not (self.ignore and d.code.startswith(self.ignore))


def find(start: Path) -> Config:
    """The configuration for a rubric at (or a command run in) ``start``: the nearest
    kpi.toml, or pyproject.toml with a [tool.kpi] table, in it or a folder above it."""
    folder = (start if start.is_dir() else start.parent).resolve()
    for d in (folder, *folder.parents):
        own = d / "kpi.toml"
        if own.is_file():
            return _read(own, _load(own))
        project = d / "pyproject.toml"
        if project.is_file():
            table = _load(project).get("tool", {})
            if isinstance(table, dict) and "kpi" in table:
                return _read(project, table["kpi"])
    return Config()


def _load(path: Path) -> dict:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None
    except OSError as e:
        raise ConfigError(f"{path}: {e.strerror}") from None


def _read(path: Path, table: object) -> Config:
    where = f"{path}" + (" [tool.kpi]" if path.name == "pyproject.toml" else "")
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table of settings")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown setting {unknown[0]!r}; the settings are {', '.join(sorted(_KEYS))}")

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{where}: {key} must be a list of strings, e.g. {key} = [\"KPI112\"]")
        return tuple(v.strip() for v in value)

    percent = table.get("percent-cells")
    if percent is not None and percent not in PERCENT_MODES:
        raise ConfigError(f"{where}: percent-cells = {percent!r}; use one of {', '.join(PERCENT_MODES)}")
    sheet = table.get("sheet")
    if sheet is not None and not isinstance(sheet, (str, int)) or isinstance(sheet, bool):
        raise ConfigError(f"{where}: sheet must be a sheet's name or its number from 1")
    row = table.get("header-row")
    if row is not None and (not isinstance(row, int) or isinstance(row, bool) or row < 1):
        raise ConfigError(f"{where}: header-row must be a row number from 1")
    codes = {key: tuple(c.upper() for c in strings(key)) for key in ("select", "ignore")}
    for key, values in codes.items():
        bad = [c for c in values if not c.startswith("KPI")]
        if bad:
            raise ConfigError(f"{where}: {key} holds {bad[0]!r}; codes look like KPI112 (or a prefix, KPI1)")
    return Config(path, strings("paths"), percent, codes["select"], codes["ignore"],
                  None if sheet is None else str(sheet), row, path.parent)
