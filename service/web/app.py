"""Plugging the web app into the FastAPI application: pages, static files, HTML errors."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service.web import (
    answers,
    assessments,
    branding,
    clients,
    compare,
    dashboard,
    evidence,
    invitations,
    invite,
    invite_workbook,
    passwords,
    people,
    reports,
    review,
    sign_in,
    vendors,
    workbooks,
)
from service.web.errors import html_error_page
from service.web.limits import WebLimits
from service.web.templating import STATIC

ROUTERS = (
    sign_in.router,
    sign_in.session_router,
    dashboard.router,
    clients.router,
    vendors.router,
    assessments.router,
    answers.router,
    invitations.router,
    review.router,
    reports.router,
    compare.router,
    branding.router,
    invite.router,
    people.router,
    passwords.router,
    invite_workbook.router,
    workbooks.router,
    evidence.router,
)


def install_web(app: FastAPI) -> None:
    """Add the pages (none of them in the OpenAPI document) and the browser error pages."""
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.html_error_page = html_error_page
    app.state.web_limits = WebLimits()
