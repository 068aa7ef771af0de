"""The docs backend's one Jinja environment, shared by the page and its SVG charts."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from kpidsl import ir
from kpidsl.backends.docs.text import code, link, md, num


def environment() -> Environment:
    # Markdown is not HTML: labels are escaped for Markdown by the ``md`` filter; SVG
    # templates are autoescaped, so a label is always text, never markup.
    env = Environment(loader=PackageLoader("kpidsl", "templates/docs"), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("svg.j2",), default=False),
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["md"] = md
    env.filters["code"] = code
    env.filters["num"] = num
    env.filters["link"] = link
    env.tests["section"] = lambda m: isinstance(m, ir.ShownSection)
    return env
