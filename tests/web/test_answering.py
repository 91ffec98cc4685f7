"""Answering a draft on its page: autosave, Save without JavaScript, conflicts, submit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.assessments.models import AssessmentStatus
from tests import builders
from tests.web.conftest import World
from tests.web.visitor import Visitor, revision_in


def answers_form(revision: int, **answers: Any) -> dict[str, Any]:
    return {"_revision": str(revision), **{k.replace("__", "."): v for k, v in answers.items()}}


def test_the_draft_page_shows_sections_help_and_progress(buyer: Visitor, world: World) -> None:
    page = buyer.get(f"/assessments/{world.draft.id}").text
    assert "Training framework and version" in page
    assert "Most new models and techniques appear first for PyTorch" in page  # help text
    assert 'data-autosave="/assessments/' in page
    assert revision_in(page) == str(world.draft.revision)
    assert "required still to answer" in page
    # framework.other_name shows only when the framework is "other"
    assert 'id="q-framework-other_name" data-question="framework.other_name" hidden' in page


def test_autosave_answers_with_the_servers_visibility_and_messages(
    buyer: Visitor, world: World, session: Session
) -> None:
    url = f"/assessments/{world.draft.id}/autosave"
    response = buyer.autosave(
        url,
        answers_form(
            world.draft.revision, framework__primary="other", framework__version="not a version"
        ),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "saved"
    assert body["revision"] == world.draft.revision + 1
    assert "framework.other_name" in body["visible"]
    assert body["errors"] == {
        "framework.version": (
            "Enter the framework version as a version number such as 2.4.1, or choose "
            "“Don't know / won't say”."
        )
    }
    assert body["message"] == "1 answer was not saved: see the message next to it."
    assert body["progress"]["answered"] == 1
    assert body["sections"]["framework"] == {"answered": 1, "visible": 4}
    session.refresh(world.draft)
    assert world.draft.answers == {"framework.primary": "other"}

    hidden = buyer.autosave(url, answers_form(body["revision"], framework__primary="pytorch"))
    assert "framework.other_name" not in hidden.json()["visible"]


def test_autosave_with_a_stale_revision_is_a_conflict_and_changes_nothing(
    buyer: Visitor, world: World, session: Session
) -> None:
    url = f"/assessments/{world.draft.id}/autosave"
    stale = world.draft.revision
    assert buyer.autosave(url, answers_form(stale, framework__primary="jax")).status_code == 200
    response = buyer.autosave(url, answers_form(stale, framework__primary="tensorflow"))
    assert response.status_code == 412
    assert response.json() == {
        "status": "conflict",
        "revision": stale + 1,
        "message": (
            "Not saved: someone else changed this assessment after you opened it. Your edits "
            "are still on this page; note anything you need, then reload to see the other "
            "changes."
        ),
    }
    session.refresh(world.draft)
    assert world.draft.answers["framework.primary"] == "jax"


def test_save_without_javascript_redirects_with_a_message(
    buyer: Visitor, world: World, session: Session
) -> None:
    form = answers_form(
        world.draft.revision,
        framework__primary="pytorch",
        framework__version="2.5.1",
        hardware__dedicated_server_required="unknown",
        deployment__models=["saas", "on_prem"],
        product__base_models="Line one\r\nLine two",
    )
    response = buyer.post(f"/assessments/{world.draft.id}/answers", form)
    assert response.status_code == 303
    assert response.headers["location"] == f"/assessments/{world.draft.id}"
    assert "Draft saved." in buyer.get(response.headers["location"]).text
    session.refresh(world.draft)
    assert world.draft.answers == {
        "framework.primary": "pytorch",
        "framework.version": "2.5.1",
        "hardware.dedicated_server_required": "unknown",
        "deployment.models": ["saas", "on_prem"],
        "product.base_models": "Line one\nLine two",
    }, "browsers send line breaks as CRLF; they are stored as typed"


def test_save_without_javascript_shows_refused_answers_next_to_their_question(
    buyer: Visitor, world: World, session: Session
) -> None:
    form = answers_form(
        world.draft.revision,
        framework__primary="jax",
        hardware__min_gpu_memory_gb="lots",
        hardware__gpu="required",
    )
    response = buyer.post(f"/assessments/{world.draft.id}/answers", form)
    assert response.status_code == 422
    assert "1 answer was not saved: see the message next to it." in response.text
    assert (
        "Enter the GPU memory needed in GB, a whole number from 1 to 10,000, or choose "
        "“Don&#39;t know / won&#39;t say”." in response.text
    ), "the message names the question, its unit and its range"
    assert '<a href="#q-hardware-min_gpu_memory_gb-input" data-focus-link>' in response.text
    assert 'value="lots"' in response.text, "the refused value is shown back"
    session.refresh(world.draft)
    assert world.draft.answers["framework.primary"] == "jax", "the valid answers are saved"


def test_a_stale_save_shows_what_was_not_saved(
    buyer: Visitor, world: World, session: Session
) -> None:
    stale = world.draft.revision
    buyer.post(
        f"/assessments/{world.draft.id}/answers", answers_form(stale, framework__primary="jax")
    )
    response = buyer.post(
        f"/assessments/{world.draft.id}/answers",
        answers_form(stale, framework__primary="tensorflow"),
    )
    assert response.status_code == 409
    assert "Someone else saved changes to this assessment" in response.text
    assert (
        "<dt>Which machine learning framework are the models built and run with?</dt>"
        in response.text
    )
    assert "<dd>TensorFlow (including Keras on TensorFlow)</dd>" in response.text
    session.refresh(world.draft)
    assert world.draft.answers["framework.primary"] == "jax"


def test_submit_lists_the_missing_questions_by_label_and_keeps_the_answers(
    buyer: Visitor, world: World, session: Session
) -> None:
    answers = builders.example("openweave.answers")
    del answers["hf.model_swappable"]
    form = {"_revision": str(world.draft.revision), **answers}
    response = buyer.post(f"/assessments/{world.draft.id}/submit", form)
    assert response.status_code == 422
    assert (
        "Not submitted yet: 1 required question is unanswered. Your answers are saved."
        in response.text
    )
    assert "1 question to answer or correct, in 1 section:" in response.text
    assert '<a href="#q-hf-model_swappable-input" data-focus-link>' in response.text
    assert 'id="q-hf-model_swappable-input"' in response.text, "the link reaches a control"
    session.refresh(world.draft)
    assert world.draft.status is AssessmentStatus.DRAFT
    assert world.draft.answers["framework.version"] == "2.14.1"


def test_submit_scores_and_shows_the_result(buyer: Visitor, world: World, session: Session) -> None:
    form = {"_revision": str(world.draft.revision), **builders.example("openweave.answers")}
    response = buyer.post(f"/assessments/{world.draft.id}/submit", form)
    assert response.status_code == 303
    page = buyer.get(response.headers["location"]).text
    assert "Submitted for review." in page
    assert "Recommended" in page
    assert "Technical currency" in page
    assert "Integration risk" in page
    assert f'href="/assessments/{world.draft.id}/report.pdf"' in page
    session.refresh(world.draft)
    assert world.draft.status is AssessmentStatus.SUBMITTED


def test_an_unknown_blocker_is_shown_to_confirm_not_as_a_finding(
    buyer: Visitor, world: World
) -> None:
    answers = {
        **builders.example("openweave.answers"),
        "hardware.dedicated_server_required": "unknown",
    }
    form = {"_revision": str(world.draft.revision), **answers}
    response = buyer.post(f"/assessments/{world.draft.id}/submit", form)
    assert response.status_code == 303
    page = buyer.get(response.headers["location"]).text
    assert "Insufficient information" in page
    confirm = page.split('id="confirm-title"')[1].split("</section>")[0]
    assert "Dedicated server required" in confirm
    assert "could decide the verdict" in confirm
    assert "Dedicated server the client will not accept" not in page


def test_reopen_returns_the_assessment_to_draft(
    buyer: Visitor, world: World, session: Session
) -> None:
    response = buyer.post(
        f"/assessments/{world.scored.id}/reopen", {"_revision": str(world.scored.revision)}
    )
    assert response.status_code == 303
    page = buyer.get(f"/assessments/{world.scored.id}").text
    assert "Reopened: the answers can change again." in page
    assert 'data-autosave="' in page
    session.refresh(world.scored)
    assert world.scored.status is AssessmentStatus.DRAFT


def test_a_submitted_assessment_refuses_answers(buyer: Visitor, world: World) -> None:
    response = buyer.post(
        f"/assessments/{world.scored.id}/answers",
        answers_form(world.scored.revision, framework__primary="jax"),
    )
    assert response.status_code == 409
    assert "its answers are locked" in response.text


def test_account_leads_read_drafts_but_cannot_change_them(lead: Visitor, world: World) -> None:
    page = lead.get(f"/assessments/{world.draft.id}").text
    assert "your role (account lead) cannot change answers" in page
    assert 'name="framework.primary"' not in page
    assert "Create invitation link" not in page
    assert "Reopen" not in lead.get(f"/assessments/{world.scored.id}").text
    form = answers_form(world.draft.revision, framework__primary="jax")
    for action in ("answers", "submit", "invitations"):
        response = lead.post(f"/assessments/{world.draft.id}/{action}", form)
        assert response.status_code == 403, action
        assert (
            "Your role (account lead) cannot start, answer or submit assessments" in response.text
        )
    refused = lead.autosave(f"/assessments/{world.draft.id}/autosave", form)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("Your role (account lead) cannot")
    reopen = lead.post(f"/assessments/{world.scored.id}/reopen")
    assert reopen.status_code == 403
    assert "cannot reopen assessments" in reopen.text


def test_history_shows_who_answered(buyer: Visitor, world: World) -> None:
    buyer.post(
        f"/assessments/{world.draft.id}/answers",
        answers_form(world.draft.revision, framework__primary="jax"),
    )
    page = buyer.get(f"/assessments/{world.draft.id}/history").text
    assert "Alice Example procurement (procurement)" in page
    assert "<td>JAX</td>" in page
