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

The time limit holds for the whole solve, so the steps are budgeted: outcome MIPs stop at a share
of the requested gap (each outcome's own gap enters a plan's value and the bound), and each step (a
round, a plan's MIP, carrying a plan out) ends by a share of the time left, its solves taking from
it what they need (a step needs every one of them). The first round bounds each outcome by its LP
relaxation (lambda = 0): a fraction of a MIP's time, and often within the gap of it. Then the
mean-value plan (one MIP, then every outcome with its decisions fixed) is carried out, so that a
proven gap exists early; the outcomes' MIPs follow only while the gap is open. At the limit the
best plan and bound so far are the result.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Executor

import numpy as np

from optimizer.highs import SOLVED, Outcome, mip_gap
from optimizer.pipeline.stochastic import (
    Bounds,
    OutcomeRun,
    OutcomeTask,
    Plan,
    clipped,
    common_bounds,
    mean_value_run,
    outcome_bounds,
    risk_value,
    run_all,
    with_plan_fixed,
)

MAX_ROUNDS = 20  # Lagrangian rounds at most
GAP_TOLERANCE = 1e-9  # a gap this far above the requested one is round-off (a requested gap of 0 is met)
FIRST_STEP = 0.1  # the first step moves lambda a tenth of the way Polyak's rule would (the plan is far off)
STEP_SHRINK = 0.5  # the step's scale falls by this factor after a round that raises no bound
OUTCOME_GAP_SHARE = 0.25  # outcome MIPs stop at this share of the requested gap, leaving the rest to the plan
# Shares of the time left when a step starts, for its solves: a round of every outcome alone (no bound
# without it), the mean-value scenario's one MIP, and carrying out a plan in every outcome (the first
# plan may take all the time left: without it there is no result).
ROUND_SHARE, MEAN_SHARE, CARRY_SHARE = 0.6, 0.4, 0.8


class _Search:
    """The best plan so far (its value and its runs in every outcome) and the best proven bound."""

    def __init__(self, scenario, pairs, years: set[int], executor: Executor | None, deadline: float | None) -> None:
        self.started = time.perf_counter()
        self.risk = scenario.config.uncertainty.risk
        self.gap_wanted = scenario.config.solver.mip_rel_gap
        self.outcome_gap = OUTCOME_GAP_SHARE * self.gap_wanted
        self.probabilities = np.array([future.probability for future, _ in pairs])
        self.files = [edited.files() for _, edited in pairs]
        self.years, self.executor, self.deadline = frozenset(years), executor, deadline
        self.value, self.source, self.runs, self.bound = math.inf, None, [], None
        self.bound_from: str | None = None  # "LP relaxations" or "outcome MIPs"
        self.out_of_time = False  # a step's solves stopped at its deadline before all had a plan or bound
        self.lines: list[str] = []
        self.tried: list[tuple[dict[str, float], list[OutcomeRun]]] = []  # plans carried out, and their runs

    def step_deadline(self, share: float) -> float | None:
        """When a step that may use `share` of the time left ends (time.time())."""
        if self.deadline is None:
            return None
        return time.time() + share * max(self.deadline - time.time(), 0.0)

    def task(self, files: dict[str, str], bounds: Bounds, share: float, **kwargs) -> OutcomeTask:
        return OutcomeTask(
            files, self.years, bounds, deadline=self.step_deadline(share), gap=self.outcome_gap, **kwargs
        )

    def tasks(
        self,
        bounds: Bounds,
        share: float,
        prices: list[dict[str, float]] | None = None,
        keep: bool = False,
        relaxed: bool = False,
    ) -> list[OutcomeTask]:
        prices = prices or [{} for _ in self.files]
        return [
            self.task(f, bounds, share, prices=p, keep_tables=keep, relaxed=relaxed) for f, p in zip(self.files, prices)
        ]

    def offer(self, source: str, runs: list[OutcomeRun]) -> None:
        """A plan carried out in every outcome: kept if it costs less than the best so far."""
        if not runs or any(run.objective is None for run in runs):
            self.line(f"{source}: not every outcome has a plan by the step's deadline")
            self.out_of_time = True
            return
        value = risk_value(np.array([run.objective for run in runs]), self.probabilities, self.risk)
        self.line(f"{source}: {value:.6e}")
        if value < self.value:
            self.value, self.source, self.runs = value, source, runs

    def carry_out(self, source: str, now: dict[str, float], bounds: Bounds) -> list[OutcomeRun]:
        """Evaluate a plan decided now in every outcome (once per distinct plan); its runs."""
        plan = clipped(now, bounds)
        for tried, runs in self.tried:
            if tried == plan:
                return runs
        fixed = with_plan_fixed(bounds, plan)
        share = CARRY_SHARE if self.runs else 1.0  # no plan yet: nothing left to save time for
        runs = run_all(self.tasks(fixed, share, keep=True), self.executor)
        self.tried.append((plan, runs))
        self.offer(source, runs)
        return runs

    def mean_value(self, scenario, pairs, bounds: Bounds) -> tuple[OutcomeRun, list[OutcomeRun]]:
        """The mean-value scenario's plan decided now, and its runs carried out in every outcome."""
        mean = mean_value_run(scenario, pairs, self.years, bounds, self.step_deadline(MEAN_SHARE), self.outcome_gap)
        return mean, self.carry_out("the mean-value plan", mean.now, bounds) if mean.now else []

    def gap(self) -> float:
        gap = mip_gap(self.value if self.runs else None, self.bound)
        return math.inf if gap is None else gap

    def met(self) -> bool:
        """Whether the best plan is proven within the requested gap."""
        return self.gap() <= self.gap_wanted + GAP_TOLERANCE

    def line(self, text: str) -> None:
        self.lines.append(f"gridsite by outcomes, at {time.perf_counter() - self.started:.0f} s: {text}\n")


def solve_by_outcomes(scenario, pairs, years: set[int], *, executor: Executor | None, deadline: float | None) -> Plan:
    """The best plan found and the best proven bound: within the scenario's gap, or at `deadline`."""
    search = _Search(scenario, pairs, years, executor, deadline)
    bounds = common_bounds(run_all(search.tasks({}, 1.0), executor, outcome_bounds))
    build_seconds = time.perf_counter() - search.started
    mean = None  # the mean-value plan and its runs, the first plan carried out
    prices: list[dict[str, float]] = [{} for _ in pairs]
    scale, rounds, relaxed = FIRST_STEP, 0, True
    while rounds < MAX_ROUNDS and not _past(deadline):
        runs = run_all(search.tasks(bounds, ROUND_SHARE, prices, relaxed=relaxed), executor)
        rounds += 1
        kind = "LP relaxations" if relaxed else "outcome MIPs"
        lagrangian = _lagrangian(runs, search)
        if lagrangian is None:
            search.line(f"round {rounds} ({kind}): an outcome has no bound by the step's deadline")
            search.out_of_time = True
        else:
            raised = search.bound is None or lagrangian > search.bound
            if raised:
                search.bound, search.bound_from = lagrangian, kind
            search.line(f"round {rounds} ({kind}): Lagrangian bound {lagrangian:.6e}, best {search.bound:.6e}")
        if not relaxed and any(run.now for run in runs) and not search.met():
            search.carry_out(f"round {rounds}'s median plan", _median(runs, search.probabilities), bounds)
        if mean is None and not _past(deadline):
            mean = search.mean_value(scenario, pairs, bounds)
        if lagrangian is None or search.met():
            break
        if relaxed:  # then the outcomes' MIPs, at lambda = 0: plans to carry out, and a tighter bound
            relaxed = False
            continue
        if not search.runs or search.risk.cvar_weight:
            break  # Polyak's step needs a plan's value; with a CVaR weight only lambda = 0
        scale = scale if raised else scale * STEP_SHRINK
        prices = _step(prices, runs, search.probabilities, scale * (search.value - lagrangian))
    return _plan(
        search,
        bounds,
        rounds,
        build_seconds,
        time.perf_counter() - search.started - build_seconds,
        mean if mean and mean[1] else None,
    )


def _lagrangian(runs: list[OutcomeRun], search: _Search) -> float | None:
    """The round's bound: the outcomes' proven bounds combined (None when one has none)."""
    if any(run.bound is None for run in runs):
        return None
    bounds = np.array([run.bound for run in runs])
    if search.risk.cvar_weight:
        return risk_value(bounds, search.probabilities, search.risk)
    return float(search.probabilities @ bounds)


def _median(runs: list[OutcomeRun], probabilities: np.ndarray) -> dict[str, float]:
    """Each decision made now at its probability-weighted median over the outcomes' plans (the lower
    one on a tie), among the outcomes that have a plan. A median of values each outcome's rows allow
    keeps what orders them: capacity that never falls, whole modules, a region opened wherever a
    majority builds in it."""
    planned = [k for k, run in enumerate(runs) if run.now]
    names, x = _decisions([runs[k] for k in planned])
    weights = probabilities[planned] / probabilities[planned].sum()
    order = np.argsort(x, axis=0, kind="stable")
    cumulative = np.cumsum(weights[order], axis=0)
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
        termination = SOLVED
    elif _past(search.deadline) or search.out_of_time:
        termination = "maxTimeLimit"
    else:
        termination = "interrupted"
    has_plan = np.zeros(0) if search.runs else None  # the plan's values are in its runs, per outcome
    value = search.value if search.runs else None
    outcome = Outcome(None, value, search.bound, has_plan, None, termination=termination, method="by_outcomes")
    detail = {
        "rounds": rounds,
        "plan_from": search.source,
        "bound_from": search.bound_from,
        "outcome_mip_rel_gap": search.outcome_gap,
    }
    log = "".join(search.lines)
    return Plan(outcome, search.runs, bounds, build_seconds, solve_seconds, {}, "by_outcomes", log, detail, mean)
