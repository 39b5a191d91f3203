"""What limits a plan, in USD of the objective (discounted to the first year), within a time budget.

One LP first (`limits` table, and `marginal_value_usd_per_mw` of `lead_times`): fix every site choice
open[r] at the plan's value, relax module counts and opening years to continuous, and solve. The dual
of a zone or pool limit in year t is the change in total cost per MW of extra limit; its negative is
the saving one more MW of headroom would bring (0 for a limit that does not bind). Each lead time that
holds the plan back (capacity added in the first year it allows) is opened a year earlier in the same
LP but held at 0 MW there by a row, whose dual values one MW a year earlier. Fixing only the site
choices keeps the duals informative: with module counts fixed too, no capacity could move.

Then full MIP re-solves, warm-started from the plan, as time allows: probes asked for (`probes`: a
region forced out, open = 0, or in, open = 1 with at least one module, or 1 MW, in the last year;
`change_usd` is the added cost), then each held-back lead time one year shorter, most valuable by the
LP first (`saving_usd`: the plan's objective minus the re-solve's). Both solves stop at the MIP gap,
so the true difference lies in [*_low_usd, *_high_usd] (from the objectives and bounds). A re-solve
the time limit leaves no room for is listed with status `not_run`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace

import pandas as pd
import pyomo.environ as pyo

from formulations import build_model
from formulations.lead_times import first_build_year
from optimizer.highs import difference_range
from optimizer.highs.progress import Step, listening, report
from optimizer.inputs.scenario import Scenario
from optimizer.pipeline.budget import Budget
from optimizer.pipeline.deterministic import (
    SOLUTION_STATUSES,
    SolveResult,
    classify,
    penalty_of,
    remaining,
    run_highs,
)
from optimizer.pipeline.matrix import ModelMatrix
from optimizer.pipeline.warm_start import start_columns

BIND_TOLERANCE_MW = 1e-6
MIN_RESOLVE_S = 1.0  # a re-solve given less than this is not started
RESOLVE_SHARE = 2.0  # a re-solve may take this many times the plan's own solve, if time is left
NOT_RUN = "not_run"
LIMIT_COLUMNS = ["level", "limit_id", "year", "limit_mw", "used_mw", "binding", "marginal_value_usd_per_mw"]
RESOLVE_COLUMNS = ["status", "solve_seconds", "objective_usd"]
LEAD_TIME_COLUMNS = [
    "region_id",
    "path_id",
    "lead_time_years",
    "first_build_year",
    "marginal_value_usd_per_mw",
    *RESOLVE_COLUMNS,
    "saving_usd",
    "saving_low_usd",
    "saving_high_usd",
    "spend_saving_usd",
    "penalty_saving_usd",
]
PROBE_COLUMNS = [
    "region_id",
    "forced",
    *RESOLVE_COLUMNS,
    "change_usd",
    "change_low_usd",
    "change_high_usd",
    "spend_change_usd",
    "penalty_change_usd",
]


@dataclass
class Analysis:
    """The analysis tables by name (optimizer.pipeline.deterministic.ANALYSIS_TABLES), and for each
    analysis what was computed and what was not, and why (summary.json's `analyses`)."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    account: list[dict] = field(default_factory=list)


def explain_limits(
    scenario: Scenario,
    result: SolveResult,
    *,
    limits: bool = True,
    probes: tuple[str, ...] = (),
    budget: Budget | None = None,
    executor: Executor | None = None,
    parallel: int = 1,
) -> Analysis:
    """What limits a solved plan, cheapest first within `budget` (None: no limit): with `limits` the
    `limits` and `lead_times` tables, and `probes` of the regions asked for. Re-solves run on
    `executor` (e.g. Dask workers, `parallel` at a time) or here one after another."""
    summary = result.summary
    run = _Runner(
        budget or Budget.start(None),
        executor,
        parallel,
        RESOLVE_SHARE * summary["solve_seconds"],
        summary["build_seconds"],
    )
    analysis = Analysis()
    held, marginal = held_back(scenario, result) if limits else [], {}
    if limits:
        analysis.tables["limits"], marginal, lp_status = _lp_values(scenario, result, held, run)
        analysis.account.append({"analysis": "limits", "method": "LP, site choices fixed", "status": lp_status})
    if probes:
        opened = opened_regions(result)
        tasks = [ReSolve(scenario, forced=(r, r not in opened)) for r in probes]
        analysis.tables["probes"] = _probe_table(result, probes, tasks, run(tasks, "probes"))
        analysis.account.append(_account("probes", analysis.tables["probes"]))
    if limits:
        order = sorted(held, key=lambda key: -marginal.get(key, 0.0))  # most valuable first
        tasks = [ReSolve(_shortened(scenario, *key), result.integer_values) for key in order]
        lead_times = _lead_time_table(scenario, result, order, marginal, run(tasks, "lead-time re-solves"))
        analysis.tables["lead_times"] = lead_times
        analysis.account.append(_account("lead_times", lead_times) | {"lp_values": lp_status})
    return analysis


def _account(name: str, table: pd.DataFrame) -> dict:
    """How many re-solves of an analysis ran, how many the time limit left out."""
    skipped = int((table["status"] == NOT_RUN).sum())
    entry = {"analysis": name, "method": "MIP re-solves", "re_solved": len(table) - skipped, "not_run": skipped}
    return entry | ({"reason": "the time limit left no room for them"} if skipped else {})


def opened_regions(result: SolveResult) -> set[str]:
    """Regions the plan uses: capacity never falls, so the last year shows every one."""
    last = result.capacity[result.capacity["year"] == result.capacity["year"].max()]
    return set(last.loc[last["capacity_mw"] > 0, "region_id"])


# --- One LP: zone and pool limits, and a year earlier for each held-back lead time


def _lp_values(
    scenario: Scenario, result: SolveResult, held: list[tuple[str, str]], run: _Runner
) -> tuple[pd.DataFrame, dict[tuple[str, str], float], str]:
    """The limits table, the value of one MW a year earlier per held-back (region, path), and the LP's
    status: `optimal`, or why there are no values."""
    used = result.table("power_limits")
    if used.empty and not held:
        return pd.DataFrame(columns=LIMIT_COLUMNS), {}, "nothing to value"
    left = run.budget.left()
    if left is not None and left < MIN_RESOLVE_S + run.build_s:  # the LP's model takes as long to build
        return _limit_rows(used, None), {}, NOT_RUN
    model = build_model(_shortened_all(scenario, held), tightened=False)  # row duals: no added rows to share them
    opened = opened_regions(result)
    for r in model.REGIONS:
        model.open[r].fix(int(r in opened))
    earlier = _held_at_zero(model, scenario, held)
    matrix = ModelMatrix(model)
    # Relaxed: no integer column may remain, or HiGHS gives no duals.
    outcome = run_highs(matrix, scenario.config.solver, run.budget.left(), relaxed=True)
    # The plan is feasible for this LP, so only a time limit can leave it unsolved: values stay blank.
    status = classify(outcome)[0]
    if status != "optimal":
        return _limit_rows(used, None), {}, status
    limits = {"zone": getattr(model, "zone_limit", {}), "pool": getattr(model, "local_limit", {})}
    duals = matrix.duals([*earlier.values(), *(c for rows in limits.values() for c in rows.values())], outcome.row_dual)
    limit_value = {(level, *key): -duals[row] for level, rows in limits.items() for key, row in rows.items()}
    return _limit_rows(used, limit_value), {key: _clean(-duals[row]) for key, row in earlier.items()}, status


def _limit_rows(used: pd.DataFrame, value: Mapping | None) -> pd.DataFrame:
    """Every zone and pool limit: firm grid MW the plan holds, whether it binds, and its marginal value."""
    if used.empty:
        return pd.DataFrame(columns=LIMIT_COLUMNS)
    rows = [
        (
            level,
            group,
            t,
            limit,
            mw,
            mw >= limit - BIND_TOLERANCE_MW,
            None if value is None else _clean(value[level, group, t]),
        )
        for level, group, t, limit, mw in used[LIMIT_COLUMNS[:5]].itertuples(index=False)
    ]
    return pd.DataFrame(rows, columns=LIMIT_COLUMNS)


def _held_at_zero(model: pyo.ConcreteModel, scenario: Scenario, held: list[tuple[str, str]]) -> dict:
    """Rows holding each held-back key at 0 MW in the year before its first build year (which the
    shortened lead time opens): the LP is the plan's, and each row's dual values that year."""
    year = {
        key: first_build_year(scenario.config.first_year, lead) - 1 for key, lead in _lead_times(scenario, held).items()
    }
    level = {
        key: model.capacity_mw[key[0], t] if not key[1] else model.path_mw[key[0], key[1], t] for key, t in year.items()
    }
    model.held_at_zero = pyo.Constraint(list(range(len(held))), rule=lambda m, i: level[held[i]] <= 0)
    return {key: model.held_at_zero[i] for i, key in enumerate(held)}


def _clean(value: float) -> float:
    """Dual values cleaned of solver round-off (USD per MW)."""
    return 0.0 if abs(value) < 1e-6 else round(value, 4)


# --- Held-back lead times


def held_back(scenario: Scenario, result: SolveResult) -> list[tuple[str, str]]:
    """(region, path) pairs whose lead time holds the plan back: capacity is added in the first year
    the lead time allows, after the first year. Path "" is the region's own (construction) lead time."""
    first_year = scenario.config.first_year
    regions = scenario.regions.set_index("region_id")["lead_time_years"]
    held = [
        (r, "")
        for r, year in _first_additions(result.capacity, ["region_id"]).items()
        if year == first_build_year(first_year, regions[r]) > first_year
    ]
    if scenario.interconnection is not None:
        paths = scenario.interconnection.set_index(["region_id", "path_id"])["lead_time_years"]
        held += [
            key
            for key, year in _first_additions(result.table("capacity_by_path"), ["region_id", "path_id"]).items()
            if year == first_build_year(first_year, paths[key]) > first_year
        ]
    return held


def _first_additions(table: pd.DataFrame, keys: list[str]) -> pd.Series:
    return table[table["added_mw"] > 0].groupby(keys)["year"].min()


def _lead_times(scenario: Scenario, keys: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """Each (region, path) key's lead time in years (path "": the region's own)."""
    regions = scenario.regions.set_index("region_id")["lead_time_years"]
    paths = (
        scenario.interconnection.set_index(["region_id", "path_id"])["lead_time_years"]
        if scenario.interconnection is not None
        else {}
    )
    return {(r, p): float(paths[r, p] if p else regions[r]) for r, p in keys}


def _shortened(scenario: Scenario, region: str, path: str) -> Scenario:
    """The scenario with one lead time a year shorter (a path's, or the region's own)."""
    if path:
        paths = scenario.interconnection
        row = (paths["region_id"] == region) & (paths["path_id"] == path)
        lead = paths["lead_time_years"].mask(row, (paths["lead_time_years"] - 1).clip(lower=0))
        return replace(scenario, interconnection=paths.assign(lead_time_years=lead))
    regions = scenario.regions
    lead = regions["lead_time_years"].mask(
        regions["region_id"] == region, (regions["lead_time_years"] - 1).clip(lower=0)
    )
    return replace(scenario, regions=regions.assign(lead_time_years=lead))


def _shortened_all(scenario: Scenario, keys: list[tuple[str, str]]) -> Scenario:
    for key in keys:
        scenario = _shortened(scenario, *key)
    return scenario


def _lead_time_table(scenario, result, keys, marginal, resolved: list[Resolved]) -> pd.DataFrame:
    rows = []
    leads = _lead_times(scenario, keys)
    for key, run in zip(keys, resolved):
        change, low, high = _cost_change(result.summary, run.objective, run.bound)
        # A shorter lead time only relaxes the model, so the true saving is at least 0.
        saving = (None, None, None) if change is None else (-change, max(0.0, -high), -low)
        split = _split(result.summary, change, run.penalty)
        rows.append(
            (
                *key,
                leads[key],
                first_build_year(scenario.config.first_year, leads[key]),
                marginal.get(key),
                run.status,
                run.seconds,
                run.objective,
                *saving,
                *(None if part is None else -part for part in split),
            )
        )
    return pd.DataFrame(rows, columns=LEAD_TIME_COLUMNS)


# --- Probes


def _probe_table(
    result: SolveResult, regions: tuple[str, ...], tasks: list[ReSolve], resolved: list[Resolved]
) -> pd.DataFrame:
    rows = []
    for r, task, run in zip(regions, tasks, resolved):
        change, low, high = _cost_change(result.summary, run.objective, run.bound)
        # Forcing only restricts the model, so the true change is at least 0.
        low = low if low is None else max(0.0, low)
        split = _split(result.summary, change, run.penalty)
        forced = "in" if task.forced[1] else "out"
        rows.append((r, forced, run.status, run.seconds, run.objective, change, low, high, *split))
    return pd.DataFrame(rows, columns=PROBE_COLUMNS)


# --- Re-solves within a budget, here or on workers


@dataclass(frozen=True)
class ReSolve:
    """A variant of the plan's model to re-solve: its scenario, a MIP start (variable name -> value),
    and for a probe the region forced in (True) or out (False)."""

    scenario: Scenario
    start: Mapping[str, float] | None = None
    forced: tuple[str, bool] | None = None

    def model(self) -> pyo.ConcreteModel:
        if self.forced is None:
            return build_model(self.scenario)
        region, forced_in = self.forced
        model = build_model(self.scenario, tightened=False)  # one region fixed: identical regions no longer swap freely
        model.open[region].fix(int(forced_in))
        if forced_in:
            regions = self.scenario.regions.set_index("region_id")
            module = regions.at[region, "module_mw"]
            least = min(1.0 if pd.isna(module) else float(module), float(regions.at[region, "max_mw"]))
            model.probe_least_mw = pyo.Constraint(expr=model.capacity_mw[region, model.YEARS.last()] >= least)
        return model


@dataclass(frozen=True)
class Resolved:
    """A re-solve's status, solve seconds, objective, best bound and unserved penalty (None: none)."""

    status: str
    seconds: float | None = None
    objective: float | None = None
    bound: float | None = None
    penalty: float | None = None


@dataclass(frozen=True)
class _Runner:
    """Runs re-solves within a budget: each gets a fair share of the seconds left (a re-solve that
    ends early leaves more to the next), or `enough` seconds if more and time is left (the first,
    most valuable, get them: the rest are not run); none starts with less than MIN_RESOLVE_S."""

    budget: Budget
    executor: Executor | None
    parallel: int
    enough: float  # seconds a re-solve likely needs: a multiple of the plan's own solve
    build_s: float = 0.0  # seconds to build a variant's model: the plan's own build

    def share(self, left: float | None, count: int) -> float | None:
        """Seconds for each of `count` re-solves running `parallel` at a time, from `left`."""
        return None if left is None else max(left * self.parallel / count, min(self.enough, left), MIN_RESOLVE_S)

    def __call__(self, tasks: list[ReSolve], name: str) -> list[Resolved]:
        if self.executor is not None and len(tasks) > 1:
            share = self.share(self.budget.left(), len(tasks))
            deadline = self.budget.deadline_epoch()
            futures = [self.executor.submit(resolve_within, task, share, deadline, self.build_s) for task in tasks]
            return [self._done(future.result(), i, len(tasks), name) for i, future in enumerate(futures)]
        results = []
        for i, task in enumerate(tasks):
            share = self.share(self.budget.left(), len(tasks) - i)
            with listening(None):  # a re-solve's plans and bounds are not the plan's: only its step is shown
                resolved = resolve_within(task, share, self.budget.deadline_epoch(), self.build_s)
            results.append(self._done(resolved, i, len(tasks), name))
        return results

    @staticmethod
    def _done(resolved: Resolved, i: int, total: int, name: str) -> Resolved:
        report(Step(name, i + 1, total))
        return resolved


def resolve_within(task: ReSolve, share_s: float | None, deadline: float | None, build_s: float = 0.0) -> Resolved:
    """Re-solve `task` for at most `share_s` seconds, model build included, and not past `deadline` (a
    time.time() value); not run when that leaves less than MIN_RESOLVE_S after the build (`build_s`,
    expected). Runs here or on a Dask worker."""
    limit = None if deadline is None else min(share_s, deadline - time.time())
    if limit is not None and limit < MIN_RESOLVE_S + build_s:
        return Resolved(NOT_RUN)
    started = time.perf_counter()
    matrix = ModelMatrix(task.model())
    columns = start_columns(matrix, task.start)[0] if task.start else None
    # `start` (the plan's integer values): where the plan stays feasible, as under a shorter lead
    # time, HiGHS begins from it, so the variant is never reported worse than the plan.
    outcome = run_highs(matrix, task.scenario.solver, remaining(limit, started), start=columns)
    seconds = round(time.perf_counter() - started, 3)
    status, _ = classify(outcome)
    if status not in SOLUTION_STATUSES:
        return Resolved(status, seconds, bound=outcome.bound)
    matrix.load(outcome.col_value)
    return Resolved(status, seconds, outcome.objective, outcome.bound, penalty_of(matrix.model))


def _split(summary: dict, change: float | None, penalty: float | None) -> tuple[float | None, float | None]:
    """A change of the objective as (change in spend, change in the unserved penalty): the penalty is
    a valuation of demand not served, not money paid, so reports keep the two apart."""
    if change is None or penalty is None:
        return None, None
    penalty_change = penalty - summary.get("penalty_usd", 0.0)
    return change - penalty_change, penalty_change


def _cost_change(summary: dict, objective: float | None, bound: float | None) -> tuple[float | None, ...]:
    """A variant's objective minus the plan's, and the range the two MIP gaps allow for the true change."""
    return difference_range((objective, bound), (summary["objective_usd"], summary["best_bound_usd"]))
