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


def test_autosave_of_the_same_question_from_a_stale_revision_asks_for_a_choice(
    buyer: Visitor, world: World, session: Session
) -> None:
    url = f"/assessments/{world.draft.id}/autosave"
    stale = world.draft.revision
    assert buyer.autosave(url, answers_form(stale, framework__primary="jax")).status_code == 200
    response = buyer.autosave(url, answers_form(stale, framework__primary="tensorflow"))
    assert response.status_code == 412
    body = response.json()
    assert body["status"] == "conflict"
    assert body["revision"] == stale + 1
    assert body["questions"] == ["framework.primary"]
    assert "someone else changed the same question meanwhile" in body["message"]
    session.refresh(world.draft)
    assert world.draft.answers["framework.primary"] == "jax"


def test_autosave_from_a_stale_revision_merges_changes_to_other_questions(
    buyer: Visitor, world: World, session: Session
) -> None:
    url = f"/assessments/{world.draft.id}/autosave"
    stale = world.draft.revision
    first = buyer.autosave(url, answers_form(stale, framework__primary="jax"))
    assert first.status_code == 200
    # The second page still shows the framework as PyTorch and changes only the GPU question.
    second = buyer.autosave(
        url, answers_form(stale, framework__primary="pytorch", hardware__gpu="required")
    )
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["revision"] == stale + 2
    assert body["values"] == {"framework.primary": ["jax"]}, "the page takes the other change"
    assert "merged in changes others made meanwhile" in body["merged"]
    session.refresh(world.draft)
    assert world.draft.answers == {"framework.primary": "jax", "hardware.gpu": "required"}


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
    assert response.status_code == 303, "post/redirect/get: the page is shown at its own URL"
    assert response.headers["location"] == f"/assessments/{world.draft.id}#missing"
    for _ in range(2):  # a reload shows the same values and messages, and posts nothing
        page = buyer.get(f"/assessments/{world.draft.id}").text
        assert "1 answer was not saved: see the message next to it." in page
        assert (
            "Enter the GPU memory needed in GB, a whole number from 1 to 10,000, or choose "
            "“Don&#39;t know / won&#39;t say”." in page
        ), "the message names the question, its unit and its range"
        assert '<a href="#q-hardware-min_gpu_memory_gb-input" data-focus-link>' in page
        assert 'value="lots"' in page, "the refused value is shown back"
    session.refresh(world.draft)
    assert world.draft.answers["framework.primary"] == "jax", "the valid answers are saved"
    fixed = answers_form(
        world.draft.revision, framework__primary="jax", hardware__min_gpu_memory_gb="24"
    )
    assert buyer.post(f"/assessments/{world.draft.id}/answers", fixed).status_code == 303
    assert "not saved" not in buyer.get(f"/assessments/{world.draft.id}").text


def test_two_writers_changing_different_questions_both_succeed(
    buyer: Visitor, world: World, session: Session
) -> None:
    stale = world.draft.revision
    url = f"/assessments/{world.draft.id}/answers"
    assert buyer.post(url, answers_form(stale, framework__primary="jax")).status_code == 303
    # The second writer opened the page at the same revision: it shows PyTorch.
    response = buyer.post(
        url, answers_form(stale, framework__primary="pytorch", hardware__gpu="required")
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/assessments/{world.draft.id}"
    page = buyer.get(response.headers["location"]).text
    assert "Draft saved." in page
    assert "Choose which answer to keep" not in page
    session.refresh(world.draft)
    assert world.draft.answers == {"framework.primary": "jax", "hardware.gpu": "required"}


def test_the_same_question_changed_by_both_offers_a_choice_per_question(
    buyer: Visitor, world: World, session: Session
) -> None:
    stale = world.draft.revision
    url = f"/assessments/{world.draft.id}/answers"
    buyer.post(url, answers_form(stale, framework__primary="jax", hardware__gpu="optional"))
    response = buyer.post(
        url,
        answers_form(
            stale,
            framework__primary="tensorflow",
            hardware__gpu="optional",
            deployment__models=["saas"],
        ),
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/assessments/{world.draft.id}#conflict"
    page = buyer.get(f"/assessments/{world.draft.id}").text
    box = page.split('id="conflict"')[1].split("</form>")[0]
    assert "Choose which answer to keep" in box
    assert "Which machine learning framework are the models built and run with?" in box
    assert "JAX" in box
    assert "TensorFlow (including Keras on TensorFlow)" in box
    assert "Theirs" in box
    assert "Yours" in box
    assert "GPU" not in box, "the same answer given by both is no conflict"
    assert "deployment" not in box.lower(), "a change nobody else made is merged, not listed"
    session.refresh(world.draft)
    assert world.draft.answers["framework.primary"] == "jax"
    assert world.draft.answers["deployment.models"] == ["saas"], "the other change is saved"

    choice = {
        "_revision": revision_in(page),
        "choose:framework.primary": "yours",
        "yours:framework.primary": '"tensorflow"',
    }
    chosen = buyer.post(f"/assessments/{world.draft.id}/resolve", choice)
    assert chosen.status_code == 303
    after = buyer.get(chosen.headers["location"]).text
    assert "Your choices are saved." in after
    assert 'id="conflict"' not in after
    session.refresh(world.draft)
    assert world.draft.answers["framework.primary"] == "tensorflow"


def test_keeping_theirs_changes_nothing_and_ends_the_choice(
    buyer: Visitor, world: World, session: Session
) -> None:
    stale = world.draft.revision
    url = f"/assessments/{world.draft.id}/answers"
    buyer.post(url, answers_form(stale, framework__primary="jax"))
    buyer.post(url, answers_form(stale, framework__primary="tensorflow"))
    page = buyer.get(f"/assessments/{world.draft.id}").text
    revision = revision_in(page)
    choice = {
        "_revision": revision,
        "choose:framework.primary": "theirs",
        "yours:framework.primary": '"tensorflow"',
    }
    assert buyer.post(f"/assessments/{world.draft.id}/resolve", choice).status_code == 303
    assert 'id="conflict"' not in buyer.get(f"/assessments/{world.draft.id}").text
    session.refresh(world.draft)
    assert world.draft.answers["framework.primary"] == "jax"
    assert str(world.draft.revision) == revision


def test_a_broken_choice_is_refused_with_a_message(buyer: Visitor, world: World) -> None:
    choice = {
        "_revision": str(world.draft.revision),
        "choose:framework.primary": "yours",
        "yours:framework.primary": "{not json",
    }
    response = buyer.post(f"/assessments/{world.draft.id}/resolve", choice)
    assert response.status_code == 422
    assert "did not come back intact" in response.text


def test_submit_lists_the_missing_questions_by_label_and_keeps_the_answers(
    buyer: Visitor, world: World, session: Session
) -> None:
    answers = builders.example("openweave.answers")
    del answers["hf.model_swappable"]
    form = {"_revision": str(world.draft.revision), **answers}
    response = buyer.post(f"/assessments/{world.draft.id}/submit", form)
    assert response.status_code == 303
    assert response.headers["location"] == f"/assessments/{world.draft.id}#missing"
    page = buyer.get(f"/assessments/{world.draft.id}").text
    assert "Not submitted yet: 1 required question is unanswered. Your answers are saved." in page
    assert "1 question to answer or correct, in 1 section:" in page
    assert '<a href="#q-hf-model_swappable-input" data-focus-link>' in page
    assert 'id="q-hf-model_swappable-input"' in page, "the link reaches a control"
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


def test_a_save_from_before_a_reopening_lists_only_the_writers_own_changes(
    buyer: Visitor, world: World, session: Session
) -> None:
    """Not merged (the assessment was scored and reopened since), and nothing lost: the page
    lists what this save changed, never a colleague's newer answer."""
    before = world.scored.revision
    loaded = builders.example("openweave.answers")
    url = f"/assessments/{world.scored.id}"
    assert buyer.post(f"{url}/reopen", {"_revision": str(before)}).status_code == 303
    colleague = answers_form(before + 1, **{**loaded, "hardware.gpu": "not_needed"})
    assert buyer.post(f"{url}/answers", colleague).status_code == 303

    stale = answers_form(before, **{**loaded, "framework.primary": "jax"})
    response = buyer.post(f"{url}/answers", stale)
    assert response.status_code == 303
    page = buyer.get(url).text
    assert "Not saved: this assessment was submitted, reopened or moved" in page
    listed = page.split('id="unsaved"')[1].split("</dl>")[0]
    assert "<dd>JAX</dd>" in listed
    assert "GPU" not in listed, "the colleague's newer answer is not listed as the writer's"
    session.refresh(world.scored)
    assert world.scored.answers["hardware.gpu"] == "not_needed"
    assert world.scored.answers["framework.primary"] != "jax"
