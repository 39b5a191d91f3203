"""A MIP start for the extensive form from the mean-value plan: solve the scenario of mean inputs
within the bounds all outcomes allow, carry its decisions made now out in every outcome (each
outcome's own problem with those columns fixed, the rest re-optimised), and join the outcomes'
plans into one plan of the extensive form.

HiGHS finds good plans of a large extensive form late: on the 200-site, 50-outcome bench instance
its best plan after 900 s was 10% above its bound, while the mean-value plan carried out was within
0.5% of it (docs/benchmarks.md). The start only supplies a plan: the extensive form still proves
the gap with its own bound. It takes at most SHARE of the solve's time left; the outcomes' solves
run on the executor's workers when one is given. Its runs also serve the value of the stochastic
solution (VSS), which carries out the same plan.
"""

from __future__ import annotations

import time
from concurrent.futures import Executor
from dataclasses import dataclass, replace

import numpy as np

from optimizer.highs import Outcome, Problem, Settings, solve_problem
from optimizer.highs.progress import Solving, listening, report
from optimizer.inputs.uncertainty import mean_value_scenario
from optimizer.pipeline import lp_start
from optimizer.pipeline.deterministic import SOLUTION_STATUSES, classify
from optimizer.pipeline.stochastic import (
    Bounds,
    Extensive,
    OutcomeModel,
    OutcomeRun,
    OutcomeTask,
    clipped,
    risk_value,
    run_all,
    run_outcome,
    value_at_risk,
)

SHARE = 0.35  # of the solve's time left, at most (without a limit: no limit)


@dataclass(frozen=True)
class MeanValueStart:
    """A start for the extensive form (column -> value; None: none found), its account for
    summary.json, and the mean-value plan with its runs in every outcome (for the VSS), when found."""

    columns: dict[int, float] | None
    account: dict
    mean_value: tuple[OutcomeRun, list[OutcomeRun]] | None = None


@dataclass(frozen=True)
class CarryOut:
    """One outcome's problem with the decisions made now fixed, to solve by `deadline` (time.time()).
    Plain data: it may run on a Dask worker."""

    problem: Problem
    settings: Settings
    deadline: float | None


def carry_out(task: CarryOut) -> Outcome:
    left = None if task.deadline is None else max(task.deadline - time.time(), 0.0)
    return solve_problem(task.problem, task.settings, time_limit_s=left)


def mean_value_start(
    scenario,
    pairs,
    years: set[int],
    outcomes: list[OutcomeModel],
    extensive: Extensive,
    bounds: Bounds,
    executor: Executor | None,
    time_left_s: float | None,
) -> MeanValueStart:
    """The mean-value plan carried out in every outcome, as a start of `extensive` (the extensive
    form of `outcomes`, whose decisions made now are within `bounds`)."""
    started = time.perf_counter()
    deadline = None if time_left_s is None else time.time() + SHARE * time_left_s
    settings = scenario.config.solver
    gap = lp_start.GAP_SHARE * settings.mip_rel_gap
    with listening(None):  # these solves' bounds are not the extensive form's
        files = mean_value_scenario(scenario, pairs).files()
        mean = run_outcome(OutcomeTask(files, frozenset(years), bounds, deadline=deadline))
        plan = clipped(mean.now, bounds) if mean.now else None
        shared = None if plan is None else np.array([plan.get(n, bounds[n][0]) for n in extensive.shared])
        highs = Settings(mip_rel_gap=gap, threads=settings.threads)
        tasks = [] if shared is None else [
            CarryOut(_fixed(om.matrix.problem, columns, shared), highs, deadline)
            for om, columns in zip(outcomes, extensive.columns)
        ]  # fmt: skip
        solved = run_all(tasks, executor, carry_out)
    found = bool(solved) and all(classify(o)[0] in SOLUTION_STATUSES for o in solved)
    account = {"seconds": round(time.perf_counter() - started, 3), "mean_value_termination": mean.status}
    if not found:
        return MeanValueStart(None, account | {"objective_usd": None})
    probabilities = np.array([om.future.probability for om in outcomes])
    costs = np.array([o.objective for o in solved])
    value = risk_value(costs, probabilities, scenario.config.uncertainty.risk)
    report(Solving(value, None))
    runs = [OutcomeRun(classify(o)[0], o.objective, o.bound, plan, 0.0) for o in solved]
    columns = _joined_start(extensive, shared, solved, costs, probabilities, scenario.config.uncertainty.risk)
    return MeanValueStart(columns, account | {"objective_usd": value}, (mean, runs))


def _fixed(problem: Problem, columns: np.ndarray, shared: np.ndarray) -> Problem:
    """An outcome's problem with its columns of decisions made now (extensive-form columns below
    len(shared)) fixed to the plan's values."""
    own = np.flatnonzero(columns < len(shared))
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    lower[own] = upper[own] = shared[columns[own]]
    return replace(problem, col_lower=lower, col_upper=upper)


def _joined_start(extensive: Extensive, shared, solved: list[Outcome], costs, probabilities, risk) -> dict[int, float]:
    """The extensive form's columns from the outcomes' plans; with a CVaR weight also eta (the
    value at risk) and u_k = max(cost_k - eta, 0), the columns extensive_form puts last."""
    values = np.zeros(extensive.problem.n_cols)
    values[: len(shared)] = shared
    for columns, outcome in zip(extensive.columns, solved):
        values[columns] = outcome.col_value
    if risk.cvar_weight > 0:
        eta = value_at_risk(costs, probabilities, risk.cvar_alpha)
        values[-(len(costs) + 1)] = eta
        values[-len(costs) :] = np.maximum(costs - eta, 0.0)
    return dict(enumerate(values.tolist()))
