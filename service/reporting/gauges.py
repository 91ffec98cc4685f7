"""Score gauges drawn as inline SVG: no charting service, nothing fetched.

A half-circle dial with the three bands as coloured segments and a needle at the score. Only
numbers and fixed colour names go into the markup, never text from a user.
"""

from __future__ import annotations

import math

from markupsafe import Markup

from service.scoring.rules import Dimension

BAND_COLOURS = {
    "current": "#2f7d4f",
    "low": "#2f7d4f",
    "lagging": "#c98a16",
    "moderate": "#c98a16",
    "outdated": "#b3362d",
    "high": "#b3362d",
}
TRACK = "#e7e9ee"
INK = "#1d2433"

_CX, _CY, _R, _WIDTH = 100.0, 100.0, 78.0, 18.0


def gauge(score: int, dimension: Dimension, thresholds: tuple[int, int], size: int = 180) -> Markup:
    """The dial for one dimension; `thresholds` are the two band edges from the rule pack."""
    score = max(0, min(100, int(score)))
    segments = _segments(dimension, thresholds)
    arcs = "".join(
        f'<path d="{_arc(start, end)}" stroke="{colour}" stroke-width="{_WIDTH}" fill="none"/>'
        for start, end, colour in segments
    )
    needle_x, needle_y = _point(score, _R - 30)
    height = round(size * 0.62)
    return Markup(  # noqa: S704 - built from numbers and constants only
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 124" width="{size}" '
        f'height="{height}" role="img" aria-label="score {score} of 100">'
        f'<path d="{_arc(0, 100)}" stroke="{TRACK}" stroke-width="{_WIDTH + 4}" fill="none"/>'
        f"{arcs}"
        f'<line x1="{_CX}" y1="{_CY}" x2="{needle_x:.1f}" y2="{needle_y:.1f}" '
        f'stroke="{INK}" stroke-width="3.5" stroke-linecap="round"/>'
        f'<circle cx="{_CX}" cy="{_CY}" r="6" fill="{INK}"/>'
        f'<text x="{_CX}" y="{_CY + 22}" text-anchor="middle" font-size="20" '
        f'font-weight="bold" font-family="Lato" fill="{INK}">{score}</text>'
        "</svg>"
    )


def _segments(dimension: Dimension, thresholds: tuple[int, int]) -> list[tuple[float, float, str]]:
    first, second = sorted(thresholds)
    if dimension is Dimension.TECHNICAL_CURRENCY:
        # Higher is better: outdated | lagging | current
        return [
            (0, first, BAND_COLOURS["outdated"]),
            (first, second, BAND_COLOURS["lagging"]),
            (second, 100, BAND_COLOURS["current"]),
        ]
    return [
        (0, first, BAND_COLOURS["low"]),
        (first, second, BAND_COLOURS["moderate"]),
        (second, 100, BAND_COLOURS["high"]),
    ]


def _point(value: float, radius: float) -> tuple[float, float]:
    angle = math.pi * (1 - value / 100)
    return _CX + radius * math.cos(angle), _CY - radius * math.sin(angle)


def _arc(start: float, end: float) -> str:
    x1, y1 = _point(start, _R)
    x2, y2 = _point(end, _R)
    return f"M {x1:.2f} {y1:.2f} A {_R} {_R} 0 0 1 {x2:.2f} {y2:.2f}"


def bar(value: float, maximum: float, colour: str = INK, width: int = 120) -> Markup:
    """A small horizontal bar for category totals."""
    share = 0.0 if maximum <= 0 else max(0.0, min(1.0, value / maximum))
    filled = round(share * width, 1)
    return Markup(  # noqa: S704 - numbers and constants only
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="8" '
        f'viewBox="0 0 {width} 8"><rect width="{width}" height="8" rx="4" fill="{TRACK}"/>'
        f'<rect width="{filled}" height="8" rx="4" fill="{colour}"/></svg>'
    )
