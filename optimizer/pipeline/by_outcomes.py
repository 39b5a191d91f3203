"""Solving a stochastic plan by outcomes, for instances whose extensive form is too large for one
HiGHS run: each step solves every outcome's own model, independently (on Dask workers when given).

    lower bound   L(lambda) = sum_k p_k min { cost_k(x_k, y_k) + lambda_k' x_k },  sum_k p_k lambda_k = 0
    upper bound   a plan x decided now, carried out in every outcome: sum_k p_k min_y cost_k(x, y_k)
L(lambda) bounds the stochastic optimum from below for any such lambda (the Lagrangian relaxation of
"x_k is the same in every outcome"); lambda = 0 gives the outcomes' own optima within the bounds all
outcomes allow. Each term is HiGHS's proven bound of that outcome, so the gap is proven. Plans x come
from the mean-value scenario and from the outcomes' own solutions (each decision at its median over
them): within the bounds every outcome allows, so they can be carried out in all. lambda moves by
subgradient steps (Polyak's rule) while the gap is above the requested one and time remains. With a
CVaR weight only lambda = 0 is used, its bound being the CVaR objective of the outcomes' bounds.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Executor

import numpy as np

from optimizer.highs import Outcome, better_bound, mip_gap
from optimizer.pipeline.stochastic import (
    Bounds,
    OutcomeRun,
    OutcomeTask,
    Plan,
    clipped,
    common_bounds,
    mean_value_runs,
    outcome_bounds,
    risk_value,
    run_all,
)

MAX_ROUNDS = 20  # Lagrangian rounds at most
GAP_TOLERANCE = 1e-9  # a gap this far above the requested one is round-off (a requested gap of 0 is met)
FIRST_STEP = 0.1  # the first step moves lambda a tenth of the way Polyak's rule would (the plan is far off)
STEP_SHRINK = 0.5  # the step's scale falls by this factor after a round that raises no bound


class _Search:
    """The best plan so far (its value and its runs in every outcome) and the best proven bound."""

    def __init__(self, scenario, pairs, years: set[int], executor: Executor | None, deadline: float | None) -> None:
        self.risk = scenario.config.uncertainty.risk
        self.gap_wanted = scenario.config.solver.mip_rel_gap
        self.probabilities = np.array([future.probability for future, _ in pairs])
        self.files = [edited.files() for _, edited in pairs]
        self.years, self.executor, self.deadline = frozenset(years), executor, deadline
        self.value, self.source, self.runs, self.bound = math.inf, None, [], None
        self.lines: list[str] = []
        self.tried: list[dict[str, float]] = []

    def tasks(
        self, bounds: Bounds, prices: list[dict[str, float]] | None = None, keep: bool = False
    ) -> list[OutcomeTask]:
        prices = prices or [{} for _ in self.files]
        return [OutcomeTask(f, self.years, bounds, p, self.deadline, keep) for f, p in zip(self.files, prices)]

    def offer(self, source: str, runs: list[OutcomeRun]) -> None:
        """A plan carried out in every outcome: kept if it costs less than the best so far."""
        if not runs or any(run.objective is None for run in runs):
            self.line(f"{source}: not every outcome has a plan by the deadline")
            return
        value = risk_value(np.array([run.objective for run in runs]), self.probabilities, self.risk)
        self.line(f"{source}: {value:.6e}")
        if value < self.value:
            self.value, self.source, self.runs = value, source, runs

    def carry_out(self, source: str, now: dict[str, float], bounds: Bounds) -> None:
        """Evaluate a plan decided now in every outcome (once per distinct plan)."""
        plan = clipped(now, bounds)
        if plan in self.tried:
            return
        self.tried.append(plan)
        fixed = bounds | {name: (value, value) for name, value in plan.items()}
        self.offer(source, run_all(self.tasks(fixed, keep=True), self.executor))

    def gap(self) -> float:
        gap = mip_gap(self.value if self.runs else None, self.bound)
        return math.inf if gap is None else gap

    def met(self) -> bool:
        """Whether the best plan is proven within the requested gap."""
        return self.gap() <= self.gap_wanted + GAP_TOLERANCE

    def line(self, text: str) -> None:
        self.lines.append(f"gridsite by outcomes: {text}\n")


def solve_by_outcomes(scenario, pairs, years: set[int], *, executor: Executor | None, deadline: float | None) -> Plan:
    """The best plan found and the best proven bound: within the scenario's gap, or at `deadline`."""
    started = time.perf_counter()
    search = _Search(scenario, pairs, years, executor, deadline)
    bounds = common_bounds(run_all(search.tasks({}), executor, outcome_bounds))
    build_seconds = time.perf_counter() - started
    mean = None  # the mean-value plan and its runs, tried after the first round if the gap is still open
    prices: list[dict[str, float]] = [{} for _ in pairs]
    scale, rounds = FIRST_STEP, 0
    while rounds < MAX_ROUNDS and not _past(deadline):
        runs = run_all(search.tasks(bounds, prices), executor)
        rounds += 1
        if any(run.objective is None or run.bound is None for run in runs):
            search.line(f"round {rounds}: an outcome has no plan or bound by the deadline")
            break
        lagrangian = float(search.probabilities @ [run.bound for run in runs])
        if search.risk.cvar_weight:
            lagrangian = risk_value(np.array([run.bound for run in runs]), search.probabilities, search.risk)
        raised = search.bound is None or lagrangian > search.bound
        search.bound = better_bound(search.bound, lagrangian)
        search.line(f"round {rounds}: Lagrangian bound {lagrangian:.6e}, best bound {search.bound:.6e}")
        search.carry_out(f"round {rounds}'s median plan", _median(runs, search.probabilities), bounds)
        if mean is None and not search.met():
            mean = mean_value_runs(scenario, pairs, years, bounds, executor, deadline)
            if mean[0].now and clipped(mean[0].now, bounds) not in search.tried:
                search.tried.append(clipped(mean[0].now, bounds))
                search.offer("the mean-value plan", mean[1])
        if search.met() or search.risk.cvar_weight:
            break
        scale = scale if raised else scale * STEP_SHRINK
        prices = _step(prices, runs, search.probabilities, scale * (search.value - lagrangian))
    return _plan(
        search,
        bounds,
        rounds,
        build_seconds,
        time.perf_counter() - started - build_seconds,
        mean,
    )


def _median(runs: list[OutcomeRun], probabilities: np.ndarray) -> dict[str, float]:
    """Each decision made now at its probability-weighted median over the outcomes' plans (the lower
    one on a tie). A median of values each outcome's rows allow keeps what orders them: capacity
    that never falls, whole modules, a region opened wherever a majority builds in it."""
    names, x = _decisions(runs)
    order = np.argsort(x, axis=0, kind="stable")
    cumulative = np.cumsum(probabilities[order], axis=0)
    position = (cumulative < 0.5 - 1e-9).sum(axis=0)  # first sorted value reaching half the probability
    median = x[order[position, np.arange(len(names))], np.arange(len(names))]
    return dict(zip(names, median.tolist()))


def _step(
    prices: list[dict[str, float]], runs: list[OutcomeRun], probabilities: np.ndarray, target: float
) -> list[dict[str, float]]:
    """lambda_k += t (x_k - mean x), t = target / sum_k p_k |x_k - mean x|^2 (Polyak's step); the mean
    is probability-weighted, so sum_k p_k lambda_k stays 0."""
    names, x = _decisions(runs)
    g = x - probabilities @ x
    norm = float(probabilities @ (g**2).sum(axis=1))
    if norm <= 1e-12:  # every outcome decides the same: nothing to move
        return prices
    t = target / norm
    return [
        {name: price.get(name, 0.0) + t * g[k, j] for j, name in enumerate(names)} for k, price in enumerate(prices)
    ]


def _decisions(runs: list[OutcomeRun]) -> tuple[list[str], np.ndarray]:
    """Every decision made now in any outcome's plan (0 where an outcome's model lacks it), by outcome."""
    names = list(dict.fromkeys(name for run in runs for name in run.now))
    return names, np.array([[run.now.get(name, 0.0) for name in names] for run in runs])


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.time() >= deadline


def _plan(search: _Search, bounds: Bounds, rounds: int, build_seconds: float, solve_seconds: float, mean) -> Plan:
    if search.runs and search.met():
        termination = "convergenceCriteriaSatisfied"
    elif _past(search.deadline):
        termination = "maxTimeLimit"
    else:
        termination = "interrupted"
    has_plan = np.zeros(0) if search.runs else None  # the plan's values are in its runs, per outcome
    value = search.value if search.runs else None
    outcome = Outcome(None, value, search.bound, has_plan, None, termination=termination, method="by_outcomes")
    detail = {"rounds": rounds, "plan_from": search.source}
    log = "".join(search.lines)
    return Plan(outcome, search.runs, bounds, build_seconds, solve_seconds, {}, "by_outcomes", log, detail, mean)
