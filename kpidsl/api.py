"""Library entry points: check text or files and get diagnostics as data."""

from __future__ import annotations

from pathlib import Path

from .checker import check
from .diagnostics import Diagnostic
from .loader import Loader, Program


class _RecordingReader:
    """Reads files as UTF-8 and keeps their text, so reports can quote lines."""

    def __init__(self):
        self.texts: dict[str, str] = {}

    def __call__(self, path: Path) -> str:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as e:
            e.filename = str(path)  # type: ignore[attr-defined]
            raise
        self.texts[str(path)] = text
        return text


def load_text(text: str, file: str = "<string>") -> tuple[Program | None, list[Diagnostic]]:
    loader = Loader()
    program = loader.load_text(text, file)
    return program, loader.diagnostics


def check_text(text: str, file: str = "<string>") -> list[Diagnostic]:
    """Every diagnostic for one rubric's text. Never raises for bad input."""
    program, diags = load_text(text, file)
    if program is None or diags:
        return diags
    return check(program)


def check_files(files: list[Path]) -> tuple[list[Diagnostic], dict[str, str]]:
    """Diagnostics for several files, each reported once even when files share a used library."""
    reader = _RecordingReader()
    seen: set = set()
    out: list[Diagnostic] = []
    for f in files:
        loader = Loader(read=reader)
        program = loader.load(f)
        diags = loader.diagnostics
        if program is not None and not diags:
            diags = check(program)
        for d in diags:
            key = (d.code, d.span, d.message)
            if key not in seen:
                seen.add(key)
                out.append(d)
    return out, reader.texts
