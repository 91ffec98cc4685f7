"""A small, synthetic questionnaire, client profile, knowledge base and rule pack.

The engine tests use these rather than the shipped pack, so that each test states exactly the
rules it relies on and keeps passing when the shipped pack's wording or points change.
"""

from __future__ import annotations

from typing import Any

from service.questionnaires.schema import Questionnaire
from service.scoring.engine import Engine
from service.scoring.knowledge import KnowledgeBase
from service.scoring.rules import RulePack


def _q(qid: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"id": qid, "type": kind, "label": f"{qid}?", "help": "Why it matters.", **extra}


def _options(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "label": i.replace("_", " ").title()} for i in ids]


VENDOR = Questionnaire.model_validate(
    {
        "slug": "mini",
        "version": "1.0",
        "title": "Mini",
        "description": "Test questionnaire.",
        "audience": "vendor",
        "sections": [
            {
                "id": "main",
                "title": "Main",
                "questions": [
                    _q(
                        "framework",
                        "single_choice",
                        options=_options("pytorch", "tensorflow", "proprietary"),
                    ),
                    _q(
                        "framework_version",
                        "version",
                        show_if={"question": "framework", "one_of": ["pytorch", "tensorflow"]},
                    ),
                    _q(
                        "serving", "single_choice", options=_options("vllm", "torchserve", "custom")
                    ),
                    _q("kubernetes", "boolean"),
                    _q("gpu", "single_choice", options=_options("none", "required")),
                    _q(
                        "formats",
                        "multiple_choice",
                        options=_options("safetensors", "pickle", "secret"),
                    ),
                    _q("patch_days", "number", minimum=0, maximum=365, integer=True),
                ],
            }
        ],
    }
)

CLIENT = Questionnaire.model_validate(
    {
        "slug": "mini-client",
        "version": "1.0",
        "title": "Mini client",
        "description": "Test client profile.",
        "audience": "client",
        "sections": [
            {
                "id": "main",
                "title": "Main",
                "questions": [
                    _q("orchestration", "single_choice", options=_options("kubernetes", "vms")),
                    _q("gpus", "boolean"),
                ],
            }
        ],
    }
)

KNOWLEDGE = KnowledgeBase.model_validate(
    {
        "as_of": "2026-11-24",
        "entries": [
            {
                "id": i,
                "kind": kind,
                "name": i,
                "status": status,
                "notes": "n",
                "sources": [{"title": "t", "url": "https://example.org", "checked": "2026-11-24"}],
                **({"supported_from": floor} if floor else {}),
            }
            for i, kind, status, floor in [
                ("pytorch", "framework", "current", "2.4"),
                ("tensorflow", "framework", "maintained", None),
                ("vllm", "serving", "current", None),
                ("torchserve", "serving", "limited_maintenance", None),
            ]
        ],
    }
)


def rule(
    rid: str, dimension: str, category: str, points: float, when: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "id": rid,
        "title": rid,
        "dimension": dimension,
        "category": category,
        "severity": extra.pop("severity", "medium"),
        "points": points,
        "when": when,
        "rationale": "r",
        "recommendation": "r",
        "follow_up": ["q?"],
        **extra,
    }


TC, IR = "technical_currency", "integration_risk"

RULES = [
    rule(
        "tc.framework.proprietary",
        TC,
        "framework",
        30,
        {"question": "framework", "equals": "proprietary"},
        severity="critical",
    ),
    rule(
        "tc.framework.maintained",
        TC,
        "framework",
        15,
        {"question": "framework", "kb_status": ["maintained"]},
    ),
    rule(
        "tc.framework.old",
        TC,
        "framework",
        20,
        {
            "all": [
                {"question": "framework", "one_of": ["pytorch", "tensorflow"]},
                {"question": "framework_version", "below_supported_floor_of": "framework"},
            ]
        },
    ),
    rule(
        "tc.serving.limited",
        TC,
        "serving",
        20,
        {"question": "serving", "kb_status": ["limited_maintenance", "end_of_life"]},
    ),
    rule(
        "tc.serving.custom",
        TC,
        "serving",
        25,
        {"question": "serving", "equals": "custom"},
        min_band="lagging",
    ),
    rule(
        "tc.formats.pickle",
        TC,
        "ecosystem",
        10,
        {
            "all": [
                {"question": "formats", "includes_any": ["pickle"]},
                {"question": "formats", "excludes": ["safetensors"]},
            ]
        },
    ),
    rule(
        "tc.formats.secret",
        TC,
        "ecosystem",
        10,
        {"question": "formats", "includes_any": ["secret"]},
    ),
    rule(
        "tc.patching.slow", TC, "ecosystem", 10, {"question": "patch_days", "gt": 30}, if_unknown=12
    ),
    rule(
        "ir.kubernetes.missing",
        IR,
        "deployment",
        30,
        {
            "all": [
                {"client": "orchestration", "equals": "kubernetes"},
                {"question": "kubernetes", "equals": False},
            ]
        },
    ),
    rule(
        "ir.gpu.missing",
        IR,
        "hardware",
        40,
        {"all": [{"question": "gpu", "equals": "required"}, {"client": "gpus", "equals": False}]},
        min_band="high",
        severity="critical",
    ),
]

PACK: dict[str, Any] = {
    "questionnaire": "mini@1.0",
    "environment": "mini-client@1.0",
    "version": "1.0",
    "title": "Mini pack",
    "description": "Test pack.",
    "thresholds": {
        "technical_currency": {"current": 75, "lagging": 50},
        "integration_risk": {"low": 25, "moderate": 55},
    },
    "categories": {
        "technical_currency": {
            "framework": {"title": "Framework", "cap": 40},
            "serving": {"title": "Serving", "cap": 30},
            "ecosystem": {"title": "Ecosystem", "cap": 25},
        },
        "integration_risk": {
            "deployment": {"title": "Deployment", "cap": 35},
            "hardware": {"title": "Hardware", "cap": 35},
        },
    },
    "recommendation": {"min_completeness": 0.8},
    "rules": RULES,
}

BEST: dict[str, Any] = {
    "framework": "pytorch",
    "framework_version": "2.5.0",
    "serving": "vllm",
    "kubernetes": True,
    "gpu": "none",
    "formats": ["safetensors"],
    "patch_days": 7,
}
K8S_WITH_GPUS: dict[str, Any] = {"orchestration": "kubernetes", "gpus": True}


def make_engine(**changes: Any) -> Engine:
    pack = RulePack.model_validate({**PACK, **changes})
    return Engine(pack, VENDOR, CLIENT, KNOWLEDGE)
