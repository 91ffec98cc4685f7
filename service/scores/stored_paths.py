"""Improvement paths as JSON, stored with the score record they improve on.

Finding paths re-scores the answers many times over (up to a few hundred milliseconds for a
vendor far from the next band), so it is done once, when the score is recorded, and not on
every read of the score or its report.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from service.scoring.paths import Change, ImprovementPath
from service.scoring.rules import Dimension


def dump(paths: Iterable[ImprovementPath]) -> list[dict[str, Any]]:
    return [
        {
            "dimension": path.dimension.value,
            "from_band": path.from_band,
            "to_band": path.to_band,
            "score_before": path.score_before,
            "score_after": path.score_after,
            "changes": [
                {"question": c.question, "current": c.current, "options": list(c.options)}
                for c in path.changes
            ],
            "resolves": list(path.resolves),
        }
        for path in paths
    ]


def load(stored: Iterable[dict[str, Any]]) -> tuple[ImprovementPath, ...]:
    return tuple(
        ImprovementPath(
            dimension=Dimension(item["dimension"]),
            from_band=item["from_band"],
            to_band=item["to_band"],
            score_before=item["score_before"],
            score_after=item["score_after"],
            changes=tuple(
                Change(question=c["question"], current=c["current"], options=tuple(c["options"]))
                for c in item["changes"]
            ),
            resolves=tuple(item["resolves"]),
        )
        for item in stored
    )
