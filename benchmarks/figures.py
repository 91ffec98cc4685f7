"""Figures measured once per run over several runs of a benchmark, and their summary table.

A figure is one number a run (the median server time of a page, say), with the run's p95 and
the EXPLAIN ANALYZE time of its slowest statement beside it where the benchmark has them, and
the budget it must stay under. The summary gives min/median/max of the per-run values and
judges the budget on their median, so that one run slowed by other work on a shared machine
neither meets nor misses a budget alone; the load average at the start and end of each run
says how shared the machine was.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass, field


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, e.g. "1.93 1.85 1.70"."""
    return " ".join(f"{load:.2f}" for load in os.getloadavg())


@dataclass
class Figure:
    budget: float | None
    unit: str
    values: list[float] = field(default_factory=list)
    p95s: list[float] = field(default_factory=list)
    explains: list[float] = field(default_factory=list)

    def verdict(self) -> str:
        if self.budget is None:
            return ""
        return "met" if statistics.median(self.values) < self.budget else "NOT MET"


@dataclass
class Figures:
    """Every figure of every run, in the order first recorded, and each run's load average."""

    figures: dict[str, Figure] = field(default_factory=dict)
    loads: list[tuple[str, str]] = field(default_factory=list)

    def record(
        self,
        name: str,
        value: float,
        budget: float | None,
        *,
        p95: float | None = None,
        explain: float | None = None,
        unit: str = "ms",
    ) -> None:
        figure = self.figures.setdefault(name, Figure(budget, unit))
        figure.values.append(value)
        if p95 is not None:
            figure.p95s.append(p95)
        if explain is not None:
            figure.explains.append(explain)

    def summary(self) -> list[str]:
        """The table: per figure, min/median/max of the runs' values, the runs' p95 and
        EXPLAIN ANALYZE times (median, with the max in brackets), the budget and the verdict."""
        runs = max((len(f.values) for f in self.figures.values()), default=0)
        lines = [
            f"figure over {runs} run(s): min, median, max of the per-run medians; p95 and "
            "EXPLAIN ANALYZE ms as median (max) of runs; budget judged on the median",
            f"{'figure':34} {'min':>8} {'median':>8} {'max':>8} {'p95':>15} "
            f"{'EXPLAIN':>13} {'budget':>9}  met?",
        ]
        lines += [_row(name, figure) for name, figure in self.figures.items()]
        lines += [
            f"run {run}: load average (1, 5, 15 min) {start} at the start, {end} at the end"
            for run, (start, end) in enumerate(self.loads, start=1)
        ]
        return lines


def _row(name: str, figure: Figure) -> str:
    values = figure.values
    low, mid, high = min(values), statistics.median(values), max(values)
    budget = f"{figure.budget:.0f} {figure.unit}" if figure.budget is not None else "-"
    return (
        f"{name:34} {low:8.1f} {mid:8.1f} {high:8.1f} {_median_max(figure.p95s):>15} "
        f"{_median_max(figure.explains):>13} {budget:>9}  {figure.verdict()}"
    )


def _median_max(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.1f} ({max(values):.1f})"
