"""Managing webhooks over the API, and refusing targets that are not public (SSRF)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.webhooks import sender, targets
from service.webhooks.targets import TargetRefused
from tests.api import Caller, assert_problem, problem_errors
from tests.receiver import Receiver


def test_create_list_update_delete(admin: Caller, receiver: Receiver) -> None:
    created = admin.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "events": ["assessment.scored"], "description": "HubSpot"},
    )
    assert created.status_code == 201
    hook = created.json()
    assert created.headers["location"] == f"/api/v1/webhooks/{hook['id']}"
    assert hook["secret"].startswith("whsec_")
    assert hook["state"] == "healthy"
    listed = admin.get("/api/v1/webhooks").json()
    assert [h["id"] for h in listed] == [hook["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in admin.get(f"/api/v1/webhooks/{hook['id']}").json()
    changed = admin.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"events": ["report.ready", "report.ready"]}
    )
    assert changed.json()["events"] == ["report.ready"]
    assert admin.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    assert_problem(admin.get(f"/api/v1/webhooks/{hook['id']}"), 404, "not-found")


def test_unknown_events_are_refused_with_a_hint(admin: Caller, receiver: Receiver) -> None:
    response = admin.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["assessment.score"]}
    )
    body = assert_problem(
        response, 422, "invalid-input", detail_contains="did you mean 'assessment.scored'"
    )
    assert problem_errors(body, key="field") == {
        "body.events": "unknown event type 'assessment.score'"
    }


def test_only_admins_and_integrations_manage_webhooks(
    as_role: Callable[[Role], Caller], receiver: Receiver
) -> None:
    body = {"url": receiver.url, "events": ["assessment.scored"]}
    assert as_role(Role.INTEGRATION).post("/api/v1/webhooks", json=body).status_code == 201
    for role in (Role.PROCUREMENT, Role.ACCOUNT_LEAD):
        response = as_role(role).post("/api/v1/webhooks", json=body)
        assert_problem(response, 403, "forbidden", detail_contains="cannot manage webhooks")


@pytest.fixture
def strict(app: Any) -> None:
    """The production default: private targets refused."""
    app.state.settings = app.state.settings.model_copy(
        update={"webhook_allow_private_targets": False}
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example/x", "only http and https"),
        ("http://127.0.0.1:8080/x", "a loopback address"),
        ("http://localhost/x", "a loopback address"),
        ("http://10.1.2.3/x", "a private address"),
        ("http://192.168.0.10/x", "a private address"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[::1]/x", "a loopback address"),
        ("http://[fd00::1]/x", "a private address"),
        ("http://100.64.0.1/x", "a shared address"),
        ("http://0.0.0.0/x", "an unspecified address"),
        ("http://metadata.google.internal/x", "cloud metadata"),
        ("http://user:pass@hooks.example/x", "credentials in the URL"),
        ("http://93.184.215.14:0/x", "port 0"),
        ("http://[2002:7f00:1::1]/x", "a 6to4 address"),
        ("http://[2002:5db8:d70e::1]/x", "a 6to4 address"),
        ("http://[2001:0:5ef5:79fd::1]/x", "a Teredo address"),
        ("http://[64:ff9b::a00:1]/x", "a NAT64 address for 10.0.0.1, a private address"),
        ("http://[64:ff9b:1::7f00:1]/x", "a NAT64 address for 127.0.0.1, a loopback address"),
    ],
)
def test_private_and_odd_targets_are_refused_at_registration(
    admin: Caller, strict: None, url: str, reason: str
) -> None:
    response = admin.post("/api/v1/webhooks", json={"url": url, "events": ["assessment.scored"]})
    body = assert_problem(response, 422, "invalid-input", detail_contains="cannot receive webhooks")
    assert reason in problem_errors(body, key="field")["body.url"]


def test_targets_are_checked_again_at_delivery(receiver: Receiver) -> None:
    """A host that was public at registration may resolve to a private address later."""
    attempt = sender.deliver(receiver.url, b"{}", {}, allow_private=False)
    assert attempt.status_code is None
    assert attempt.error is not None
    assert attempt.error.startswith("refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address")
    assert receiver.received == []


def test_ipv4_mapped_ipv6_is_judged_as_ipv4() -> None:
    assert targets.refusal(ipaddress.ip_address("::ffff:127.0.0.1")) == "a loopback address"
    assert targets.refusal(ipaddress.ip_address("93.184.215.14")) is None


def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(TargetRefused, match="does not resolve"):
        targets.resolve("http://no-such-host.invalid/x", allow_private=False)


def test_the_response_body_is_read_only_up_to_a_limit(
    receiver: Receiver, session: Session, org: Organisation
) -> None:
    attempt = sender.deliver(receiver.url, b"{}", {}, allow_private=True)
    assert attempt.succeeded
    assert attempt.excerpt == "ok"
    assert sender.RESPONSE_EXCERPT_BYTES <= 4096
