"""The documentation's charts as static SVG: layout in pixels here, markup in the
autoescaped templates ``kpidsl/templates/docs/*.svg.j2``.  Values stay ``Decimal``;
pixel positions are the only floats (``charts.scale``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kpidsl.backends.docs.charts import Band, Line, grid, nice_step, scale
from kpidsl.backends.docs.env import environment
from kpidsl.backends.docs.text import num

W, H = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 616, 40, 262


@dataclass(frozen=True, slots=True)
class Tick:
    px: float
    text: str


def _ticks(low: Decimal, high: Decimal, start: float, end: float, percent: bool, most: int = 10) -> list[Tick]:
    step = nice_step(high - low, most) if high > low else Decimal(1)
    return [Tick(scale(v, low, high, start, end), num(v, percent)) for v in grid(low, high, step)]


def line_svg(line: Line) -> str:

    ys = [y for _, y in line.samples] + [m.at for m in line.y_marks] + [Decimal(0)]
    y_low, y_high = min(ys), max(ys)
    if y_high == y_low:
        y_high = y_low + 1
    pad = nice_step(y_high - y_low, 8)
    y_high = -(-y_high // pad) * pad
    y_low = (y_low // pad) * pad

    def px(x: Decimal) -> float:
        return scale(x, line.low, line.high, LEFT, RIGHT)

    def py(y: Decimal) -> float:
        return scale(y, y_low, y_high, BOTTOM, TOP)

    return environment().get_template("line.svg.j2").render(
        line=line, w=W, h=H, left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM,
        x_ticks=_ticks(line.low, line.high, LEFT, RIGHT, line.percent),
        y_ticks=_ticks(y_low, y_high, BOTTOM, TOP, False, 8),
        points=" ".join(f"{px(x)},{py(y)}" for x, y in line.samples),
        values=" ".join(f"{num(x)},{num(y)}" for x, y in line.samples),
        x_marks=[(m, px(m.at)) for m in line.x_marks], y_marks=[(m, py(m.at)) for m in line.y_marks],
        zero_y=py(Decimal(0)) if y_low <= 0 <= y_high else BOTTOM, n=num)


def bar_svg(title: str, bars: tuple[tuple[str, Decimal], ...], top: Decimal) -> str:

    row = 28
    height = TOP + row * len(bars) + 40
    left, right = 200, 560
    rows = [(label, value, TOP + i * row, scale(value, Decimal(0), top, left, right))
            for i, (label, value) in enumerate(bars)]
    return environment().get_template("bars.svg.j2").render(
        title=title, w=W, h=height, left=left, right=right, row=row, rows=rows, top=top, n=num,
        ticks=_ticks(Decimal(0), top, left, right, False, 5), axis_y=TOP + row * len(bars) + 4)


def bands_svg(title: str, bands: tuple[Band, ...], top: Decimal) -> str:

    left, right = 40, 600
    segments = [(b, scale(b.low, Decimal(0), top, left, right), scale(b.high, Decimal(0), top, left, right), i)
                for i, b in enumerate(bands)]
    return environment().get_template("bands.svg.j2").render(
        title=title, w=W, h=130, left=left, right=right, segments=segments, n=num,
        ticks=_ticks(Decimal(0), top, left, right, False, 10))
