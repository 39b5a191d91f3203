"""Solve a scenario: one assumed future (optimizer/pipeline/deterministic.py), or with an
`uncertainty:` section one plan decided now across possible futures (optimizer/pipeline/stochastic.py)."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor

from optimizer.inputs.scenario import Scenario
from optimizer.pipeline.deterministic import ANALYSIS_TABLES, SOLUTION_STATUSES, SolveResult, solve_deterministic
from optimizer.pipeline.stochastic import solve_stochastic

__all__ = ["ANALYSIS_TABLES", "SOLUTION_STATUSES", "SolveResult", "solve"]


def solve(
    scenario: Scenario,
    *,
    tee: bool = False,
    start: Mapping[str, float] | None = None,
    executor: Executor | None = None,
) -> SolveResult:
    """Solve the scenario with HiGHS; never raises for solver outcomes.

    `start` (variable name -> value, e.g. an earlier result's `integer_values`) is a MIP start for a
    deterministic scenario. `executor` (e.g. a Dask client's `get_executor()`) runs the independent
    solves of an uncertain scenario's outcomes; without one they run here, one after another."""
    if scenario.config.uncertainty is not None:
        return solve_stochastic(scenario, tee=tee, executor=executor)
    return solve_deterministic(scenario, tee=tee, start=start)
