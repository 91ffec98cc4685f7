"""Behind a TLS-terminating proxy, cookies are Secure: uvicorn applies X-Forwarded-Proto."""

from __future__ import annotations

import httpx2 as httpx

from tests.web.browser.conftest import Server


def test_cookies_are_secure_when_the_proxy_says_https(server: Server) -> None:
    plain = httpx.get(f"{server.url}/sign-in")
    proxied = httpx.get(f"{server.url}/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert plain.status_code == proxied.status_code == 200
    assert "Secure" not in plain.headers["set-cookie"]
    assert "Secure" in proxied.headers["set-cookie"]
    assert "HttpOnly" in proxied.headers["set-cookie"]
