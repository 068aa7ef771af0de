"""Diagnostics are data: a code, a severity, a message, a span and a hint.

Every pass (parser, loader, checker) produces these; only ``report.py`` turns
them into text, so the human, JSON, GitHub and SARIF outputs say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from kpidsl.diagnostics.span import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Related:
    """A second place that explains the first: a contributor to a sum, an earlier definition."""

    message: str
    span: Span


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    span: Span
    hint: str | None = None
    related: tuple[Related, ...] = field(default=())

    def sort_key(self) -> tuple:
        return (self.span.file, self.span.line, self.span.column, self.code)


def error(code: str, message: str, span: Span, hint: str | None = None,
          related: tuple[Related, ...] = ()) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, hint, tuple(related))


def warning(code: str, message: str, span: Span, hint: str | None = None,
            related: tuple[Related, ...] = ()) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, span, hint, tuple(related))


def info(code: str, message: str, span: Span, hint: str | None = None,
         related: tuple[Related, ...] = ()) -> Diagnostic:
    return Diagnostic(code, Severity.INFO, message, span, hint, tuple(related))


class KpiError(Exception):
    """Raised when a file cannot be used at all; carries its diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics
