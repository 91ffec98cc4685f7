"""The pure review of the knowledge base: stale sources, versions in answers above `latest`."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from service.knowledge.check import (
    IssueKind,
    behind_answers,
    checked_on,
    review,
    stale_sources,
    versions_in_answers,
)
from service.scoring.knowledge import KnowledgeBase
from tests.repository import REPO_ROOT
from tests.test_architecture import FORBIDDEN, imported_modules


def source(checked: str, title: str = "Release notes") -> dict[str, str]:
    return {"title": title, "url": "https://example.org/notes", "checked": checked}


def entry(entry_id: str, kind: str = "serving", **fields: Any) -> dict[str, Any]:
    return {
        "id": entry_id,
        "kind": kind,
        "name": entry_id.upper(),
        "status": "current",
        "notes": "Test entry.",
        "sources": [source("2026-11-24")],
        **fields,
    }


def base(*entries: dict[str, Any], interval: int = 90) -> KnowledgeBase:
    return KnowledgeBase.model_validate(
        {"as_of": "2026-11-24", "review_interval_days": interval, "entries": list(entries)}
    )


TODAY = date(2027, 1, 1)


@pytest.mark.parametrize(
    ("entries", "interval", "expected"),
    [
        pytest.param([entry("vllm")], 90, {}, id="checked 38 days ago: fine"),
        pytest.param([entry("vllm")], 30, {"vllm": "1 of 1 sources"}, id="shorter interval"),
        pytest.param(
            [entry("vllm", sources=[source("2026-10-03")])],
            90,
            {},
            id="exactly the interval: not yet stale",
        ),
        pytest.param(
            [entry("vllm", sources=[source("2026-10-02")])],
            90,
            {"vllm": "oldest: 2026-10-02, 91 days ago"},
            id="one day over",
        ),
        pytest.param(
            [entry("vllm", sources=[source("2026-12-20"), source("2026-06", "Old blog")])],
            90,
            {
                "vllm": "1 of 2 sources not checked for over 90 days "
                "(oldest: 2026-06, 214 days ago: Old blog)"
            },
            id="a month alone counts from its first day",
        ),
        pytest.param(
            [
                entry(
                    "pytorch",
                    kind="framework",
                    security_floors=[
                        {
                            "below": "2.6",
                            "summary": "torch.load RCE",
                            "advisory": source("2025", "GHSA advisory"),
                        }
                    ],
                )
            ],
            90,
            {"pytorch": "1 of 2 sources not checked for over 90 days (oldest: 2025, 730 days"},
            id="security advisories are sources too",
        ),
        pytest.param(
            [entry("vllm", sources=[source("2026-01-01")]), entry("tgi")],
            90,
            {"vllm": "1 of 1"},
            id="only the stale entry",
        ),
    ],
)
def test_stale_sources(
    entries: list[dict[str, Any]], interval: int, expected: dict[str, str]
) -> None:
    issues = stale_sources(base(*entries, interval=interval), TODAY)
    assert {i.entry: i.kind for i in issues} == dict.fromkeys(expected, IssueKind.STALE_SOURCES)
    for issue in issues:
        assert expected[issue.entry] in issue.message, issue.message


@pytest.mark.parametrize(
    ("latest", "seen", "expected"),
    [
        pytest.param("0.11.0", {}, None, id="no answers"),
        pytest.param("0.11.0", {"0.10.2": 3, "0.11.0": 1}, None, id="at or below latest"),
        pytest.param(
            "0.11.0",
            {"0.10.2": 3, "0.12.1": 2, "0.11.1": 1},
            "latest is 0.11.0, but answers mention 0.12.1 (2 assessments), 0.11.1 (1 assessment)",
            id="newer versions, newest first",
        ),
        pytest.param("0.11.0", {"nightly": 4}, None, id="an unparseable answer is ignored"),
        pytest.param("0.11", {"0.11.0": 1}, None, id="0.11 equals 0.11.0"),
        pytest.param(None, {"9.0": 1}, None, id="no latest: nothing to compare"),
    ],
)
def test_behind_answers(latest: str | None, seen: dict[str, int], expected: str | None) -> None:
    knowledge = base(entry("vllm", latest=latest), entry("tgi", latest="1.0"))
    issues = behind_answers(knowledge, {"vllm": Counter(seen), "tgi": Counter({"1.0": 5})})
    assert [i.message for i in issues] == ([expected] if expected else [])
    assert all(i.entry == "vllm" and i.kind is IssueKind.BEHIND_ANSWERS for i in issues)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        pytest.param(
            {"framework.primary": "pytorch", "framework.version": "2.9.0"},
            {"pytorch": {"2.9.0": 1}},
            id="framework version",
        ),
        pytest.param(
            {"serving.stack": "vllm", "serving.runtime_version": " 0.12.0 "},
            {"vllm": {"0.12.0": 1}},
            id="runtime version, trimmed",
        ),
        pytest.param(
            {"serving.stack": "vllm", "serving.runtime_version": "unknown"},
            {},
            id="unknown is not a version",
        ),
        pytest.param(
            {"framework.primary": "vllm", "framework.version": "1.0"},
            {},
            id="an entry of the other kind does not count",
        ),
        pytest.param(
            {"serving.stack": "third_party_api", "serving.runtime_version": "1.0"},
            {},
            id="not an entry",
        ),
        pytest.param(
            {
                "serving.stack": "other",
                "serving.other_name": "the Vllm engine",
                "serving.runtime_version": "0.13.0",
            },
            {"vllm": {"0.13.0": 1}},
            id="a recognised other name",
        ),
    ],
)
def test_versions_in_answers(answers: dict[str, Any], expected: dict[str, dict[str, int]]) -> None:
    knowledge = base(entry("pytorch", kind="framework", aliases=["torch"]), entry("vllm"))
    assert versions_in_answers(knowledge, [answers]) == expected


def test_versions_are_counted_across_assessments() -> None:
    knowledge = base(entry("vllm"))
    answers = {"serving.stack": "vllm", "serving.runtime_version": "0.12.0"}
    assert versions_in_answers(knowledge, [answers, answers, {}]) == {"vllm": {"0.12.0": 2}}


def test_review_lists_stale_sources_then_versions_behind() -> None:
    knowledge = base(entry("vllm", latest="0.11.0"), entry("tgi", sources=[source("2025-01-01")]))
    issues = review(knowledge, TODAY, {"vllm": Counter({"0.12.0": 1})})
    assert [(i.entry, i.kind) for i in issues] == [
        ("tgi", IssueKind.STALE_SOURCES),
        ("vllm", IssueKind.BEHIND_ANSWERS),
    ]
    assert review(knowledge, date(2025, 2, 1), {}) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24", date(2026, 11, 24)),
        ("2026-11", date(2026, 11, 1)),
        ("2026", date(2026, 1, 1)),
    ],
)
def test_checked_on(text: str, expected: date) -> None:
    assert checked_on(text) == expected


def test_the_check_is_pure() -> None:
    path = REPO_ROOT / "service" / "knowledge" / "check.py"
    assert not {m for m in imported_modules(path) if m.startswith(FORBIDDEN)}
