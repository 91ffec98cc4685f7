"""Evidence files of an assessment: upload, list, delete, and the facts they state.

Services flush, never commit. Files are parsed once, when they are uploaded; their facts are
stored with them, so reading an assessment's evidence never re-parses a file.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.assessments.models import Assessment, AssessmentStatus
from service.auth.principal import Principal
from service.db import utcnow
from service.errors import Conflict, InvalidInput, NotFound
from service.evidence import scoring as evidence_scoring
from service.evidence.facts import Fact
from service.evidence.kinds import LABELS, MAX_UPLOAD, EvidenceKind, detect, human_size
from service.evidence.models import EvidenceFile
from service.evidence.parse import parse
from service.evidence.scoring import EvidenceUse, FileRef
from service.questionnaires.schema import Questionnaire

MAX_FILES = 50
"""Evidence files per assessment."""


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    kind: EvidenceKind | None = None
    source: str = "upload"


def upload(
    session: Session, principal: Principal, assessment: Assessment, data: Upload
) -> EvidenceFile:
    """Store a file with its hash, kind and facts; a file that cannot be read is kept with the
    reason, so the uploader sees it next to the file."""
    name = clean_filename(data.filename)
    content = data.content
    _require_room(session, assessment, content)
    kind = data.kind or detect(name, content[:4096])
    if kind is None:
        raise InvalidInput(
            f"Could not tell what kind of file '{name}' is from its name or content. Name it "
            "as the tools do (README.md, config.json, requirements.txt, poetry.lock, uv.lock, "
            "Dockerfile, Chart.yaml, values.yaml, *.cdx.json, *.spdx.json…) or choose the kind.",
            errors=[{"field": "kind", "message": "choose one of: " + ", ".join(EvidenceKind)}],
        )
    parsed = parse(kind, content)
    row = EvidenceFile(
        id=uuid.uuid4(),
        organisation_id=assessment.organisation_id,
        assessment_id=assessment.id,
        assessment_revision=assessment.revision,
        filename=name,
        kind=kind,
        kind_detected=data.kind is None,
        source=data.source,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        facts=[fact.to_json() for fact in parsed.facts],
        parse_error=parsed.error,
        uploaded_by_type=principal.actor_type,
        uploaded_by_id=principal.actor_id,
        uploaded_by_label=principal.label,
        created_at=utcnow(),
    )
    _refuse_duplicate(session, assessment, row.sha256, kind)
    session.add(row)
    session.flush()
    return row


def _require_room(session: Session, assessment: Assessment, content: bytes) -> None:
    if not content:
        raise InvalidInput(
            "The file is empty: upload the file itself.",
            errors=[{"field": "file", "message": "empty file"}],
        )
    if len(content) > MAX_UPLOAD:
        raise InvalidInput(
            f"The file is {human_size(len(content))}; evidence files may be at most "
            f"{human_size(MAX_UPLOAD)}.",
            errors=[{"field": "file", "message": "too large"}],
        )
    count = session.scalar(select(func.count()).where(EvidenceFile.assessment_id == assessment.id))
    if (count or 0) >= MAX_FILES:
        raise Conflict(
            f"This assessment already has {MAX_FILES} evidence files, the most it can hold. "
            "Delete files that are no longer needed first."
        )


def _refuse_duplicate(
    session: Session, assessment: Assessment, sha256: str, kind: EvidenceKind
) -> None:
    query = select(EvidenceFile.filename).where(
        EvidenceFile.assessment_id == assessment.id,
        EvidenceFile.sha256 == sha256,
        EvidenceFile.kind == kind,
    )
    existing = session.scalar(query)
    if existing is not None:
        raise Conflict(
            f"This file is already attached as '{existing}' (same SHA-256 and kind): nothing "
            "was added."
        )


_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>\"\\]")


def clean_filename(raw: str) -> str:
    """The base name only, without control characters, at most 255 characters."""
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip() or "evidence"
    return base[-255:]


def files(session: Session, assessment: Assessment) -> Sequence[EvidenceFile]:
    query = (
        select(EvidenceFile)
        .where(EvidenceFile.assessment_id == assessment.id)
        .order_by(EvidenceFile.created_at, EvidenceFile.id)
    )
    return session.scalars(query).all()


def get_file(session: Session, assessment: Assessment, file_id: uuid.UUID) -> EvidenceFile:
    row = session.get(EvidenceFile, file_id)
    if row is None or row.assessment_id != assessment.id:
        raise NotFound(f"Assessment {assessment.id} has no evidence file {file_id}.")
    return row


def delete(session: Session, assessment: Assessment, file_id: uuid.UUID) -> None:
    """Remove a file from a draft; a submitted assessment's evidence is part of its record."""
    row = get_file(session, assessment, file_id)
    if assessment.status is not AssessmentStatus.DRAFT:
        raise Conflict(
            f"The assessment is {assessment.status}: its evidence is part of what was "
            "submitted and scored, so it cannot be deleted. Reopen the assessment first."
        )
    session.delete(row)
    session.flush()


def applying(rows: Sequence[EvidenceFile], assessment: Assessment) -> list[EvidenceFile]:
    """The files that apply to the answers: all of them on a draft; on a submitted assessment
    only those uploaded before it was submitted (later ones are notes, never changes)."""
    cutoff: datetime | None = assessment.submitted_at
    if assessment.status is AssessmentStatus.DRAFT or cutoff is None:
        return list(rows)
    return [row for row in rows if row.created_at <= cutoff]


def facts_of(rows: Sequence[EvidenceFile]) -> list[Fact]:
    return [
        Fact.from_json(data, row.filename, row.kind.value)
        for row in rows
        if row.parse_error is None
        for data in row.facts
    ]


def label(kind: EvidenceKind) -> str:
    return LABELS[kind]


def assessments_with_evidence(session: Session) -> frozenset[uuid.UUID]:
    """Every assessment that has an evidence file (ids only)."""
    return frozenset(session.scalars(select(EvidenceFile.assessment_id).distinct()))


def use_for(
    session: Session, assessment: Assessment, questionnaire: Questionnaire
) -> EvidenceUse | None:
    """What the assessment's evidence means for its score (None without evidence)."""
    rows = applying(files(session, assessment), assessment)
    refs = [FileRef(r.sha256, r.filename, r.kind.value) for r in rows]
    return evidence_scoring.use(questionnaire, assessment.answers, refs, facts_of(rows))
