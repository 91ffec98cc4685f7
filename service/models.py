"""Every ORM model, imported in one place for Alembic and the tests."""

from service.assessments.models import Assessment, AssessmentHistory
from service.auth.models import ApiKey, Organisation
from service.catalog.models import QuestionnaireVersion
from service.clients.models import Client
from service.scores.models import KnowledgeSnapshot, RulePackVersion, ScoreRecord
from service.vendors.models import Vendor

__all__ = [
    "ApiKey",
    "Assessment",
    "AssessmentHistory",
    "Client",
    "KnowledgeSnapshot",
    "Organisation",
    "QuestionnaireVersion",
    "RulePackVersion",
    "ScoreRecord",
    "Vendor",
]
