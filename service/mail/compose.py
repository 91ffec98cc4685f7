"""Rendering an e-mail from its templates: a subject, a plain-text part and an HTML part.

Each kind of message has `templates/<kind>.txt` (which also holds the subject, in its
`subject` block) and `templates/<kind>.html` (extending `layout.html`). The HTML environment
escapes every value; the text one does not (there is no markup to break). Pure: no I/O
beyond reading the shipped templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


def day(value: date | datetime | None) -> str:
    """`5 December 2026`: the form people read in an e-mail."""
    return f"{value.day} {value:%B %Y}" if value else ""


@cache
def _environment(autoescape: bool) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,  # noqa: S701 - False only for the plain-text part
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["day"] = day
    return environment


def compose(kind: str, context: Mapping[str, Any]) -> Composed:
    """The message of `kind` for `context` (which must name `agency`, the organisation)."""
    text_template = _environment(False).get_template(f"{kind}.txt")
    subject_block = text_template.blocks["subject"]
    subject = "".join(subject_block(text_template.new_context(dict(context)))).strip()
    text = text_template.render(context)
    html = _environment(True).get_template(f"{kind}.html").render(context)
    return Composed(subject=" ".join(subject.split()), text=text.strip() + "\n", html=html)
