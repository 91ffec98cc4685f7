"""What a score is made of: findings, their roots, category totals, bands and the verdict.

A *finding* is one rule that fired. A *root finding* is what a reader sees: the rules that
restate one fact (the pack gives them one `root`), or the rules that only fire because one answer
is unknown, reported once with their points counted once. Pure data, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from service.questionnaires.conditions import Fact
from service.scoring.rules import BANDS, SEVERITY_ORDER, Dimension, Rule, Severity, Verdict

TOP_REASONS = 3


class Basis(StrEnum):
    KNOWN = "known"
    """The rule fired on answers that are known."""
    UNKNOWN = "unknown"
    """The outcome rests on the vendor's unknown or missing answers: to confirm."""


FactSource = tuple[Fact, ...] | Callable[[], tuple[Fact, ...]]


@dataclass(frozen=True, init=False)
class Finding:
    rule: Rule
    points: float
    basis: Basis
    source: FactSource = field(repr=False, compare=False)
    """The facts, or how to list them: most scores are stored or compared without anyone
    reading the facts of every finding, so the engine lists them only when asked."""
    unknown_question: str | None = None
    """For an unknown finding: the vendor question whose answer would settle it."""

    def __init__(
        self,
        rule: Rule,
        points: float,
        basis: Basis,
        source: FactSource,
        unknown_question: str | None = None,
    ) -> None:
        # Made ~30 times per score: one update of the instance dict costs half of a frozen
        # dataclass's five object.__setattr__ calls. Still frozen: assignment raises.
        self.__dict__.update(
            rule=rule, points=points, basis=basis, source=source, unknown_question=unknown_question
        )

    @cached_property
    def facts(self) -> tuple[Fact, ...]:
        return self.source() if callable(self.source) else self.source

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def root(self) -> str:
        """The root finding this rule is part of."""
        if self.basis is Basis.UNKNOWN and self.unknown_question is not None:
            return f"unknown:{self.unknown_question}"
        return self.rule.root or self.rule.id

    def without_points(self) -> Finding:
        return Finding(self.rule, 0.0, self.basis, self.source, self.unknown_question)


def decides_verdict(rule: Rule) -> bool:
    """A blocker that forces the worst band, or a cap at not_recommended."""
    worst = rule.min_band is not None and rule.min_band == BANDS[rule.dimension][-1]
    return worst or rule.verdict_at_most is Verdict.NOT_RECOMMENDED


@dataclass(frozen=True)
class RootFinding:
    id: str
    dimension: Dimension
    basis: Basis
    findings: tuple[Finding, ...]
    """The contributing rules, largest first."""

    @property
    def points(self) -> float:
        return sum(f.points for f in self.findings)

    @property
    def severity(self) -> Severity:
        return max((f.rule.severity for f in self.findings), key=SEVERITY_ORDER.__getitem__)

    @property
    def lead(self) -> Finding:
        return self.findings[0]

    @property
    def question(self) -> str | None:
        """For a "to confirm" root: the question to answer."""
        return self.lead.unknown_question if self.basis is Basis.UNKNOWN else None

    @property
    def blocking(self) -> bool:
        """Whether confirming it could make the vendor not recommended."""
        return any(decides_verdict(f.rule) for f in self.findings)


@dataclass(frozen=True, init=False)
class CategoryTotal:
    category: str
    points: float
    cap: float

    def __init__(self, category: str, points: float, cap: float) -> None:
        self.__dict__.update(category=category, points=points, cap=cap)  # as Finding

    @property
    def capped(self) -> float:
        return min(self.points, self.cap)


@dataclass(frozen=True)
class DimensionScore:
    dimension: Dimension
    score: int
    band: str
    points: float
    """Points after category caps."""
    unknown_points: float
    """Of those, how many came from rules that rest on unknown answers."""
    categories: tuple[CategoryTotal, ...]
    blockers: tuple[str, ...]
    """Rules whose `min_band` made the band worse than the score alone."""


@dataclass(frozen=True)
class Completeness:
    vendor_known: int
    vendor_visible: int
    client_known: int
    client_visible: int

    @property
    def ratio(self) -> float:
        total = self.vendor_visible + self.client_visible
        return 1.0 if total == 0 else (self.vendor_known + self.client_known) / total

    @property
    def vendor_ratio(self) -> float:
        return 1.0 if self.vendor_visible == 0 else self.vendor_known / self.vendor_visible


@dataclass(frozen=True)
class Score:
    technical_currency: DimensionScore
    integration_risk: DimensionScore
    recommendation: Verdict
    completeness: Completeness
    findings: tuple[Finding, ...]
    assumed_client_facts: tuple[str, ...] = ()
    """Client facts left unanswered that rules needed: assumed not to conflict."""

    def dimension(self, dimension: Dimension) -> DimensionScore:
        if dimension is Dimension.TECHNICAL_CURRENCY:
            return self.technical_currency
        return self.integration_risk

    def roots(self, basis: Basis | None = None) -> list[RootFinding]:
        """Root findings, most severe and largest first (only one basis when given)."""
        grouped: dict[tuple[Dimension, str], list[Finding]] = {}
        for finding in self.findings:
            grouped.setdefault((finding.rule.dimension, finding.root), []).append(finding)
        roots = [
            RootFinding(root, dimension, members[0].basis, tuple(sorted(members, key=_largest)))
            for (dimension, root), members in grouped.items()
        ]
        chosen = [r for r in roots if basis is None or r.basis is basis]
        return sorted(chosen, key=_root_order)

    def to_confirm(self) -> list[RootFinding]:
        """One item per unknown answer that matters (both dimensions together), the ones that
        could decide the verdict first."""
        by_question: dict[str, list[Finding]] = {}
        for root in self.roots(Basis.UNKNOWN):
            by_question.setdefault(root.id, []).extend(root.findings)
        items = [
            RootFinding(key, members[0].rule.dimension, Basis.UNKNOWN, tuple(members))
            for key, members in by_question.items()
        ]
        return sorted(items, key=lambda r: (not r.blocking, -r.points, r.id))

    def top_reasons(self, dimension: Dimension, limit: int = TOP_REASONS) -> list[Finding]:
        """The findings contributing most to a dimension, largest first."""
        mine = [
            f
            for f in self.findings
            if f.rule.dimension is dimension and f.points > 0 and f.basis is Basis.KNOWN
        ]
        return sorted(mine, key=_contribution_order)[:limit]


def _largest(finding: Finding) -> tuple[float, int, str]:
    return (-finding.points, -SEVERITY_ORDER[finding.rule.severity], finding.rule.id)


def _root_order(root: RootFinding) -> tuple[int, int, float, str]:
    dimension = 0 if root.dimension is Dimension.TECHNICAL_CURRENCY else 1
    return (dimension, -SEVERITY_ORDER[root.severity], -root.points, root.id)


def _contribution_order(finding: Finding) -> tuple[float, int, str]:
    return (-finding.points, -SEVERITY_ORDER[finding.rule.severity], finding.rule.id)
