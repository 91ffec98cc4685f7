"""Charts drawn by the service as inline SVG: where each score comes from, and the severities.

Text in the markup is escaped (area titles come from the rule pack, not from users, but the
chart does not rely on that); everything else is numbers and fixed colours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from service.reporting.gauges import INK, TRACK
from service.scores.schemas import CategoryRead
from service.scoring.rules import Severity

SEVERITY_COLOURS = {
    Severity.CRITICAL: "#8f1f17",
    Severity.HIGH: "#b3362d",
    Severity.MEDIUM: "#c98a16",
    Severity.LOW: "#4d6b9a",
    Severity.INFO: "#9aa1b0",
}
_ROW, _LABEL, _BAR, _WIDTH = 17, 112, 150, 300


def category_chart(categories: Sequence[CategoryRead], colour: str) -> Markup:
    """One row per area: the track is the most the area can count against the vendor, the
    filled part what it does count; the figures say the same in numbers."""
    widest = max((c.cap for c in categories), default=1.0) or 1.0
    rows = "".join(_row(i, c, widest, colour) for i, c in enumerate(categories))
    height = _ROW * len(categories) + 4
    return Markup(  # noqa: S704 - numbers, constants and escaped titles only
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {height}" '
        f'width="100%" role="img" aria-label="share of each area">{rows}</svg>'
    )


def _row(index: int, category: CategoryRead, widest: float, colour: str) -> str:
    y = index * _ROW + 2
    track = round(_BAR * category.cap / widest, 1)
    filled = round(track * min(1.0, category.counted / category.cap), 1) if category.cap else 0
    title = escape(category.title)
    return (
        f'<text x="0" y="{y + 10}" font-size="8.5" font-family="Lato" fill="{INK}">{title}</text>'
        f'<rect x="{_LABEL}" y="{y + 2}" width="{track}" height="9" rx="2" fill="{TRACK}"/>'
        f'<rect x="{_LABEL}" y="{y + 2}" width="{filled}" height="9" rx="2" fill="{colour}"/>'
        f'<text x="{_LABEL + _BAR + 6}" y="{y + 10}" font-size="8" font-family="Lato" '
        f'fill="{INK}">{category.counted:g} of {category.cap:g}</text>'
    )


def severity_strip(counts: Mapping[Severity, int], width: int = 300) -> Markup:
    """A single bar split by severity, most severe first."""
    total = sum(counts.values())
    parts, x = [], 0.0
    for severity in reversed(Severity):
        share = counts.get(severity, 0) / total if total else 0
        if share:
            w = round(width * share, 1)
            parts.append(
                f'<rect x="{x:.1f}" y="0" width="{w}" height="10" '
                f'fill="{SEVERITY_COLOURS[severity]}"/>'
            )
            x += w
    if not parts:
        parts.append(f'<rect x="0" y="0" width="{width}" height="10" fill="{TRACK}"/>')
    return Markup(  # noqa: S704 - numbers and constants only
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 10" width="100%" '
        f'role="img" aria-label="findings by severity">{"".join(parts)}</svg>'
    )
