"""HTML typed into answers and names is shown as text on every page that shows it."""

from __future__ import annotations

import html

from sqlalchemy.orm import Session

from service.questionnaires.catalog import Catalog
from tests import builders
from tests.web.conftest import World
from tests.web.visitor import Visitor, csrf_in, revision_in

PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(2)>"
ESCAPED = html.escape(PAYLOAD, quote=True)


def assert_shown_as_text(page: str, where: str) -> None:
    assert PAYLOAD not in page, f"{where}: raw HTML from the vendor reached the page"
    assert "<script>alert" not in page, where
    assert "onerror=alert(2)>" not in page, where
    assert ESCAPED in page, f"{where}: the text is not shown"


def test_answers_and_names_are_escaped_on_every_page(
    buyer: Visitor, visitor: Visitor, world: World, session: Session, catalog: Catalog
) -> None:
    answers = {
        **builders.example("openweave.answers"),
        "product.base_models": PAYLOAD,
        "portability.exit_plan_details": PAYLOAD,
    }
    client = builders.client(session, catalog, world.org, name=PAYLOAD, description=PAYLOAD)
    vendor = builders.vendor(session, world.org, name=PAYLOAD, description=PAYLOAD)
    scored = builders.assessment(
        session,
        catalog,
        world.org,
        answers=answers,
        submitted=True,
        vendor_row=vendor,
        client_row=client,
        title=PAYLOAD,
    )
    draft = builders.assessment(
        session, catalog, world.org, answers=answers, vendor_row=vendor, client_row=client
    )
    session.commit()
    pages = {
        "dashboard": "/",
        "vendors": "/vendors",
        "vendor": f"/vendors/{vendor.id}",
        "clients": "/clients",
        "client": f"/clients/{client.id}",
        "draft": f"/assessments/{draft.id}",
        "result": f"/assessments/{scored.id}",
        "answers": f"/assessments/{scored.id}/answers",
        "history": f"/assessments/{draft.id}/history",
        "compare": f"/compare/{client.id}",
        "compare index": "/compare",
        "new assessment": "/assessments/new",
    }
    for where, path in pages.items():
        response = buyer.get(path)
        assert response.status_code == 200, where
        assert_shown_as_text(response.text, where)

    created = buyer.post(
        f"/assessments/{draft.id}/invitations",
        {"contact_name": PAYLOAD, "contact_email": "x@vendor.example"},
    )
    assert_shown_as_text(created.text, "invitation link")
    link = created.text.split('id="invite-link" type="text" value="')[1].split('"')[0]
    vendor_page = visitor.get(link.removeprefix("http://testserver")).text
    assert_shown_as_text(vendor_page, "vendor's questionnaire")
    form = {"_csrf": csrf_in(vendor_page), "_revision": revision_in(vendor_page), **answers}
    thanks = visitor.http.post(link.removeprefix("http://testserver") + "/submit", data=form)
    assert_shown_as_text(thanks.text, "vendor's thank-you page")


def test_a_refused_answer_is_shown_back_as_text(buyer: Visitor, world: World) -> None:
    response = buyer.post(
        f"/assessments/{world.draft.id}/answers",
        {"_revision": str(world.draft.revision), "framework.version": PAYLOAD},
    )
    assert response.status_code == 303
    page = buyer.get(response.headers["location"]).text
    assert PAYLOAD not in page
    assert html.escape(PAYLOAD) in page  # in the input, and in the message


def test_autosave_messages_are_json_not_html(buyer: Visitor, world: World) -> None:
    response = buyer.autosave(
        f"/assessments/{world.draft.id}/autosave",
        {"_revision": str(world.draft.revision), "framework.version": PAYLOAD},
    )
    assert response.headers["content-type"] == "application/json"
    message = response.json()["errors"]["framework.version"]
    assert message.startswith("Enter the framework version as a version number")
    assert "<" not in message, "the message never echoes the typed markup"
    assert response.headers["x-content-type-options"] == "nosniff"
