"""Turn assessment rows into API shapes."""

from __future__ import annotations

from service.assessments.models import Assessment, AssessmentHistory
from service.assessments.schemas import (
    Actor,
    AssessmentRead,
    AssessmentSummary,
    HistoryEntry,
)
from service.assessments.service import questionnaire_for
from service.questionnaires.answers import Progress, missing_required, progress
from service.scores.models import ScoreRecord


def to_summary(assessment: Assessment) -> AssessmentSummary:
    """One loaded assessment's summary, from the stored progress counts. Nested parts are plain
    dicts, so it is validated once. (List pages read plain columns instead: `listing.fields`.)"""
    return AssessmentSummary.model_validate(
        _summary_fields(
            assessment,
            Progress(
                answered=assessment.progress_answered,
                unknown=assessment.progress_unknown,
                visible=assessment.progress_visible,
                required_missing=assessment.progress_required_missing,
            ),
        )
    )


def to_read(assessment: Assessment) -> AssessmentRead:
    questionnaire = questionnaire_for(assessment)
    missing = missing_required(questionnaire, assessment.answers)
    return AssessmentRead.model_validate(
        {
            **_summary_fields(assessment, progress(questionnaire, assessment.answers)),
            "approved_by": assessment.approved_by,
            "conditions": list(assessment.conditions),
            "answers": assessment.answers,
            "missing_required": [q.id for q in missing],
        }
    )


def _summary_fields(assessment: Assessment, p: Progress) -> dict[str, object]:
    vendor, client, questionnaire = assessment.vendor, assessment.client, assessment.questionnaire
    return {
        "id": assessment.id,
        "title": assessment.title,
        "status": assessment.status,
        "external_id": assessment.external_id,
        "vendor": {"id": vendor.id, "name": vendor.name, "external_id": vendor.external_id},
        "client": {"id": client.id, "name": client.name, "external_id": client.external_id},
        "questionnaire": {
            "slug": questionnaire.slug,
            "version": questionnaire.version,
            "content_hash": questionnaire.content_hash,
        },
        "revision": assessment.revision,
        "score": _latest_score(assessment.latest_score),
        "progress": {
            "answered": p.answered,
            "unknown": p.unknown,
            "visible": p.visible,
            "required_missing": p.required_missing,
            "percent": p.percent,
        },
        "created_at": assessment.created_at,
        "updated_at": assessment.updated_at,
        "submitted_at": assessment.submitted_at,
        "approved_at": assessment.approved_at,
        "version": assessment.version,
        "series_id": assessment.series_id,
        "superseded_by_id": assessment.superseded_by_id,
        "deleted_at": assessment.deleted_at,
        "due_on": assessment.due_on,
    }


def to_history(entry: AssessmentHistory) -> HistoryEntry:
    return HistoryEntry(
        revision=entry.revision,
        kind=entry.kind,
        question_id=entry.question_id,
        old_value=entry.old_value,
        new_value=entry.new_value,
        actor=Actor(type=entry.actor_type, label=entry.actor_label),
        reason=entry.reason,
        at=entry.created_at,
    )


def _latest_score(record: ScoreRecord | None) -> dict[str, object] | None:
    """The `LatestScore` fields."""
    if record is None:
        return None
    return {
        "sequence": record.sequence,
        "technical_currency": {"score": record.technical_currency, "band": record.currency_band},
        "integration_risk": {"score": record.integration_risk, "band": record.risk_band},
        "recommendation": record.recommendation,
        "completeness": record.completeness,
        "computed_at": record.computed_at,
    }
