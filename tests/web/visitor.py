"""A browser stand-in for page tests: asks for HTML, keeps cookies, fills in the CSRF token."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.web.auth import SESSION_COOKIE

_CSRF = re.compile(r'name="_csrf" value="([^"]+)"')
_REVISION = re.compile(r'name="_revision" value="(\d+)"')


def csrf_in(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "no CSRF field on the page"
    return html.unescape(found.group(1))


def revision_in(page: str) -> str:
    found = _REVISION.search(page)
    assert found, "no revision field on the page"
    return found.group(1)


@dataclass
class Visitor:
    http: TestClient
    csrf: str = ""

    @classmethod
    def of(cls, app: FastAPI, base_url: str = "http://testserver") -> Visitor:
        client = TestClient(
            app,
            base_url=base_url,
            follow_redirects=False,
            headers={"Accept": "text/html,application/xhtml+xml"},
        )
        return cls(client)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        """A form post carrying this visitor's CSRF token (unless `_csrf` is given)."""
        form = {"_csrf": self.csrf, **(data or {})}
        if form["_csrf"] is None:
            del form["_csrf"]
        return self.http.post(url, data=form, **kwargs)

    def autosave(self, url: str, data: dict[str, Any], **headers: str) -> httpx.Response:
        sent = {"X-CSRF-Token": self.csrf, "Accept": "application/json", **headers}
        return self.http.post(url, data=data, headers=sent)

    def submit_link(self, link: str, answers: dict[str, Any]) -> httpx.Response:
        """Answer and submit through an invitation link, as the vendor's browser does."""
        page = self.http.get(link).text
        form = {"_csrf": csrf_in(page), "_revision": revision_in(page), **answers}
        return self.http.post(f"{link}/submit", data=form)

    def sign_in(self, email: str, password: str, target: str = "/") -> httpx.Response:
        page = self.http.get("/sign-in", params={"next": target})
        response = self.http.post(
            "/sign-in",
            data={
                "_csrf": csrf_in(page.text),
                "email": email,
                "password": password,
                "next": target,
            },
        )
        if response.status_code == 303 and response.headers["location"].startswith("/sign-in"):
            # Refused: post/redirect/get shows the form again, at the refusal's status.
            return self.http.get(response.headers["location"])
        if response.status_code == 303:
            self.csrf = csrf_in(self.http.get("/").text)
        return response

    @property
    def session_token(self) -> str | None:
        return self.http.cookies.get(SESSION_COOKIE)

    def plant_session(self, token: str) -> None:
        """Put a session id in the cookie jar, as an attacker (or a stale tab) would."""
        self.http.cookies.clear()
        self.http.cookies.set(SESSION_COOKIE, token, domain="testserver.local")
