"""Who is acting: the identity every service function receives. Pure: no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from service.auth.permissions import Permission, Role, allows


class ActorType(StrEnum):
    API_KEY = "api_key"
    USER = "user"
    INVITATION = "invitation"
    SYSTEM = "system"


@dataclass(frozen=True)
class Principal:
    organisation_id: uuid.UUID
    role: Role
    actor_type: ActorType
    actor_id: uuid.UUID | None
    label: str
    """How the actor appears in history, e.g. 'API key svk_3f9a1c2e (CRM sync)'."""

    def can(self, permission: Permission) -> bool:
        return allows(self.role, permission)
