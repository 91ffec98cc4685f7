"""The assessment report tells its story up front, in the reader's words, without empty pages.

The three sample vendors of `make samples` (recommended, conditional, not recommended) are
rendered from their answer files, as the CLI renders them, and read back from the PDF.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from service.questionnaires.catalog import Catalog
from service.reporting import documents, pdf
from service.reporting.fit import fit_rows
from service.reporting.view import Brand
from service.scores.commands import score_files
from service.scores.schemas import ScoreRead
from service.scoring.library import Library
from tests.reporting.conftest import pdf_text
from tests.repository import REPO_ROOT

EXAMPLES = REPO_ROOT / "questionnaires" / "examples"
SAMPLES = {
    "OpenWeave AI": "openweave",
    "Monolith Intelligence": "monolith",
    "Lumen Labs": "lumen",
}
JARGON = re.compile(r"\b(points?|caps?|capped|rule pack)\b", re.IGNORECASE)
HEADER_AND_FOOTER_LINES = 3
"""The running title, the organisation and the page number."""


class Sample:
    def __init__(self, vendor: str, score: ScoreRead, content: bytes) -> None:
        self.vendor, self.score, self.content = vendor, score, content
        self.text = pdf_text(content)
        self.pages = [page.extract_text() or "" for page in PdfReader(BytesIO(content)).pages]

    @property
    def main_body(self) -> str:
        """Everything before the first appendix."""
        return self.text[: re.search(r"APPENDIX [AB]", self.text).start()]  # type: ignore[union-attr]


@pytest.fixture(scope="module", params=list(SAMPLES))
def sample(request: pytest.FixtureRequest, catalog: Catalog, library: Library) -> Sample:
    vendor = request.param
    return render(vendor, catalog, library)


def render(vendor: str, catalog: Catalog, library: Library, brand: Brand | None = None) -> Sample:
    answers = EXAMPLES / f"{SAMPLES[vendor]}.answers.json"
    score = score_files(
        catalog, library, "ai-framework", answers, EXAMPLES / "northwind.environment.json"
    )
    engine = library.engine("ai-framework@2.0")
    assert engine is not None
    html = documents.offline_assessment_html(
        organisation="Demo Agency",
        vendor=vendor,
        client="Northwind Retail",
        score=score,
        engine=engine,
        scored_on=datetime(2026, 11, 24, tzinfo=UTC),
        brand=brand,
    )
    return Sample(vendor, score, pdf.html_to_pdf(html, max_pages=80).content)


def first_page(sample: Sample) -> str:
    return " ".join(sample.pages[0].split())


def test_the_samples_cover_the_three_verdicts(catalog: Catalog, library: Library) -> None:
    verdicts = {
        vendor: render(vendor, catalog, library).score.recommendation.value for vendor in SAMPLES
    }
    assert verdicts == {
        "OpenWeave AI": "recommended",
        "Monolith Intelligence": "not_recommended",
        "Lumen Labs": "conditional",
    }


def test_page_one_has_the_decision_in_one_sentence(sample: Sample) -> None:
    page = first_page(sample)
    sentence = {
        "recommended": "Recommended for Northwind Retail: OpenWeave AI ",
        "conditional": "Recommended for Northwind Retail on three conditions, listed below: ",
        "not_recommended": "Not recommended for Northwind Retail: dedicated server the client "
        "will not accept, ",
    }[sample.score.recommendation.value]
    assert sentence in page
    assert f"Technical currency {sample.score.technical_currency.score} / 100" in page
    assert f"Integration risk {sample.score.integration_risk.score} / 100" in page
    assert "Valid until 24 November 2027" in page


def test_conditions_and_blockers_are_listed_as_requirements_on_page_one(sample: Sample) -> None:
    page = first_page(sample)
    verdict = sample.score.recommendation.value
    if verdict == "recommended":
        assert "Conditions:" not in page
        assert "What stops it" not in page
        return
    heading = {"conditional": "Conditions: what to require of Lumen Labs"}.get(
        verdict, "What stops it: what Monolith Intelligence would have to change"
    )
    assert heading in page
    titles = {
        "conditional": (
            "Serving stack in limited maintenance or end-of-life.",
            "GPU memory need exceeds the client's GPUs.",
            "Open weights with use restrictions: licence review needed.",
        ),
        "not_recommended": (
            "Dedicated server the client will not accept.",
            "No deployment model the client accepts.",
        ),
    }[verdict]
    for title in titles:
        assert title in page, title
    assert "Make a dated migration to an actively maintained serving engine" in page or (
        verdict == "not_recommended" and "Do not proceed unless" in page
    )


def test_strengths_come_from_the_rules_that_did_not_fire(sample: Sample) -> None:
    page_two = " ".join(sample.pages[1].split())
    if sample.vendor == "Monolith Intelligence":
        assert "What counts for" not in sample.text  # no area is free of findings: omitted
        return
    assert f"What counts for {sample.vendor}" in page_two
    assert "Fits the way Northwind Retail runs software" in page_two
    assert "Built on a widely used, supported ML framework" in page_two
    with_findings = ("Needs no hardware", "Serves models with maintained, standard software")
    if sample.vendor == "Lumen Labs":  # areas with findings are not strengths
        assert not [s for s in with_findings if s in page_two]
        assert "Top risks and what to require" in page_two
    else:
        assert all(s in page_two for s in with_findings)


def test_vendor_questions_appear_once_in_one_appendix(sample: Sample) -> None:
    asked = {q for f in sample.score.findings for q in f.follow_up}
    if not asked:
        assert "Questions to ask the vendor" not in sample.text
        return
    appendix = sample.text[sample.text.index("APPENDIX A") : sample.text.index("APPENDIX B")]
    for question in asked:
        assert question in appendix, question
        assert sample.text.count(question) == 1, question


def test_a_restated_fact_is_one_finding(catalog: Catalog, library: Library) -> None:
    monolith = render("Monolith Intelligence", catalog, library)
    findings = monolith.text[
        monolith.text.index("FINDINGS, MOST SEVERE FIRST") : monolith.text.index("APPENDIX A")
    ]
    # currency and integration findings about the same answer are one card that affects both
    assert findings.count("No container images HIGH") == 1
    assert "No container images for a container-based client platform MEDIUM" not in findings
    assert "FOUND BY No container images; No container images for a container-based" in findings
    assert "Affects how current the stack is and the integration risk" in findings
    # rules under one root: one card, its rules listed under "Found by"
    assert "FOUND BY GPU memory need far beyond the client's GPUs;" in findings


def test_the_main_body_speaks_the_readers_language(sample: Sample) -> None:
    assert JARGON.findall(sample.main_body) == []
    technical = sample.text[sample.text.index("APPENDIX D") :]
    assert "Categories and caps" in technical
    assert sample.score.provenance.rule_pack.content_hash in technical


def test_no_page_after_the_first_is_nearly_empty(sample: Sample) -> None:
    for number, page in enumerate(sample.pages[1:], start=2):
        lines = [line for line in page.splitlines() if line.strip()]
        assert len(lines) - HEADER_AND_FOOTER_LINES >= 3, f"page {number}: {lines}"


def test_the_deployment_model_row_says_when_it_fits(catalog: Catalog, library: Library) -> None:
    openweave = render("OpenWeave AI", catalog, library)
    fit = openweave.text[openweave.text.index("NORTHWIND RETAIL HAS Environment fit") :]
    assert "Fits every way the vendor offers: Hosted by the vendor (SaaS) or In the client's" in fit
    engine = library.engine("ai-framework@2.0")
    assert engine is not None
    rows = fit_rows(
        engine.vendor,
        engine.client,
        {"deployment.models": ["saas", "customer_cloud"]},
        {"deployment_preference": ["customer_cloud", "on_prem"]},
        [],
    )
    deployment = next(row for row in rows if row.title == "Deployment model")
    assert deployment.condition == (
        "Fits if it runs in the client's own cloud account; the vendor's other options do not."
    )


def test_an_open_verdict_lists_the_questions_that_decide_it(
    catalog: Catalog, library: Library, tmp_path: Path
) -> None:
    scenario = yaml.safe_load(
        (REPO_ROOT / "tests/scoring/scenarios/19-all-unknown-vendor.yaml").read_text()
    )
    answers = tmp_path / "unknown.answers.json"
    answers.write_text(json.dumps(scenario["answers"]))
    score = score_files(
        catalog, library, "ai-framework", answers, EXAMPLES / "northwind.environment.json"
    )
    assert score.recommendation.value == "insufficient_information"
    engine = library.engine("ai-framework@2.0")
    assert engine is not None
    html = documents.offline_assessment_html(
        organisation="Demo Agency",
        vendor="Quiet Vendor",
        client="Northwind Retail",
        score=score,
        engine=engine,
        scored_on=datetime(2026, 11, 24, tzinfo=UTC),
    )
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert "No verdict yet for Northwind Retail: Quiet Vendor's answers leave" in text
    assert "What Quiet Vendor must answer first" in text
    deciding = [c.label for c in score.to_confirm if c.blocking]
    assert deciding
    assert f"{deciding[0]}. Could decide the verdict." in text
