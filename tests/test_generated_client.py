"""A Python client generated from the live OpenAPI document with `openapi-python-client` compiles
and drives a whole integration: directory, assessment, answers, submit, score, PDF, webhooks.

This is what a CRM integrator does first; it fails when the document and the service disagree
(a body the generated models cannot parse, a status the client does not expect, a PDF typed as
JSON).
"""

from __future__ import annotations

import compileall
import importlib
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx2 as httpx
import pytest

from service.resources import definitions_dir
from tests.processes import demo_server

PACKAGE = "stackvet_client"
EXAMPLES = definitions_dir() / "examples"


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """(base URL, API key, directory holding the generated package)."""
    # Webhooks to loopback: the endpoint is only registered, never reached by this test.
    with demo_server(tmp_path, STACKVET_WEBHOOK_ALLOW_PRIVATE_TARGETS="true") as (base, key):
        spec = tmp_path / "openapi.json"
        spec.write_text(httpx.get(f"{base}/openapi.json", timeout=30).text, encoding="utf-8")
        out = tmp_path / "client"
        run = subprocess.run(
            [
                Path(sys.executable).parent / "openapi-python-client",
                "generate",
                "--path",
                str(spec),
                "--output-path",
                str(out),
                "--meta",
                "none",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Warning" not in run.stdout, run.stdout
        sys.path.insert(0, str(tmp_path))
        out.rename(tmp_path / PACKAGE)
        try:
            yield base, key, tmp_path / PACKAGE
        finally:
            sys.path.remove(str(tmp_path))
            for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
                del sys.modules[name]


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def _example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return loaded


def test_a_generated_client_compiles_and_drives_a_full_flow(
    generated: tuple[str, str, Path],
) -> None:
    base, key, package = generated
    assert compileall.compile_dir(str(package), quiet=1)
    models = _module("models")
    api = _module("client").AuthenticatedClient(base_url=base, token=key, timeout=60)
    run = uuid.uuid4().hex[:8]

    me = _module("api.api_keys.get_me").sync_detailed(client=api)
    assert me.status_code == 200
    assert me.parsed.organisation_name

    vendor = _module("api.vendors.create_vendor").sync_detailed(
        client=api,
        body=models.VendorCreate(name=f"OpenWeave {run}", external_id=f"crm-v-{run}"),
        idempotency_key=f"vendor-{run}",
    )
    assert vendor.status_code == 201, vendor.content
    assert vendor.headers["location"].endswith(str(vendor.parsed.id))

    environment = models.ClientCreateEnvironment.from_dict(_example("northwind.environment.json"))
    client = _module("api.clients.create_client").sync_detailed(
        client=api, body=models.ClientCreate(name=f"Northwind {run}", environment=environment)
    )
    assert client.status_code == 201, client.content

    created = _module("api.assessments.create_assessment").sync_detailed(
        client=api,
        body=models.AssessmentCreate(
            vendor_id=vendor.parsed.id,
            client_id=client.parsed.id,
            answers=models.AssessmentCreateAnswers.from_dict(_example("openweave.answers.json")),
        ),
    )
    assert created.status_code == 201, created.content
    assessment_id = created.parsed.id

    fetched = _module("api.assessments.get_assessment").sync_detailed(assessment_id, client=api)
    assert fetched.status_code == 200
    assert fetched.parsed.status.value == "draft"
    submitted = _module("api.assessments.submit_assessment").sync_detailed(
        assessment_id, client=api, if_match=fetched.headers["etag"]
    )
    assert submitted.status_code == 200, submitted.content

    score = _module("api.scores.get_assessment_score").sync_detailed(assessment_id, client=api)
    assert score.status_code == 200, score.content
    assert 0 <= score.parsed.technical_currency.score <= 100
    assert score.parsed.recommendation

    report = _module("api.reports.get_assessment_report").sync_detailed(
        assessment_id, models.GetAssessmentReportFmt.PDF, client=api
    )
    assert report.status_code == 200, report.content
    assert report.content.startswith(b"%PDF-")

    missing = _module("api.assessments.get_assessment").sync_detailed(uuid.uuid4(), client=api)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Problem)
    assert missing.parsed.type_.endswith("/problems/not-found")

    webhook = _module("api.webhooks.create_webhook").sync_detailed(
        client=api,
        body=models.EndpointCreate(
            url="http://127.0.0.1:9/hooks/stackvet", events=["assessment.submitted"]
        ),
    )
    assert webhook.status_code == 201, webhook.content
    assert webhook.parsed.secret.startswith("whsec_")
    events = _module("api.events.list_events").sync_detailed(client=api)
    assert events.status_code == 200, events.content
    assert any(event.type_ == "assessment.submitted" for event in events.parsed.items)
