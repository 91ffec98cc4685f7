"""API shapes for evidence: files, facts, and the status of each answer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.evidence.crosscheck import Status
from service.evidence.kinds import LABELS, EvidenceKind
from service.evidence.models import EvidenceFile
from service.evidence.overview import AnswerStatus, Overview


class FactRead(BaseModel):
    question: str = Field(
        description="The question id the fact speaks to, e.g. `framework.version`."
    )
    value: Any = Field(
        description="The value in the question's terms (option id, version, yes/no)."
    )
    subject: str = Field(
        default="", description="For a version: the framework or runtime it is of."
    )
    location: str = Field(description="`line 12`, or a JSON pointer such as `/auto_map`.")
    excerpt: str = Field(description="What the file says there.")


class EvidenceFileRead(BaseModel):
    id: uuid.UUID
    filename: str
    kind: EvidenceKind
    kind_label: str
    kind_detected: bool = Field(description="False when the uploader chose the kind.")
    source: str = Field(description="`upload`, or `hub` (fetched by the Hugging Face look-up).")
    size: int
    sha256: str
    assessment_revision: int = Field(description="The assessment revision it was uploaded at.")
    applies: bool = Field(
        description="False for a file uploaded after the assessment was submitted: a note only."
    )
    parse_error: str | None = Field(
        description="Why the file could not be read; it is kept, and states no facts."
    )
    facts: list[FactRead]
    uploaded_by: str
    uploaded_at: datetime

    @classmethod
    def of(cls, row: EvidenceFile, *, applies: bool = True) -> EvidenceFileRead:
        return cls(
            id=row.id,
            filename=row.filename,
            kind=row.kind,
            kind_label=LABELS[row.kind],
            kind_detected=row.kind_detected,
            source=row.source,
            size=row.size,
            sha256=row.sha256,
            assessment_revision=row.assessment_revision,
            applies=applies,
            parse_error=row.parse_error,
            facts=[FactRead(**fact) for fact in row.facts],
            uploaded_by=row.uploaded_by_label,
            uploaded_at=row.created_at,
        )


class SourceRead(BaseModel):
    file: str
    location: str
    excerpt: str


class AnswerStatusRead(BaseModel):
    """One answer against the evidence."""

    question: str
    label: str
    status: Status = Field(
        description="`declared`: no evidence; `evidenced`: the evidence agrees; `contradicted`: "
        "it disagrees and the score uses the evidenced value; `suggested`: the answer is unknown "
        "or missing and the evidence gives one (accept it with .../suggestions/{question}/accept)."
    )
    declared: Any = Field(description="The answer as given (null when unanswered).")
    evidenced: Any = Field(description="The value the evidence gives (null when none).")
    explanation: str
    sources: list[SourceRead]

    @classmethod
    def of(cls, item: AnswerStatus) -> AnswerStatusRead:
        check = item.check
        return cls(
            question=check.question,
            label=item.label,
            status=check.status,
            declared=check.declared,
            evidenced=check.evidenced,
            explanation=item.sentence,
            sources=[
                SourceRead(file=f.file, location=f.location, excerpt=f.excerpt) for f in check.facts
            ],
        )


class EvidenceSummaryRead(BaseModel):
    evidenced: int
    contradicted: int
    suggested: int
    declared: int


class EvidenceOverviewRead(BaseModel):
    files: list[EvidenceFileRead]
    summary: EvidenceSummaryRead
    answers: list[AnswerStatusRead] = Field(description="Contradictions first.")
    note: str | None = Field(
        description="Set when the assessment is submitted: evidence is a note."
    )

    @classmethod
    def of(cls, overview: Overview) -> EvidenceOverviewRead:
        return cls(
            files=[
                EvidenceFileRead.of(f, applies=f.id in overview.applying) for f in overview.files
            ],
            summary=EvidenceSummaryRead(**{s.value: overview.count(s) for s in Status}),
            answers=[AnswerStatusRead.of(a) for a in overview.ordered],
            note=overview.note,
        )


class HubLookupRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"repo_id": "Qwen/Qwen2.5-7B-Instruct"}]}
    )

    repo_id: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[A-Za-z0-9][\w.-]*/[\w.-]+$",
        description="A Hub model id such as `Qwen/Qwen2.5-7B-Instruct`; defaults to the "
        "answer to `hf.hub_repo`.",
    )
