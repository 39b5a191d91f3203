"""A whole command's time limit, shared out: the solve first, then analyses with what is left, with
seconds held back for writing the results and reports.

    budget = Budget.start(limit_s=300, reserve_s=outputs_reserve_s(scenario))
    budget.left()   # seconds the work may still use: limit - elapsed - reserve (None: no limit)

Deadlines cross process boundaries (re-solves on Dask workers) as wall-clock epochs (`time.time()`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from optimizer.inputs.scenario import Scenario

# Seconds to write results and reports, measured on the default and 1,000-site benchmark scenarios
# (docs/benchmarks.md): about 8 s for the default on a quiet 2-core machine (importing the report code,
# a PDF, an HTML page, figures, a workbook: `gridsite solve data/default --time-limit 20` wrote for
# 8.0 and 8.5 s after its work stopped), plus about 10 ms per candidate region (map, tables) and 4 s
# per million table rows. On a machine busier than its cores, wall time stretches by the load per
# core, and so does the reserve.
OUTPUTS_BASE_S = 8.0
OUTPUTS_S_PER_REGION = 0.010
OUTPUTS_S_PER_ROW = 4e-6
OUTPUTS_MAX_SHARE = 0.5  # never hold back more than this share of a limit for writing


@dataclass(frozen=True)
class Budget:
    """Wall-clock seconds a command may use (None: no limit), from `started` (time.perf_counter())."""

    limit_s: float | None
    started: float
    reserve_s: float = 0.0  # held back for writing the results

    @classmethod
    def start(cls, limit_s: float | None, reserve_s: float = 0.0, started: float | None = None) -> Budget:
        """A budget from `started` (a time.perf_counter() value; None: now)."""
        reserve = 0.0 if limit_s is None else min(reserve_s, OUTPUTS_MAX_SHARE * limit_s)
        return cls(limit_s, time.perf_counter() if started is None else started, reserve)

    def left(self) -> float | None:
        """Seconds left for work before the reserve (never negative); None without a limit."""
        if self.limit_s is None:
            return None
        return max(self.limit_s - self.reserve_s - (time.perf_counter() - self.started), 0.0)

    def within(self, scenario: Scenario, share: float = 1.0) -> Scenario:
        """The scenario with `share` of what is left as its solve's time limit (as it is, without a limit)."""
        left = self.left()
        return scenario if left is None else scenario.with_time_left(max(share * left, 1e-3))

    def deadline_epoch(self) -> float | None:
        """When the work must stop, as a `time.time()` value other processes can read."""
        left = self.left()
        return None if left is None else time.time() + left

    def account(self) -> dict:
        """summary.json's `time_budget`: the limit, the seconds held back for writing, those used so far."""
        used = time.perf_counter() - self.started
        return {"limit_s": self.limit_s, "outputs_reserve_s": round(self.reserve_s, 1), "used_s": round(used, 1)}


def outputs_reserve_s(scenario: Scenario) -> float:
    """Seconds to hold back for writing a run's results and reports, from the rows of its tables."""
    regions, years = len(scenario.regions), len(scenario.config.years)
    uncertainty = scenario.config.uncertainty
    outcomes = 1 if uncertainty is None else uncertainty.count
    rows = (regions + scenario.service_pairs) * years * outcomes
    return (OUTPUTS_BASE_S + OUTPUTS_S_PER_REGION * regions + OUTPUTS_S_PER_ROW * rows) * load_per_core()


def load_per_core() -> float:
    """The 1-minute load average per core, at least 1 (where the system reports none: 1)."""
    try:
        return max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))  # the host's load over the host's cores
    except (AttributeError, OSError):
        return 1.0
