"""An assessment's evidence as people read it: files, a status per answer, and counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from service.assessments.models import Assessment, AssessmentStatus
from service.catalog import service as catalog_service
from service.evidence import service as evidence_service
from service.evidence.crosscheck import Check, Status, check_all
from service.evidence.models import EvidenceFile
from service.questionnaires.answers import display
from service.questionnaires.schema import Questionnaire


@dataclass(frozen=True)
class AnswerStatus:
    check: Check
    label: str
    declared_label: str
    evidenced_label: str

    @property
    def sentence(self) -> str:
        """One line a reviewer can act on."""
        where = "; ".join(f"{f.file} {f.location}: {f.excerpt}" for f in self.check.facts[:3])
        status = self.check.status
        if status is Status.EVIDENCED:
            return f"Confirmed by {where}."
        if status is Status.CONTRADICTED:
            return (
                f"The answer says {self.declared_label}, but {where}. Scored as "
                f"{self.evidenced_label}."
            )
        if status is Status.SUGGESTED:
            return f"Suggested from {where}: {self.evidenced_label}."
        return "The vendor's word: no evidence file speaks to it."


@dataclass(frozen=True)
class Overview:
    files: Sequence[EvidenceFile]
    applying: frozenset[Any]
    answers: Sequence[AnswerStatus]
    submitted: bool

    def count(self, status: Status) -> int:
        return sum(1 for a in self.answers if a.check.status is status)

    @property
    def ordered(self) -> list[AnswerStatus]:
        """Contradictions first, then suggestions, evidenced and declared answers."""
        rank = {Status.CONTRADICTED: 0, Status.SUGGESTED: 1, Status.EVIDENCED: 2}
        return sorted(self.answers, key=lambda a: rank.get(a.check.status, 3))

    @property
    def by_question(self) -> dict[str, AnswerStatus]:
        return {a.check.question: a for a in self.answers}

    @property
    def note(self) -> str | None:
        if not self.submitted:
            return None
        late = sum(1 for f in self.files if f.id not in self.applying)
        text = (
            "The assessment is submitted: its answers and score do not change. Evidence is "
            "shown as a note; reopen the assessment to act on it."
        )
        return text + (f" {late} file(s) arrived after submission." if late else "")


def overview(session: Session, assessment: Assessment) -> Overview:
    rows = evidence_service.files(session, assessment)
    questionnaire = catalog_service.questionnaire_of(assessment.questionnaire)
    checks = check_all(questionnaire, assessment.answers, evidence_service.facts_of(rows))
    applying = evidence_service.applying(rows, assessment)
    return Overview(
        files=rows,
        applying=frozenset(r.id for r in applying),
        answers=[_present(questionnaire, c) for c in checks.values()],
        submitted=assessment.status is not AssessmentStatus.DRAFT,
    )


def _present(questionnaire: Questionnaire, check: Check) -> AnswerStatus:
    question = questionnaire.questions[check.question]
    return AnswerStatus(
        check,
        question.name,
        display(question, check.declared),
        display(question, check.evidenced),
    )
