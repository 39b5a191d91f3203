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

from formulations.sites import lp_rounded
from optimizer.highs import Problem, Settings, solve_problem
from optimizer.highs.progress import Solving, listening, report
from optimizer.inputs.scenario import SolverSettings
from optimizer.pipeline.matrix import ModelMatrix

SHARE = 0.25  # of the solve's time left, at most
MAX_SECONDS = 60.0  # without a time limit
GAP_SHARE = 0.5  # of the requested gap: a start must leave the whole solve room to prove its gap


Part = tuple[ModelMatrix, np.ndarray]  # a model's matrix and, per its column, the column in the problem solved


@dataclass(frozen=True)
class LpStart:
    """A start (column -> value; None: none found) and its account for summary.json."""

    columns: dict[int, float] | None
    account: dict


def wanted(problem: Problem | None, parts: list[Part], settings: SolverSettings) -> bool:
    """Whether the whole solve of `problem` gets an LP-rounded start: a MIP with sites to open, solved
    whole (Benders masters search otherwise), unless switched off (`solver.lp_start: false`).
    `settings.method` is the method used (Scenario.solver), not `auto`."""
    return (
        settings.lp_start
        and settings.method == "direct"
        and problem is not None
        and problem.is_mip
        and any(not var.fixed for matrix, _ in parts for var in matrix.model.open.values())
    )


def maybe_start(
    problem: Problem | None, parts: list[Part], settings: SolverSettings, time_left_s: float | None
) -> LpStart | None:
    """lp_rounded_start where `wanted`, else None."""
    if not wanted(problem, parts, settings):
        return None
    return lp_rounded_start(problem, parts, settings, time_left_s)


def whole(matrix: ModelMatrix) -> list[Part]:
    """The one part of a model's own problem: its matrix, on its own columns."""
    return [(matrix, np.arange(len(matrix.columns)))]


def lp_rounded_start(
    problem: Problem, parts: list[Part], settings: SolverSettings, time_left_s: float | None
) -> LpStart:
    """The LP relaxation of `problem`, then `problem` restricted to its site choices, within SHARE of
    `time_left_s`. `parts`: the models whose sites are rounded, each with its columns in `problem`
    (one model: `whole(matrix)`; an extensive form: its outcomes)."""
    started = time.perf_counter()
    deadline = started + (SHARE * time_left_s if time_left_s is not None else MAX_SECONDS)
    highs = Settings(mip_rel_gap=GAP_SHARE * settings.mip_rel_gap, threads=settings.threads)
    with listening(None):  # the restricted MIP's bound is not the model's
        relaxation = solve_problem(problem.relaxed(), highs, time_limit_s=deadline - time.perf_counter())
        restricted = _restricted(problem, parts, relaxation.col_value) if relaxation.has_solution else None
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


def _restricted(problem: Problem, parts: list[Part], lp_values: np.ndarray) -> Problem:
    """`problem` with the site bounds of formulations.sites.lp_rounded, per part."""
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    for matrix, columns in parts:

        def lp_value(variables: list[pyo.Var], matrix=matrix, columns=columns) -> np.ndarray:
            cols = matrix.columns_of(variables)
            fixed = np.array([var.value or 0.0 for var in variables], dtype=float)
            return np.where(cols >= 0, lp_values[columns[np.maximum(cols, 0)]], fixed)

        bounds = lp_rounded(matrix.model, lp_value)
        cols = matrix.columns_of([var for var, _, _ in bounds])
        kept = cols >= 0
        lower[columns[cols[kept]]] = np.array([low for _, low, _ in bounds])[kept]
        upper[columns[cols[kept]]] = np.array([high for _, _, high in bounds])[kept]
    return replace(problem, col_lower=lower, col_upper=upper)
