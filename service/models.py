"""Every ORM model, imported in one place for Alembic and the tests."""

from service.api_limits.models import ApiRateCounter
from service.assessments.models import Assessment, AssessmentHistory
from service.auth.models import ApiKey, Organisation
from service.branding.models import Branding
from service.catalog.models import QuestionnaireVersion
from service.clients.models import Client
from service.idempotency.models import IdempotencyKey
from service.invitations.models import Invitation
from service.jobs.models import Job
from service.ratelimits.models import RateLimitHit
from service.reporting.models import RenderedReport
from service.scores.models import KnowledgeSnapshot, RulePackVersion, ScoreRecord
from service.users.models import User, WebSession
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
    "Client",
    "IdempotencyKey",
    "Invitation",
    "Job",
    "KnowledgeSnapshot",
    "Organisation",
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
