"""Near-optimal alternatives: plans almost as cheap as the optimum that put capacity elsewhere.

    budget         cost(x) <= (1 + slack) * bound*          bound*: the optimum's proven lower bound
    alternative i  minimise  sum_{r,t} w_i[r] * capacity_mw[r,t] / it_max[r]   s.t. the model and the budget
    w_i[r]         sum over the plans before i of capacity_mw[r,last] / it_max[r]
The weights penalise where earlier plans built (a location score like Calliope's SPORES), so each
alternative moves capacity to other regions. Because the budget uses the proven bound, every
alternative is provably within `slack` of the true optimum. When a new plan repeats an earlier one,
the direction is drawn at random (seeded), then its opposite is tried. Each search starts from the
optimum (within the budget) and follows its direction to a 1% gap, or under a time limit for its
share of the time left: any plan within the budget is a valid alternative; the gap or the time only
limits how far it moves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse

from optimizer.highs import Problem, difference_range, mip_gap
from optimizer.inputs.scenario import Scenario
from optimizer.pipeline.deterministic import Compiled, SolveResult, compile_scenario, finish, remaining, run_highs

DISTINCT_MW = 1.0  # two plans differ where some region's MW in some year differ by at least this
SCORE_GAP = 0.01  # an alternative's direction is followed to this gap: any plan in budget is a valid one
ROLES = ("must_have", "never", "interchangeable")


@dataclass
class Alternatives:
    """The optimum and its alternatives (name -> result), the comparison tables, and notes."""

    plans: dict[str, SolveResult]
    table: pd.DataFrame  # alternatives.csv
    ranges: pd.DataFrame  # sites_range.csv
    notes: list[str] = field(default_factory=list)


def find_alternatives(scenario: Scenario, *, slack: float = 0.02, count: int = 8, seed: int = 0) -> Alternatives:
    """Solve the scenario, then up to `count` alternatives within `slack` of its proven bound."""
    compiled = compile_scenario(scenario, tightened=False)  # identical regions must stay free to swap
    solve_started = time.perf_counter()
    settings = scenario.config.solver
    solved = run_highs(compiled.matrix, settings, _left(compiled))
    optimum = finish(compiled, solved, time.perf_counter() - solve_started)
    plans, notes = {"opt": optimum}, one_future_note(scenario)
    if not optimum.has_solution:
        return Alternatives(plans, pd.DataFrame(), pd.DataFrame(), ["the scenario has no plan, so no alternatives"])
    bound = optimum.summary["best_bound_usd"]
    if bound is None:
        bound = optimum.summary["objective_usd"]
        notes.append("the optimum has no proven bound; the budget uses its cost")
    budget = (1 + slack) * bound
    start = dict(enumerate(solved.col_value))  # the optimum is within the budget: a first plan for each search
    follow = settings.model_copy(update={"mip_rel_gap": max(settings.mip_rel_gap, SCORE_GAP)})
    capacity = _Capacity(compiled)
    weights = capacity.shares(optimum)
    rng = np.random.default_rng(seed)
    for i in range(1, count + 1):
        found = None
        random = rng.random(len(weights))
        directions = (("spores", weights, 2), ("random", random, 4), ("opposite", -random, 4))
        for direction, w, share in directions:  # a time limit's rest: half to the first try, a quarter each after
            started = time.perf_counter()
            left = _left(compiled)
            time_limit = None if left is None else left / (count - i + 1) / share
            problem = _within_budget(compiled.matrix.problem, budget, capacity.score(w))
            outcome = run_highs(compiled.matrix, follow, time_limit, problem=problem, start=start)
            result = finish(compiled, outcome, time.perf_counter() - started)
            if result.has_solution and all(_distinct(result, plan) for plan in plans.values()):
                found = _as_alternative(result, outcome, direction, budget, bound, slack)
                break
        if found is None:
            notes.append(f"no plan distinct from the earlier ones was found for alternative {i}; stopped")
            break
        plans[f"alt_{i:02d}"] = found
        weights = weights + capacity.shares(found)
    return Alternatives(plans, _table(plans), _ranges(plans), notes)


def one_future_note(scenario: Scenario) -> list[str]:
    """A note when the scenario's `uncertainty:` section is set aside (these studies plan one future)."""
    if scenario.config.uncertainty is None:
        return []
    return ["planned for one assumed future: the scenario's uncertainty section is not used here"]


def _left(compiled: Compiled) -> float | None:
    return remaining(compiled.scenario.config.solver.time_limit_s, compiled.started)


class _Capacity:
    """The capacity_mw columns of the compiled model, by (region, year), and each region's IT maximum."""

    def __init__(self, compiled: Compiled) -> None:
        model = compiled.model
        self.keys = list(model.capacity_mw.keys())
        self.columns = compiled.matrix.columns_of([model.capacity_mw[key] for key in self.keys])
        regions = compiled.scenario.regions.set_index("region_id")
        self.regions = list(regions.index)
        self.it_max = (regions["max_mw"] / regions["pue"]).clip(lower=1e-9).to_numpy()
        self.region_of = np.array([self.regions.index(r) for r, _ in self.keys])
        self.n = compiled.matrix.problem.n_cols

    def shares(self, result: SolveResult) -> np.ndarray:
        """Each region's MW in service in the last year as a share of its maximum."""
        capacity = result.capacity
        last = capacity[capacity["year"] == capacity["year"].max()].set_index("region_id")["capacity_mw"]
        return last.reindex(self.regions).fillna(0).to_numpy() / self.it_max

    def score(self, weights: np.ndarray) -> np.ndarray:
        """A cost vector: weights[r] / it_max[r] per MW of capacity_mw[r,t], in every year."""
        cost = np.zeros(self.n)
        placed = self.columns >= 0  # a column fixed by a lead time is no column
        np.add.at(cost, self.columns[placed], (weights / self.it_max)[self.region_of[placed]])
        return cost


def _within_budget(problem: Problem, budget: float, score: np.ndarray) -> Problem:
    """The problem minimising `score` with the row cost(x) <= budget."""
    row = scipy.sparse.csc_matrix(problem.cost.reshape(1, -1))
    return replace(
        problem,
        cost=score,
        offset=0.0,
        A=scipy.sparse.vstack([problem.A, row]).tocsc(),
        row_lower=np.append(problem.row_lower, -np.inf),
        row_upper=np.append(problem.row_upper, budget - problem.offset),
    )


def _as_alternative(
    result: SolveResult, outcome, direction: str, budget: float, bound: float, slack: float
) -> SolveResult:
    """An alternative's result, its summary stating its cost against the optimum's proven bound."""
    summary = result.summary
    cost = float(result.costs["discounted_usd"].sum())
    summary["alternative"] = {
        "direction": direction,
        "score": outcome.objective,
        "score_bound": outcome.bound,
        "score_gap": mip_gap(outcome.objective, outcome.bound),
        "budget_usd": budget,
        "slack": slack,
        "optimum_bound_usd": bound,
        "above_optimum_bound": mip_gap(cost, bound),
    }
    # The plan's cost is exact (its bound is its cost): compared with another run, only that run's
    # gap widens the range. Its place against the optimum is the `alternative` section's.
    summary |= {"objective_usd": cost, "best_bound_usd": cost, "mip_gap": 0.0}
    summary["message"] += f"; a plan within {slack:.1%} of the optimum's proven bound"
    return result


def _distinct(a: SolveResult, b: SolveResult) -> bool:
    mw = [result.capacity.set_index(["region_id", "year"])["capacity_mw"] for result in (a, b)]
    return bool((mw[0] - mw[1].reindex(mw[0].index)).abs().max() >= DISTINCT_MW)


def _last_year(result: SolveResult) -> pd.Series:
    capacity = result.capacity
    return capacity[capacity["year"] == capacity["year"].max()].set_index("region_id")["capacity_mw"]


def _table(plans: dict[str, SolveResult]) -> pd.DataFrame:
    """alternatives.csv: each plan's cost and how it differs from the optimum, and how it was solved."""
    optimum = plans["opt"].summary
    opt_last = _last_year(plans["opt"])
    rows = []
    for name, result in plans.items():
        summary = result.summary
        cost = summary["objective_usd"]
        # A plan's cost is exact; the true optimum lies between the optimum's bound and its cost.
        change, low, high = difference_range((cost, cost), (optimum["objective_usd"], optimum["best_bound_usd"]))
        last = _last_year(result).reindex(opt_last.index).fillna(0)
        rows.append(
            {
                "alternative": name,
                "objective_usd": cost,
                "cost_vs_optimum": cost / optimum["objective_usd"] - 1,
                "cost_vs_optimum_usd": change,
                "cost_vs_optimum_low_usd": low,
                "cost_vs_optimum_high_usd": high,
                "within_tolerance": _within_tolerance(name, low, high),
                "regions_opened": int((last > 0).sum()),
                "regions_differing_from_optimum": int(((last > 0) != (opt_last > 0)).sum()),
                "mw_moved": float((last - opt_last).abs().sum() / 2),
                "status": summary["status"],
                "solve_gap": summary["alternative"]["score_gap"] if "alternative" in summary else summary["mip_gap"],
                "solve_seconds": summary["solve_seconds"],
            }
        )
    return pd.DataFrame(rows)


def _within_tolerance(name: str, low: float | None, high: float | None) -> bool | None:
    """Whether the range holds 0: the solves do not show the plan costs more. Blank (None) for the
    optimum, compared with itself, and where the optimum has no proven bound."""
    return None if name == "opt" or None in (low, high) else low <= 0 <= high


def _ranges(plans: dict[str, SolveResult]) -> pd.DataFrame:
    """sites_range.csv: per region and year, the least and most MW in service across all plans, and
    the region-year's role: must_have (in every plan), never (in none), interchangeable (the rest)."""
    stacked = pd.concat([result.capacity.assign(plan=name) for name, result in plans.items()])
    ranges = stacked.groupby(["region_id", "year"], sort=False)["capacity_mw"].agg(min_mw="min", max_mw="max")
    role = np.where(ranges["min_mw"] > 0, ROLES[0], np.where(ranges["max_mw"] <= 0, ROLES[1], ROLES[2]))
    return ranges.assign(role=role).reset_index()
