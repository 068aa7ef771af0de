"""Generate docs/diagnostics.md from kpidsl/diagnostics/codes.py: ``python -m kpidsl.cli.docgen``."""

from __future__ import annotations

import sys
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from kpidsl.cli.report import JSON_SCHEMA
from kpidsl.diagnostics.codes import CODES, EXAMPLE_LIBRARY


def environment() -> Environment:
    # Markdown, not HTML: autoescaping would mangle `<` in the examples.
    return Environment(loader=PackageLoader("kpidsl", "templates"), undefined=StrictUndefined,
                       keep_trailing_newline=True, autoescape=False)


def diagnostics_markdown() -> str:
    template = environment().get_template("diagnostics.md.j2")
    return template.render(codes=[CODES[c] for c in sorted(CODES)], schema=JSON_SCHEMA,
                           library=EXAMPLE_LIBRARY[0], library_text=EXAMPLE_LIBRARY[1])


def main(argv: list[str] | None = None) -> int:
    out = Path(argv[0] if argv else "docs/diagnostics.md")
    out.write_text(diagnostics_markdown(), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
