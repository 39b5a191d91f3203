"""A MIP start from the LP relaxation: solve the relaxation, keep the sites to its choices
(formulations.sites.lp_rounded), solve that smaller MIP, and hand its plan to the whole solve.

On bench/generate.py's 200-site instances HiGHS proves its bound at the root within seconds but finds
a plan within 0.1% of it only after many sub-MIPs; the restricted MIP finds one (docs/solving.md).
The start only supplies a plan: the whole solve still proves the gap with its own bound. Its
seconds count in the solve's time, and it takes at most a quarter of what the solve has left.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import pyomo.environ as pyo

from formulations.sites import all_sites_fixed, lp_rounded
from optimizer.highs import Problem, Settings, solve_problem
from optimizer.highs.progress import Solving, listening, report
from optimizer.inputs.scenario import SolverSettings
from optimizer.pipeline.matrix import ModelMatrix

SHARE = 0.25  # of the solve's time left, at most
MAX_SECONDS = 60.0  # without a time limit
GAP_SHARE = 0.5  # of the requested gap: a start must leave the whole solve room to prove its gap


@dataclass(frozen=True)
class LpStart:
    """A start (column -> value; None: none found) and its account for summary.json."""

    columns: dict[int, float] | None
    account: dict


def wanted(matrix: ModelMatrix, settings: SolverSettings) -> bool:
    """Whether the whole solve of `matrix` gets an LP-rounded start: a MIP with sites to open, solved
    whole (Benders masters search otherwise), unless switched off (`solver.lp_start: false`).
    `settings.method` is the method used (Scenario.solver_for), not `auto`."""
    return (
        settings.lp_start
        and settings.method == "direct"
        and matrix.problem is not None
        and matrix.problem.is_mip
        and not all_sites_fixed(matrix.model)
    )


def maybe_start(matrix: ModelMatrix, settings: SolverSettings, time_left_s: float | None) -> LpStart | None:
    """lp_rounded_start where `wanted`, else None."""
    return lp_rounded_start(matrix, settings, time_left_s) if wanted(matrix, settings) else None


def lp_rounded_start(matrix: ModelMatrix, settings: SolverSettings, time_left_s: float | None) -> LpStart:
    """The LP relaxation of the matrix's problem, then the problem restricted to its site choices,
    within SHARE of `time_left_s`."""
    started = time.perf_counter()
    deadline = started + (SHARE * time_left_s if time_left_s is not None else MAX_SECONDS)
    highs = Settings.of(settings, gap_share=GAP_SHARE, benders=False)
    with listening(None):  # the restricted MIP's bound is not the model's
        relaxation = solve_problem(matrix.problem.relaxed(), highs, time_limit_s=deadline - time.perf_counter())
        restricted = _restricted(matrix, relaxation.col_value) if relaxation.solved else None
        left = deadline - time.perf_counter()
        outcome = solve_problem(restricted, highs, time_limit_s=left) if restricted and left > 0 else None
    found = outcome is not None and outcome.has_solution
    account = {
        "seconds": round(time.perf_counter() - started, 3),
        "lp_termination": relaxation.termination,
        "termination": outcome.termination if outcome is not None else "not_run",
        "objective_usd": outcome.objective if found else None,
    }
    if not found:
        return LpStart(None, account)
    report(Solving(outcome.objective, None))
    values = outcome.col_value
    return LpStart(dict(zip(range(len(values)), values.tolist())), account)


def _restricted(matrix: ModelMatrix, lp_values: np.ndarray) -> Problem:
    """The matrix's problem with the site bounds of formulations.sites.lp_rounded."""

    def lp_value(variables: list[pyo.Var]) -> np.ndarray:
        cols = matrix.columns_of(variables)
        fixed = np.array([var.value or 0.0 for var in variables], dtype=float)
        return np.where(cols >= 0, lp_values[np.maximum(cols, 0)], fixed)

    bounds = lp_rounded(matrix.model, lp_value)
    cols = matrix.columns_of([var for var, _, _ in bounds])
    kept = cols >= 0
    lower, upper = matrix.problem.col_lower.copy(), matrix.problem.col_upper.copy()
    lower[cols[kept]] = np.array([low for _, low, _ in bounds])[kept]
    upper[cols[kept]] = np.array([high for _, _, high in bounds])[kept]
    return replace(matrix.problem, col_lower=lower, col_upper=upper)
