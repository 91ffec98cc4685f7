"""Logos: a few formats, small, and never stored as uploaded.

- PNG and JPEG are decoded (after checking the declared size, so a decompression bomb is refused
  before it is decoded), shrunk to fit a report header and re-encoded as PNG: no metadata, no
  trailing data, no second image hidden in the file.
- SVG is parsed without a DOCTYPE (no entities, so no "billion laughs"), and rebuilt from an
  allow-list of drawing elements and attributes: no scripts, no event handlers, no links to
  anything outside the file, no styles that could fetch a URL.

Reports then hand the logo to the renderer with the HTML; the renderer fetches nothing else.
"""

from __future__ import annotations

import hashlib
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from service.errors import InvalidInput, PayloadTooLarge

MAX_BYTES = 256 * 1024
MAX_SOURCE_PIXELS = 4096 * 4096
BOX = (800, 240)
"""The largest logo kept, in pixels (a report header shows it about 55 x 14 mm)."""
PNG, JPEG, SVG = "image/png", "image/jpeg", "image/svg+xml"
ACCEPTED = (PNG, JPEG, SVG)

SVG_NS = "http://www.w3.org/2000/svg"
ELEMENTS = frozenset(
    (
        "svg",
        "g",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "defs",
        "title",
        "desc",
        "lineargradient",
        "radialgradient",
        "stop",
        "clippath",
    )
)
ATTRIBUTES = frozenset(
    (
        "id",
        "viewbox",
        "width",
        "height",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "d",
        "points",
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "stroke-linecap",
        "stroke-linejoin",
        "opacity",
        "transform",
        "offset",
        "stop-color",
        "stop-opacity",
        "gradientunits",
        "gradienttransform",
        "clip-path",
        "clip-rule",
        "font-family",
        "font-size",
        "font-weight",
        "text-anchor",
        "preserveaspectratio",
        "dominant-baseline",
        "letter-spacing",
        "version",
    )
)
_LOCAL_URL = re.compile(r"^url\(#[A-Za-z0-9_.-]+\)$")


@dataclass(frozen=True)
class Logo:
    content: bytes
    media_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def clean(content: bytes, media_type: str) -> Logo:
    """The logo as stored, or a 413/422 saying what is wrong with the upload."""
    if len(content) > MAX_BYTES:
        raise PayloadTooLarge(
            f"The logo is {len(content) // 1024} KB; the limit is {MAX_BYTES // 1024} KB. "
            "Export it smaller (a report shows it about 55 mm wide), or as SVG."
        )
    kind = media_type.split(";", maxsplit=1)[0].strip().lower()
    if kind == SVG:
        return Logo(_clean_svg(content), SVG)
    if kind in (PNG, JPEG):
        return Logo(_clean_raster(content, kind), PNG)
    raise _invalid(
        f"'{kind or 'no type'}' is not a logo format: send image/png, image/jpeg or {SVG}."
    )


def _clean_raster(content: bytes, kind: str) -> bytes:
    try:
        with Image.open(io.BytesIO(content)) as image:
            expected = "PNG" if kind == PNG else "JPEG"
            if image.format != expected:
                raise _invalid(f"The file is not a {expected} image, although sent as {kind}.")
            width, height = image.size
            if width * height > MAX_SOURCE_PIXELS:
                raise _invalid(f"The image is {width} x {height} pixels; the limit is 4096 x 4096.")
            image.load()
            converted = image.convert("RGBA")
    except Image.DecompressionBombError as exc:
        raise _invalid("The image has far too many pixels; the limit is 4096 x 4096.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise _invalid(f"The image could not be read ({type(exc).__name__}).") from exc
    converted.thumbnail(BOX)
    out = io.BytesIO()
    converted.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _clean_svg(content: bytes) -> bytes:
    lowered = content.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise _invalid("SVG logos may not have a DOCTYPE or entities.")
    try:
        root = ET.fromstring(content)  # noqa: S314 - no DOCTYPE, so no entity expansion
    except ET.ParseError as exc:
        raise _invalid(f"The SVG could not be read: {exc}.") from exc
    if _local(root.tag) != "svg":
        raise _invalid("The file is not an SVG image (its root element is not <svg>).")
    cleaned = _rebuild(root)
    cleaned.set("xmlns", SVG_NS)
    serialised: bytes = ET.tostring(cleaned, encoding="utf-8")
    return serialised


def _rebuild(element: ET.Element) -> ET.Element:
    """A copy with only the allowed elements and attributes (others dropped with their
    children)."""
    copy = ET.Element(_local(element.tag))
    for name, value in element.attrib.items():
        key = _local(name)
        if key.lower() in ATTRIBUTES and _safe_value(value):
            copy.set(key, value)
    copy.text = (
        element.text if _local(element.tag).lower() in {"text", "tspan", "title", "desc"} else None
    )
    for child in element:
        if _local(child.tag).lower() in ELEMENTS:
            rebuilt = _rebuild(child)
            rebuilt.tail = None
            copy.append(rebuilt)
    return copy


def _safe_value(value: str) -> bool:
    """No URL but a reference to an element of the same file."""
    if "url(" in value.lower():
        return bool(_LOCAL_URL.match(value.strip()))
    return ":" not in value or value.replace(" ", "").startswith("#")


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"field": "body", "message": message}])
