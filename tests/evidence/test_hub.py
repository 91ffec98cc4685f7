"""The optional Hugging Face look-up, against a local stand-in for the Hub (HF_ENDPOINT):
off by default, and when on, the card, config.json and file list go through the same parsers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.api import Caller, assert_problem
from tests.builders import example
from tests.evidence.files import fixture

REPO = "openweave/openweave-retail-7b"
FILES = ["README.md", "config.json", "model-00001-of-00002.safetensors", "adapter.bin"]


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A stand-in Hub on a free local port; yields the paths it was asked for."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            if self.path.startswith(f"/api/models/{REPO}"):
                body = json.dumps({"id": REPO, "siblings": [{"rfilename": f} for f in FILES]})
                self._reply(200, body.encode(), "application/json")
            elif self.path == f"/{REPO}/resolve/main/README.md":
                self._reply(200, fixture("README.md"), "text/markdown")
            elif self.path == f"/{REPO}/resolve/main/config.json":
                self._reply(200, fixture("config.json"), "application/json")
            else:
                self._reply(
                    404,
                    b'{"error": "Repository not found"}',
                    "application/json",
                    {"X-Error-Code": "RepositoryNotFound"},
                )

        def _reply(
            self, status: int, body: bytes, kind: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    yield asked
    server.shutdown()
    server.server_close()


@pytest.fixture
def draft(session: Session, catalog: Catalog, org: Organisation) -> str:
    answers = {
        **example("openweave.answers"),
        "hf.trust_remote_code": "unknown",
        "hf.hub_repo": f"https://huggingface.co/{REPO}",
    }
    row = builders.assessment(session, catalog, org, answers=answers)
    session.commit()
    return str(row.id)


def test_the_look_up_is_off_by_default(procurement: Caller, draft: str, hub: list[str]) -> None:
    response = procurement.post(f"/api/v1/assessments/{draft}/evidence/hub")
    assert_problem(response, 409, "conflict", detail_contains="STACKVET_HF_HUB_LOOKUP=true")
    assert hub == []


def test_the_look_up_fetches_card_config_and_file_list_into_evidence(
    app: FastAPI, procurement: Caller, draft: str, hub: list[str]
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"hf_hub_lookup": True})
    response = procurement.post(f"/api/v1/assessments/{draft}/evidence/hub")
    assert response.status_code == 201, response.text
    files = {f["filename"]: f for f in response.json()}
    prefix = REPO.replace("/", "--")
    assert set(files) == {f"{prefix}--files.txt", f"{prefix}--README.md", f"{prefix}--config.json"}
    assert all(f["source"] == "hub" for f in files.values())
    assert files[f"{prefix}--config.json"]["kind"] == "model_config"
    listing = procurement.get(f"/api/v1/assessments/{draft}/evidence").json()
    by_question = {a["question"]: a for a in listing["answers"]}
    assert by_question["hf.trust_remote_code"]["status"] == "suggested"  # auto_map
    weights = by_question["hf.weight_formats"]
    assert weights["status"] == "contradicted"  # adapter.bin is a pickle the answer left out
    assert weights["evidenced"] == ["pytorch_bin", "safetensors"]
    assert f"/api/models/{REPO}" in hub
    again = procurement.post(f"/api/v1/assessments/{draft}/evidence/hub")
    assert again.json() == []  # the same bytes are not stored twice


def test_an_unknown_model_is_a_clear_problem(
    app: FastAPI, procurement: Caller, draft: str, hub: list[str]
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"hf_hub_lookup": True})
    response = procurement.post(
        f"/api/v1/assessments/{draft}/evidence/hub", json={"repo_id": "nobody/nothing"}
    )
    assert_problem(
        response, 422, "invalid-input", detail_contains="no public model 'nobody/nothing'"
    )
    bad = procurement.post(f"/api/v1/assessments/{draft}/evidence/hub", json={"repo_id": "../x"})
    assert_problem(bad, 422, "invalid-input")


def test_an_unreachable_hub_is_a_503_not_a_500(
    app: FastAPI, procurement: Caller, draft: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"hf_hub_lookup": True})
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: nothing listens
    response = procurement.post(f"/api/v1/assessments/{draft}/evidence/hub")
    assert_problem(
        response, 503, "unavailable", detail_contains="Could not fetch from the Hugging Face Hub"
    )
