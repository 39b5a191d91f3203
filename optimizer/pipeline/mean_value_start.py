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
from optimizer.inputs.scenario import RiskSettings, Scenario
from optimizer.inputs.uncertainty import Outcome as Future
from optimizer.pipeline import lp_start
from optimizer.pipeline.deterministic import SOLUTION_STATUSES, classify
from optimizer.pipeline.stochastic import (
    Bounds,
    Extensive,
    OutcomeModel,
    OutcomeRun,
    clipped,
    mean_value_run,
    risk_value,
    run_all,
    value_at_risk,
)

SHARE = 0.35  # of the solve's time left, at most (without a limit: no limit)
CVAR_SLACK = 1e-9  # u_k above its least value by this share of cost_k (see _joined_start)


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
    """Solve one CarryOut within what is left before its deadline."""
    left = None if task.deadline is None else max(task.deadline - time.time(), 0.0)
    return solve_problem(task.problem, task.settings, time_limit_s=left)


def mean_value_start(
    scenario: Scenario,
    pairs: list[tuple[Future, Scenario]],
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
    settings = scenario.solver_for(sites_fixed=True)  # every outcome's sites are the plan's
    highs = Settings.of(settings, gap_share=lp_start.GAP_SHARE)
    with listening(None):  # these solves' bounds are not the extensive form's
        mean = mean_value_run(scenario, pairs, years, bounds, deadline)
        plan = clipped(mean.now, bounds) if mean.now else {}
        shared = np.array([plan.get(name, bounds[name][0]) for name in extensive.shared])
        tasks = [  # none without a plan to carry out
            CarryOut(_fixed(om.matrix.problem, columns, shared), highs, deadline)
            for om, columns in zip(outcomes, extensive.columns)
            if plan
        ]
        solved = run_all(tasks, executor, carry_out)
    runs = [_run(outcome, plan) for outcome in solved]
    account = {"seconds": round(time.perf_counter() - started, 3), "mean_value_termination": mean.status}
    if not runs or any(run.objective is None for run in runs):
        return MeanValueStart(None, account | {"objective_usd": None}, (mean, runs))
    risk = scenario.config.uncertainty.risk
    probabilities = np.array([om.future.probability for om in outcomes])
    value = risk_value(np.array([run.objective for run in runs]), probabilities, risk)
    report(Solving(value, None))
    columns = _joined_start(extensive, shared, outcomes, solved, probabilities, risk)
    return MeanValueStart(columns, account | {"objective_usd": value}, (mean, runs))


def _run(outcome: Outcome, plan: dict[str, float]) -> OutcomeRun:
    status = classify(outcome)[0]
    objective = outcome.objective if status in SOLUTION_STATUSES else None
    return OutcomeRun(status, objective, outcome.bound, plan, 0.0)


def _fixed(problem: Problem, columns: np.ndarray, shared: np.ndarray) -> Problem:
    """An outcome's problem with its columns of decisions made now (extensive-form columns below
    len(shared)) fixed to the plan's values."""
    own = np.flatnonzero(columns < len(shared))
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    lower[own] = upper[own] = shared[columns[own]]
    return replace(problem, col_lower=lower, col_upper=upper)


def _joined_start(
    extensive: Extensive,
    shared: np.ndarray,
    outcomes: list[OutcomeModel],
    solved: list[Outcome],
    probabilities: np.ndarray,
    risk: RiskSettings,
) -> dict[int, float]:
    """The extensive form's columns from the outcomes' plans; with a CVaR weight also eta (the
    value at risk) and u_k, the columns extensive_form puts last. u_k takes the cost of the joined
    columns themselves plus CVAR_SLACK of it: costs near 1e11 USD carry round-off above HiGHS's
    feasibility tolerance, and a start whose rows hold with no slack could be refused."""
    values = np.zeros(extensive.problem.n_cols)
    values[: len(shared)] = shared
    for columns, outcome in zip(extensive.columns, solved):
        values[columns] = outcome.col_value
    if risk.cvar_weight > 0:
        problems = [om.matrix.problem for om in outcomes]
        costs = np.array([p.cost @ values[c] + p.offset for p, c in zip(problems, extensive.columns)])
        eta = value_at_risk(costs, probabilities, risk.cvar_alpha)
        values[-(len(costs) + 1)] = eta
        values[-len(costs) :] = np.maximum(costs - eta, 0.0) + CVAR_SLACK * np.maximum(np.abs(costs), 1.0)
    return dict(enumerate(values.tolist()))
