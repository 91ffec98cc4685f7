"""Evidence in the score: evidenced values replace contradicted answers, and each
contradiction becomes a finding of its own, as severe as what the wrong answer hid.

The scoring engine is not changed: it is given the answers with evidenced values in place
(plain data), and is asked once more per contradiction, with that one answer as declared, to
see which findings the declared value would have hidden. Without evidence nothing here runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.evidence.crosscheck import Check, Status, check_all, effective_answers
from service.evidence.facts import Fact
from service.questionnaires.schema import Questionnaire
from service.scoring.engine import Engine, Score
from service.scoring.rules import SEVERITY_ORDER, Severity


@dataclass(frozen=True)
class FileRef:
    sha256: str
    filename: str
    kind: str


@dataclass(frozen=True)
class EvidenceUse:
    """What the evidence of one assessment means for its score."""

    files: tuple[FileRef, ...]
    checks: Mapping[str, Check]
    answers: Mapping[str, Any]
    """The declared answers."""

    @property
    def scored_answers(self) -> dict[str, Any]:
        return effective_answers(self.answers, self.checks)

    @property
    def contradicted(self) -> list[Check]:
        return [c for c in self.checks.values() if c.status is Status.CONTRADICTED]

    @property
    def digest_material(self) -> list[str]:
        return sorted(f.sha256 for f in self.files)


def use(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    files: Sequence[FileRef],
    facts: Sequence[Fact],
) -> EvidenceUse | None:
    if not files:
        return None
    return EvidenceUse(tuple(files), check_all(questionnaire, answers, facts), dict(answers))


def record(
    engine: Engine, evidence: EvidenceUse, score: Score, client: Mapping[str, Any]
) -> dict[str, Any]:
    """What the score record keeps: the files used, the answers replaced, the contradictions."""
    scored = evidence.scored_answers
    mine = {f.rule.id: f for f in score.findings}
    contradictions = []
    for check in evidence.contradicted:
        as_declared = {**scored, check.question: check.declared}
        hidden = [
            mine[rule_id]
            for rule_id in sorted(
                set(mine) - {f.rule.id for f in engine.score(as_declared, client).findings}
            )
        ]
        contradictions.append(
            {
                "question": check.question,
                "label": engine.vendor.questions[check.question].name,
                "declared": check.declared,
                "evidenced": check.evidenced,
                "sources": [_source(f) for f in check.facts],
                "severity": _severity(hidden).value,
                "hidden_rules": [f.rule.id for f in hidden],
                "hidden_titles": [f.rule.title for f in hidden],
            }
        )
    contradictions.sort(key=lambda c: (-SEVERITY_ORDER[Severity(c["severity"])], c["question"]))
    return {
        "files": [vars(f) for f in evidence.files],
        "contradictions": contradictions,
        "statuses": {q: c.status.value for q, c in sorted(evidence.checks.items())},
    }


def _severity(hidden: Sequence[Any]) -> Severity:
    """As severe as the worst finding the declared value hid; a contradiction that hid nothing
    is still low: the answer was wrong."""
    if not hidden:
        return Severity.LOW
    severities: list[Severity] = [f.rule.severity for f in hidden]
    return max(severities, key=lambda s: SEVERITY_ORDER[s])


def _source(fact: Fact) -> dict[str, str]:
    return {"file": fact.file, "location": fact.location, "excerpt": fact.excerpt}
