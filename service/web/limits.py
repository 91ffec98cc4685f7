"""Limits on sign-ins and invitation pages; tests replace `app.state.web_limits`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from service.invitations.service import LinkLimits
from service.users.password_links import ResetThrottle
from service.users.service import SignInThrottle


@dataclass(frozen=True)
class WebLimits:
    sign_in: SignInThrottle = field(default_factory=SignInThrottle)
    invitation_links: LinkLimits = field(default_factory=LinkLimits)
    password_resets: ResetThrottle = field(default_factory=ResetThrottle)


def get_limits(request: Request) -> WebLimits:
    limits: WebLimits = getattr(request.app.state, "web_limits", None) or WebLimits()
    return limits


Limits = Annotated[WebLimits, Depends(get_limits)]
