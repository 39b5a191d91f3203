"""Trade-offs between cost and other goals (time to power, carbon, other ratepayers' cost): the
Pareto front by the augmented epsilon-constraint method (AUGMECON).

    payoff       each goal g's range [g_min, g_max]: g_min minimising g (then cost, with g <= g_min),
                 g_max its value in the cheapest plan (minimising g with cost <= the cheapest cost)
    point        minimise  cost + delta * sum_g (g / r_g)   s.t.  g <= eps_g  for each goal g
                 eps_g on an even grid from g_max down to g_min, r_g = g_max - g_min
The small augmentation (delta) keeps a point from being weakly dominated; points another one
dominates (a solver's gap can leave some) are dropped, so every reported point is non-dominated.
Goals are the formulation modules' `goals` hooks: linear expressions of the model.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse

from formulations import goals
from optimizer.inputs.errors import ScenarioError
from optimizer.inputs.scenario import Scenario
from optimizer.pipeline.deterministic import Compiled, SolveResult, compile_scenario, finish, remaining, run_highs
from optimizer.studies.alternatives import one_future_note

AUGMENTATION = 1e-4  # delta, relative to the cheapest plan's cost per unit of each goal's range
# A limit equal to an earlier plan's value is loosened by this share, so that plan stays a feasible
# MIP start under HiGHS's row tolerance (absolute, while the values reach 1e11 USD).
ROW_TOLERANCE = 1e-7


@dataclass
class Front:
    """The points (name -> result), pareto.csv, and notes."""

    points: dict[str, SolveResult]
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Linear:
    """A goal as coefficients per column and a constant, and the unit of its values."""

    name: str
    unit: str
    coefs: np.ndarray
    constant: float

    def at(self, values: np.ndarray) -> float:
        return float(self.coefs @ values + self.constant)

    @property
    def column(self) -> str:
        return f"{self.name}_{self.unit}"


def pareto_front(scenario: Scenario, objectives: list[str], points: int = 8) -> Front:
    """Cost against one or two other goals, `points` grid values each (`objectives` starts with cost)."""
    compiled = compile_scenario(scenario)
    linear = _goals(compiled, objectives)
    cost = _Linear("cost", "usd", compiled.matrix.problem.cost, compiled.matrix.problem.offset)
    # Solves: the cheapest plan (lexicographic over every goal), per goal its least value then cost,
    # and its value at the least cost; then the grid.
    search = _Search(compiled, solves=1 + len(linear) + 3 * len(linear) + points ** len(linear))
    ranges = {}
    cheapest = search.lexicographic([cost, *linear], "cheapest")
    if cheapest is None:
        return Front({}, pd.DataFrame(), ["the scenario has no plan"])
    for goal in linear:
        low = search.lexicographic([goal, cost], f"least_{goal.name}")
        at_least_cost = (cost, _loosened(cost.at(cheapest), compiled.scenario.config.solver.mip_rel_gap))
        high = search.lexicographic([goal], f"{goal.name}_at_least_cost", limit=at_least_cost, start=cheapest)
        if low is None or high is None:
            return Front(search.results(), pd.DataFrame(), [f"no plan for the range of {goal.name} (time limit?)"])
        ranges[goal.name] = (goal.at(low), goal.at(high))
    scale = abs(cost.at(cheapest)) or 1.0
    weight = cost.coefs + sum(
        AUGMENTATION * scale / max(ranges[g.name][1] - ranges[g.name][0], 1e-9) * g.coefs for g in linear
    )
    grids = [np.linspace(ranges[g.name][1], ranges[g.name][0], points) for g in linear]
    previous = cheapest
    for k, epsilons in enumerate(itertools.product(*grids), start=1):
        limits = [(goal, _loosened(epsilon, ROW_TOLERANCE)) for goal, epsilon in zip(linear, epsilons)]
        found = search.solve(weight, cost.constant, limits, f"point_{k:02d}", start=previous)
        if found is not None:
            search.runs[f"point_{k:02d}"], previous = found, found[1]
    kept, notes = _non_dominated(search.runs, [cost, *linear])
    notes = one_future_note(scenario) + notes
    table = _table(search.runs, kept, [cost, *linear])
    return Front({name: search.runs[name][0] for name in kept}, table, notes)


def _goals(compiled: Compiled, objectives: list[str]) -> list[_Linear]:
    available = goals(compiled.model, compiled.scenario)
    if not objectives or objectives[0] != "cost" or not 2 <= len(objectives) <= 3:
        raise ScenarioError("--objectives", ["expected cost and one or two other goals, e.g. cost,time_to_power"])
    unknown = [name for name in objectives[1:] if name not in available]
    if unknown:
        known = ", ".join(available) or "none (no penalty, emission rate or upgrade cost in the inputs)"
        raise ScenarioError("--objectives", [f"{', '.join(unknown)}: not a goal of this scenario; its goals: {known}"])
    return [
        _Linear(name, available[name].unit, *compiled.matrix.linear(available[name].expression))
        for name in objectives[1:]
    ]


def _loosened(value: float, share: float) -> float:
    """`value` raised by `share` of its size (at least 1e-7 of it, never less than an absolute 1e-6)."""
    return value + max(share, ROW_TOLERANCE) * max(abs(value), 1e-6 / ROW_TOLERANCE)


class _Search:
    """Solves of the compiled model under goal limits, recorded by name; under a time limit each solve
    gets an equal share of the time left."""

    def __init__(self, compiled: Compiled, solves: int) -> None:
        self.compiled, self.solves_left = compiled, solves
        self.runs: dict[str, tuple[SolveResult, np.ndarray]] = {}

    def lexicographic(self, order: list[_Linear], name: str, limit=None, start=None) -> np.ndarray | None:
        """Minimise the goals in `order` one after another, each later one keeping the earlier ones
        within the solver's gap of their optimum; `limit` (goal, value) holds throughout; `start`
        (column values of a plan within it) is the first solve's MIP start."""
        limits = [limit] if limit else []
        values = start
        keep = self.compiled.scenario.config.solver.mip_rel_gap  # what the solver proves
        for goal in order:
            found = self.solve(goal.coefs, goal.constant, limits, name, start=values)
            if found is None:
                return None
            result, values = found
            limits.append((goal, _loosened(goal.at(values), keep)))
        self.runs[name] = (result, values)
        return values

    def solve(self, objective: np.ndarray, constant: float, limits: list, name: str, start=None):
        """Minimise `objective` under `limits` (goal <= value); (result, column values), or None.
        `start` (column values of an earlier plan) is a MIP start where it meets the limits."""
        compiled, problem = self.compiled, self.compiled.matrix.problem
        rows = [scipy.sparse.csc_matrix(goal.coefs.reshape(1, -1)) for goal, _ in limits]
        variant = replace(
            problem,
            cost=objective,
            offset=constant,
            A=scipy.sparse.vstack([problem.A, *rows]).tocsc(),
            row_lower=np.append(problem.row_lower, np.full(len(rows), -np.inf)),
            row_upper=np.append(problem.row_upper, [value - goal.constant for goal, value in limits]),
        )
        started = time.perf_counter()
        settings = compiled.scenario.config.solver
        left = remaining(settings.time_limit_s, compiled.started)
        time_limit = None if left is None else left / max(self.solves_left, 1)
        self.solves_left -= 1
        begin = None if start is None else dict(enumerate(start))
        outcome = run_highs(compiled.matrix, settings, time_limit, problem=variant, start=begin)
        result = finish(compiled, outcome, time.perf_counter() - started)
        if not result.has_solution:
            return None
        result.summary |= {"objective_usd": float(result.costs["discounted_usd"].sum()), "pareto": {"step": name}}
        return result, outcome.col_value

    def results(self) -> dict[str, SolveResult]:
        return {name: result for name, (result, _) in self.runs.items()}


def _non_dominated(runs: dict, objectives: list[_Linear]) -> tuple[list[str], list[str]]:
    """The grid points no other point dominates (ties: the first kept), and notes on the rest."""
    names = [name for name in runs if name.startswith("point_")]
    values = np.array([[goal.at(runs[name][1]) for goal in objectives] for name in names])
    kept, notes = [], []
    for i, name in enumerate(names):
        tolerance = 1e-9 * np.maximum(np.abs(values[i]), 1.0)
        better = np.all(values <= values[i] + tolerance, axis=1) & np.any(values < values[i] - tolerance, axis=1)
        same = np.all(np.abs(values - values[i]) <= tolerance, axis=1)
        if better.any() or same[:i].any():
            notes.append(f"{name} dropped: {'dominated' if better.any() else 'the same as an earlier point'}")
        else:
            kept.append(name)
    return kept, notes


def _table(runs: dict, kept: list[str], objectives: list[_Linear]) -> pd.DataFrame:
    """pareto.csv: one row per point with each objective's value and how it was solved."""
    rows = []
    for name in kept:
        result, values = runs[name]
        summary = result.summary
        rows.append(
            {"point": name}
            | {goal.column: goal.at(values) for goal in objectives}
            | {"status": summary["status"], "mip_gap": summary["mip_gap"]}
        )
    return pd.DataFrame(rows)
