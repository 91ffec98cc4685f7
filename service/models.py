"""Every ORM model, imported in one place for Alembic and the tests."""

from service.api_limits.models import ApiRateCounter
from service.assessments import sort_indexes  # noqa: F401  (the dashboard's indexes)
from service.assessments.models import Assessment, AssessmentHistory
from service.auth.models import ApiKey, Organisation
from service.branding.models import Branding
from service.catalog.models import QuestionnaireVersion
from service.clients.models import Client
from service.evidence.models import EvidenceFile
from service.form_states.models import FormState
from service.idempotency.models import IdempotencyKey
from service.invitations.models import Invitation
from service.jobs.models import Job
from service.mail.models import MailMessage
from service.ratelimits.models import RateLimitHit
from service.reporting.models import RenderedReport
from service.reviews.models import Clarification, ClarificationMessage
from service.scores.models import KnowledgeSnapshot, RulePackVersion, ScoreRecord
from service.users.models import PasswordToken, User, WebSession
from service.vendors.models import Vendor
from service.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "ApiKey",
    "ApiRateCounter",
    "Assessment",
    "AssessmentHistory",
    "Branding",
    "Clarification",
    "ClarificationMessage",
    "Client",
    "EvidenceFile",
    "FormState",
    "IdempotencyKey",
    "Invitation",
    "Job",
    "KnowledgeSnapshot",
    "MailMessage",
    "Organisation",
    "PasswordToken",
    "QuestionnaireVersion",
    "RateLimitHit",
    "RenderedReport",
    "RulePackVersion",
    "ScoreRecord",
    "User",
    "Vendor",
    "WebSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
