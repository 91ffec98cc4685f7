"""Roles and what each may do. Pure: no I/O."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PROCUREMENT = "procurement"
    ACCOUNT_LEAD = "account_lead"
    INTEGRATION = "integration"
    REVIEWER = "reviewer"
    """Reviews submitted answers: clarifications, request changes, approve; reads everything."""


class Permission(StrEnum):
    READ = "read"
    EDIT_DIRECTORY = "edit_directory"
    """Create and change vendors and clients."""
    EDIT_ASSESSMENTS = "edit_assessments"
    """Create assessments, answer them and submit them."""
    REOPEN_ASSESSMENTS = "reopen_assessments"
    REVIEW_ASSESSMENTS = "review_assessments"
    """Start a review, ask for clarifications, request changes, approve."""
    MANAGE_KEYS = "manage_keys"
    MANAGE_WEBHOOKS = "manage_webhooks"
    MANAGE_USERS = "manage_users"
    """Invite people, change their roles, deactivate them (admins)."""
    MANAGE_BRANDING = "manage_branding"
    """The organisation's logo, accent colour and contact on reports."""


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PROCUREMENT: frozenset(
        {
            Permission.READ,
            Permission.EDIT_DIRECTORY,
            Permission.EDIT_ASSESSMENTS,
            Permission.REOPEN_ASSESSMENTS,
        }
    ),
    Role.ACCOUNT_LEAD: frozenset({Permission.READ}),
    Role.INTEGRATION: frozenset(
        {
            Permission.READ,
            Permission.EDIT_DIRECTORY,
            Permission.EDIT_ASSESSMENTS,
            Permission.REVIEW_ASSESSMENTS,
            Permission.MANAGE_WEBHOOKS,
        }
    ),
    Role.REVIEWER: frozenset(
        {Permission.READ, Permission.REVIEW_ASSESSMENTS, Permission.REOPEN_ASSESSMENTS}
    ),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
