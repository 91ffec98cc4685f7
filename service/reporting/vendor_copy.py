"""The vendor's copy of the answers they submitted through an invitation, as a PDF.

Made from the snapshot taken at submission (invitations.submitted_answers), so it shows what
the vendor sent even after the agency reopened the assessment or asked for changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.questionnaires.schema import Questionnaire
from service.reporting.pool import default_pool
from service.reporting.render import render_html
from service.reporting.view import AnswerSection, answer_sections, long_date


@dataclass(frozen=True)
class VendorCopy:
    agency: str
    vendor: str
    title: str
    contact: str
    questionnaire: str
    date: str
    sections: list[AnswerSection]


def vendor_copy_pdf(
    *,
    agency: str,
    vendor: str,
    title: str,
    contact: str,
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    submitted_at: datetime,
) -> bytes:
    copy = VendorCopy(
        agency=agency,
        vendor=vendor,
        title=title,
        contact=contact,
        questionnaire=f"{questionnaire.title} (version {questionnaire.version})",
        date=long_date(submitted_at),
        sections=answer_sections(questionnaire, answers, "you"),
    )
    html = render_html("vendor_answers.html.j2", {"c": copy})
    return default_pool().render(html).content
