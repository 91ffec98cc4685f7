"""Environment fit: what the vendor needs next to what the client has.

The judgement is not made again here: a row is a mismatch when an integration-risk finding of
the score rests on one of the row's answers, so the table always agrees with the findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from service.questionnaires.answers import display
from service.questionnaires.schema import Questionnaire
from service.scores.schemas import FindingRead
from service.scoring.rules import Dimension


class Fit(StrEnum):
    FITS = "fits"
    MISMATCH = "mismatch"
    UNVERIFIED = "unverified"


@dataclass(frozen=True)
class Topic:
    title: str
    vendor: tuple[str, ...]
    client: tuple[str, ...]


TOPICS = (
    Topic(
        "Orchestration",
        ("deployment.kubernetes", "deployment.container_image"),
        ("orchestration", "kubernetes_distribution"),
    ),
    Topic(
        "GPUs",
        ("hardware.gpu", "hardware.min_gpu_memory_gb"),
        ("gpu_availability", "gpu_memory_gb"),
    ),
    Topic(
        "Dedicated hardware",
        ("hardware.dedicated_server_required",),
        ("accepts_dedicated_hardware",),
    ),
    Topic("Deployment model", ("deployment.models",), ("deployment_preference",)),
    Topic("Cloud", ("deployment.supported_clouds",), ("cloud",)),
    Topic(
        "Network",
        ("deployment.vendor_connection_required",),
        ("air_gapped", "outbound_internet_allowed"),
    ),
    Topic(
        "Data handling",
        ("serving.stack", "serving.third_party_provider"),
        ("data_may_leave", "third_party_apis_allowed", "data_residency"),
    ),
    Topic(
        "Supply chain",
        ("maintenance.sbom", "deployment.image_signing"),
        ("sbom_required", "image_signing_required"),
    ),
)


@dataclass(frozen=True)
class Line:
    label: str
    value: str


@dataclass(frozen=True)
class FitRow:
    title: str
    vendor: tuple[Line, ...]
    client: tuple[Line, ...]
    fit: Fit
    findings: tuple[str, ...]
    condition: str = ""
    """When the row fits only one way (the deployment model): which way."""


def fit_rows(
    vendor: Questionnaire,
    client: Questionnaire,
    answers: Mapping[str, Any],
    environment: Mapping[str, Any],
    findings: list[FindingRead],
) -> list[FitRow]:
    risk = [f for f in findings if f.dimension is Dimension.INTEGRATION_RISK]
    return [_row(topic, vendor, client, answers, environment, risk) for topic in TOPICS]


def _row(
    topic: Topic,
    vendor: Questionnaire,
    client: Questionnaire,
    answers: Mapping[str, Any],
    environment: Mapping[str, Any],
    risk: list[FindingRead],
) -> FitRow:
    touched = set(topic.vendor) | set(topic.client)
    related = [f for f in risk if touched & {e.question for e in f.evidence}]
    if any(f.verified for f in related):
        fit = Fit.MISMATCH
    elif related:
        fit = Fit.UNVERIFIED
    else:
        fit = Fit.FITS
    return FitRow(
        title=topic.title,
        vendor=_lines(vendor, topic.vendor, answers),
        client=_lines(client, topic.client, environment),
        fit=fit,
        # An unverified row says "to confirm"; listing every rule an unknown answer might
        # trigger would name findings that exclude each other.
        findings=tuple(f.title for f in related if f.verified),
        condition=_condition(topic, vendor, answers, environment) if fit is Fit.FITS else "",
    )


def _condition(
    topic: Topic, vendor: Questionnaire, answers: Mapping[str, Any], environment: Mapping[str, Any]
) -> str:
    """For the deployment model: the ways of running it that both sides accept."""
    if topic.vendor != ("deployment.models",):
        return ""
    offered, accepted = answers.get("deployment.models"), environment.get(topic.client[0])
    question = vendor.questions.get("deployment.models")
    if question is None or not isinstance(offered, list) or not isinstance(accepted, list):
        return ""
    both = [option for option in offered if option in accepted]
    if not both:
        return ""
    ways = " or ".join(display(question, [option]) for option in both)
    if len(both) == len(offered):
        return f"Fits every way the vendor offers: {ways}."
    return f"Fits if it runs {_lowered(ways)}; the vendor's other options do not."


def _lowered(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _lines(
    questionnaire: Questionnaire, ids: tuple[str, ...], values: Mapping[str, Any]
) -> tuple[Line, ...]:
    lines = []
    for question_id in ids:
        question = questionnaire.questions.get(question_id)
        if question is None:
            continue
        if question.show_if is not None and question_id not in values:
            continue  # a follow-up that does not apply
        lines.append(Line(question.name, display(question, values.get(question_id))))
    return tuple(lines)
