"""Differences between solves, with the range their proven bounds allow.

Each solve stops at a MIP gap: its true optimum lies between its best bound and its objective. For
two minimisations a (objective a, bound a_lb) and b, the true a - b lies in [a_lb - b, a - b_lb].
A difference whose range contains 0 is "within solver tolerance": the solves do not show which
plan is cheaper. Every report states differences through this module. Ranges a run or study folder
already holds (lead_times.csv, probes.csv, alternatives.csv, summary.json's EVPI and VSS) were
computed when it was written (optimizer.highs.difference_range) and are read, not recomputed;
objective_difference computes the range only for two run folders compared here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from reports.document import signed_usd, usd


@dataclass(frozen=True)
class Difference:
    """A difference of two objectives (USD) and the range (low, high) the proven bounds allow; None
    where a solve has no proven bound."""

    value: float
    low: float | None = None
    high: float | None = None

    @property
    def has_range(self) -> bool:
        return self.low is not None and self.high is not None and not (pd.isna(self.low) or pd.isna(self.high))

    @property
    def within_tolerance(self) -> bool:
        return self.has_range and self.low <= 0 <= self.high

    @property
    def verdict(self) -> str:
        if not self.has_range:
            return "no proven range"
        return "within solver tolerance" if self.within_tolerance else "proven"

    def range_text(self) -> str:
        return f"{signed_usd(self.low)} to {signed_usd(self.high)}" if self.has_range else "no proven range"

    def describe(self) -> str:
        """E.g. '+$1.20 bn (+$1.10 bn to +$1.31 bn)' or 'within solver tolerance (-$3.1 M to +$40.2 M)'."""
        if self.within_tolerance:
            return f"within solver tolerance ({self.range_text()})"
        return f"{signed_usd(self.value)} ({self.range_text()})"

    def compared(self, reference: str) -> str:
        """The difference in words against a named reference: 'costs $1.20 bn more than base (...)'."""
        if self.within_tolerance:
            return f"the same cost as {reference} within solver tolerance ({self.range_text()})"
        word = "more" if self.value > 0 else "less"
        return f"costs {usd(abs(self.value))} {word} than {reference} ({self.range_text()})"


def objective_difference(a: dict, b: dict) -> Difference:
    """a - b for two run summaries (summary.json): their objectives, and the range their best bounds
    allow for the difference of the true optima."""
    a_value, b_value = a.get("objective_usd"), b.get("objective_usd")
    a_bound, b_bound = a.get("best_bound_usd"), b.get("best_bound_usd")
    if a_bound is None or b_bound is None:
        return Difference(a_value - b_value)
    return Difference(a_value - b_value, a_bound - b_value, a_value - b_bound)


def tolerance_usd(summary: dict) -> float | None:
    """How far a run's objective may lie above its true optimum (objective minus best bound)."""
    if summary.get("objective_usd") is None or summary.get("best_bound_usd") is None:
        return None
    return summary["objective_usd"] - summary["best_bound_usd"]
