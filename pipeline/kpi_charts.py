"""Inline SVG charts for the KPI report, drawn on the server: no script, no font, no CDN.

Coordinates are printed with one decimal so the same numbers always give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from html import escape

MET = "#2e7d32"
NOT_MET = "#c62828"
NEUTRAL = "#78909c"
LINE = "#1565c0"
TARGET = "#37474f"
GRID = "#e0e0e0"
FONT = "font-family:'DejaVu Sans',Arial,sans-serif"


def _n(value: float) -> str:
    return f"{value:.1f}"


def _percent(rate: Fraction | None) -> str:
    if rate is None:
        return "—"
    return f"{float(rate) * 100:.1f}".replace(".", ",") + " %"


def colour(met: bool | None) -> str:
    return NEUTRAL if met is None else (MET if met else NOT_MET)


@dataclass(frozen=True)
class SeriesPoint:
    label: str
    rate: Fraction | None
    target: Fraction | None
    met: bool | None


def line_chart(title: str, points: Sequence[SeriesPoint], *, width: int = 380,
               height: int = 210, target_label: str = "chỉ tiêu") -> str:
    """The rate per period (a line with dots, gaps where no dossier) against the target (dashed
    steps, since targets change by year)."""
    left, right, top, bottom = 40, 12, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(points))

    def x(i: int) -> float:
        return left + step * (i + 0.5)

    def y(rate: Fraction) -> float:
        return top + plot_h * (1 - float(rate))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
             f'style="{FONT}">',
             f'<text x="{left}" y="16" font-size="12" font-weight="bold">{escape(title)}</text>']
    for tick in (0, 50, 100):
        ty = _n(y(Fraction(tick, 100)))
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{ty}" y2="{ty}" '
                     f'stroke="{GRID}"/><text x="{left - 4}" y="{ty}" font-size="9" '
                     f'text-anchor="end" dominant-baseline="middle">{tick} %</text>')
    parts += _target_steps(points, x, y, step)
    parts += _rate_line(points, x, y)
    # more than eight labels do not fit side by side: every other one, the latest always
    shown = len(points) <= 8
    for i, p in enumerate(points):
        if shown or (len(points) - 1 - i) % 2 == 0:
            parts.append(f'<text x="{_n(x(i))}" y="{height - bottom + 14}" font-size="9" '
                         f'text-anchor="middle">{escape(p.label)}</text>')
    legend_y = height - 6
    parts.append(f'<line x1="{left}" x2="{left + 18}" y1="{legend_y - 3}" y2="{legend_y - 3}" '
                 f'stroke="{LINE}" stroke-width="2"/><text x="{left + 22}" y="{legend_y}" '
                 f'font-size="9">tỷ lệ</text>'
                 f'<line x1="{left + 70}" x2="{left + 88}" y1="{legend_y - 3}" '
                 f'y2="{legend_y - 3}" stroke="{TARGET}" stroke-dasharray="4 3"/>'
                 f'<text x="{left + 92}" y="{legend_y}" font-size="9">{escape(target_label)}'
                 '</text>')
    parts.append("</svg>")
    return "".join(parts)


def _target_steps(points: Sequence[SeriesPoint], x: Callable[[int], float],
                  y: Callable[[Fraction], float], step: float) -> list[str]:
    out = []
    for i, p in enumerate(points):
        if p.target is None:
            continue
        ty = _n(y(p.target))
        out.append(f'<line x1="{_n(x(i) - step / 2)}" x2="{_n(x(i) + step / 2)}" y1="{ty}" '
                   f'y2="{ty}" stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="4 3"/>')
    return out


def _rate_line(points: Sequence[SeriesPoint], x: Callable[[int], float],
               y: Callable[[Fraction], float]) -> list[str]:
    out: list[str] = []
    segment: list[str] = []
    for i, p in enumerate(points):
        if p.rate is None:
            if len(segment) > 1:
                out.append(_polyline(segment))
            segment = []
            continue
        segment.append(f"{_n(x(i))},{_n(y(p.rate))}")
    if len(segment) > 1:
        out.append(_polyline(segment))
    for i, p in enumerate(points):
        if p.rate is not None:
            out.append(f'<circle cx="{_n(x(i))}" cy="{_n(y(p.rate))}" r="3.5" '
                       f'fill="{colour(p.met)}"><title>{escape(p.label)}: '
                       f'{_percent(p.rate)}</title></circle>')
    last = next((i for i in range(len(points) - 1, -1, -1) if points[i].rate is not None), None)
    if last is not None:
        rate = points[last].rate
        assert rate is not None
        # a white halo keeps the label readable where the target line crosses it
        out.append(f'<text x="{_n(x(last))}" y="{_n(y(rate) - 8)}" font-size="10" '
                   f'font-weight="bold" text-anchor="middle" stroke="#fff" stroke-width="3" '
                   f'paint-order="stroke">{_percent(rate)}</text>')
    return out


def _polyline(points: list[str]) -> str:
    return (f'<polyline points="{" ".join(points)}" fill="none" stroke="{LINE}" '
            'stroke-width="2"/>')


@dataclass(frozen=True)
class Bar:
    label: str
    rate: Fraction | None
    target: Fraction | None
    met: bool | None
    detail: str  # e.g. "12/20"


def bar_chart(title: str, bars: Sequence[Bar], *, width: int = 380) -> str:
    """One horizontal bar per agency, coloured by its verdict, with its target as a tick."""
    left, right, top, row_h = 104, 92, 26, 22
    height = top + row_h * max(1, len(bars)) + 10
    plot_w = width - left - right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
             f'style="{FONT}">',
             f'<text x="4" y="16" font-size="12" font-weight="bold">{escape(title)}</text>']
    for tick in (0, 50, 100):
        tx = _n(left + plot_w * tick / 100)
        parts.append(f'<line x1="{tx}" x2="{tx}" y1="{top - 4}" y2="{height - 8}" '
                     f'stroke="{GRID}"/>')
    for i, bar in enumerate(bars):
        y = top + row_h * i
        parts.append(f'<text x="{left - 6}" y="{y + 11}" font-size="9" text-anchor="end" '
                     f'dominant-baseline="middle">{escape(bar.label)}</text>')
        if bar.rate is not None:
            parts.append(f'<rect x="{left}" y="{y + 3}" width="{_n(plot_w * float(bar.rate))}" '
                         f'height="{row_h - 7}" fill="{colour(bar.met)}"><title>'
                         f'{escape(bar.label)}: {_percent(bar.rate)}</title></rect>')
        if bar.target is not None:
            tx = _n(left + plot_w * float(bar.target))
            parts.append(f'<line x1="{tx}" x2="{tx}" y1="{y}" y2="{y + row_h - 1}" '
                         f'stroke="{TARGET}" stroke-width="2"/>')
        parts.append(f'<text x="{width - right + 5}" y="{y + 11}" font-size="9" '
                     f'dominant-baseline="middle">{_percent(bar.rate)} ({escape(bar.detail)})'
                     '</text>')
    parts.append("</svg>")
    return "".join(parts)
