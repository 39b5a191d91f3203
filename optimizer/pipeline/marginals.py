"""What limits a plan, in USD of the objective (discounted to the first year).

Power limits (`limits` table, zone and local pool limits): fix every site choice open[r] at the
plan's value, relax module counts and opening years to continuous, and solve that LP. The dual of a limit in year t is the change in total
cost per MW of extra limit; `marginal_value_usd_per_mw` is its negative, the saving
one more MW of headroom would bring (0 for a limit that does not bind). Fixing only the site
choices keeps the duals informative: with module counts fixed too, no capacity could move.

Lead times (`lead_times` table): for each region, or interconnection path, that adds capacity in the
first year its lead time allows (the lead time holds it back), re-solve the full MIP with that lead
time one year shorter. The saving is the plan's objective minus the re-solve's; since both stop at the MIP
gap, the true saving lies in [saving_low_usd, saving_high_usd] (from the objectives and bounds).

Probes (`probes` table, on request): re-solve the MIP with a region forced out (open = 0) or in
(open = 1 with at least one module, or 1 MW, in the last year); `change_usd` is the added cost.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace

import pandas as pd
import pyomo.environ as pyo

from formulations import build_model
from formulations.lead_times import first_build_year
from optimizer.highs import difference_range
from optimizer.inputs.scenario import Scenario
from optimizer.pipeline.deterministic import SOLUTION_STATUSES, SolveResult, classify, penalty_of, run_highs
from optimizer.pipeline.matrix import ModelMatrix
from optimizer.pipeline.warm_start import start_columns

BIND_TOLERANCE_MW = 1e-6


def explain_limits(scenario: Scenario, result: SolveResult) -> dict[str, pd.DataFrame]:
    """The `limits` and `lead_times` tables for a solved plan."""
    return {"limits": power_limit_values(scenario, result), "lead_times": lead_time_values(scenario, result)}


def opened_regions(result: SolveResult) -> set[str]:
    """Regions the plan uses: capacity never falls, so the last year shows every one."""
    last = result.capacity[result.capacity["year"] == result.capacity["year"].max()]
    return set(last.loc[last["capacity_mw"] > 0, "region_id"])


def power_limit_values(scenario: Scenario, result: SolveResult) -> pd.DataFrame:
    """Every zone and pool limit: firm grid MW the plan holds, whether it binds, and its marginal value."""
    columns = ["level", "limit_id", "year", "limit_mw", "used_mw", "binding", "marginal_value_usd_per_mw"]
    held = result.table("power_limits")
    if held.empty:
        return pd.DataFrame(columns=columns)
    model = build_model(scenario, tightened=False)  # row duals: no added rows to share them
    opened = opened_regions(result)
    for r in model.REGIONS:
        model.open[r].fix(int(r in opened))
    matrix = ModelMatrix(model)
    settings = scenario.config.solver
    # Relaxed: no integer column may remain, or HiGHS gives no duals.
    outcome = run_highs(matrix, settings, settings.time_limit_s, relaxed=True)
    # The plan is feasible for this LP, so only a time limit can leave it unsolved: values stay blank.
    solved = classify(outcome)[0] == "optimal"
    constraint = {"zone": model.zone_limit, "pool": model.local_limit}
    limits = [c for limits in constraint.values() for c in limits.values()]
    duals = matrix.duals(limits, outcome.row_dual) if solved else {}
    rows = [
        (
            level,
            group,
            t,
            limit,
            used,
            used >= limit - BIND_TOLERANCE_MW,
            _clean(-duals[constraint[level][group, t]]) if solved else None,
        )
        for level, group, t, limit, used in held[["level", "limit_id", "year", "limit_mw", "used_mw"]].itertuples(
            index=False
        )
    ]
    return pd.DataFrame(rows, columns=columns)


def _clean(value: float) -> float:
    """Dual values cleaned of solver round-off (USD per MW)."""
    return 0.0 if abs(value) < 1e-6 else round(value, 4)


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


def lead_time_values(scenario: Scenario, result: SolveResult) -> pd.DataFrame:
    columns = [
        "region_id",
        "path_id",
        "lead_time_years",
        "first_build_year",
        "status",
        "solve_seconds",
        "objective_usd",
        "saving_usd",
        "saving_low_usd",
        "saving_high_usd",
        "spend_saving_usd",
        "penalty_saving_usd",
    ]
    rows = []
    for region, path in held_back(scenario, result):
        shorter = _shortened(scenario, region, path)
        table = (
            scenario.interconnection.set_index(["region_id", "path_id"])
            if path
            else scenario.regions.set_index("region_id")
        )
        lead = float(table.at[(region, path) if path else region, "lead_time_years"])
        status, seconds, objective, bound, penalty = _resolve(build_model(shorter), scenario, result.integer_values)
        change, low, high = _cost_change(result.summary, objective, bound)
        # A shorter lead time only relaxes the model, so the true saving is at least 0.
        saving = (None, None, None) if change is None else (-change, max(0.0, -high), -low)
        split = _split(result.summary, change, penalty)
        rows.append(
            (
                region,
                path,
                lead,
                first_build_year(scenario.config.first_year, lead),
                status,
                seconds,
                objective,
                *saving,
                *(None if part is None else -part for part in split),
            )
        )
    return pd.DataFrame(rows, columns=columns)


def probe(scenario: Scenario, result: SolveResult, region_ids: tuple[str, ...]) -> pd.DataFrame:
    """Cost of forcing each region out of the plan (when the plan uses it) or into it (when not)."""
    opened = opened_regions(result)
    regions = scenario.regions.set_index("region_id")
    rows = []
    for r in region_ids:
        model = build_model(scenario, tightened=False)  # one region fixed: identical regions no longer swap freely
        forced_in = r not in opened
        model.open[r].fix(int(forced_in))
        if forced_in:
            module = regions.at[r, "module_mw"]
            least = min(1.0 if pd.isna(module) else float(module), float(regions.at[r, "max_mw"]))
            model.probe_least_mw = pyo.Constraint(expr=model.capacity_mw[r, model.YEARS.last()] >= least)
        status, seconds, objective, bound, penalty = _resolve(model, scenario)
        change, low, high = _cost_change(result.summary, objective, bound)
        # Forcing only restricts the model, so the true change is at least 0.
        low = low if low is None else max(0.0, low)
        split = _split(result.summary, change, penalty)
        rows.append((r, "in" if forced_in else "out", status, seconds, objective, change, low, high, *split))
    return pd.DataFrame(
        rows,
        columns=[
            "region_id",
            "forced",
            "status",
            "solve_seconds",
            "objective_usd",
            "change_usd",
            "change_low_usd",
            "change_high_usd",
            "spend_change_usd",
            "penalty_change_usd",
        ],
    )


def _resolve(
    model: pyo.ConcreteModel, scenario: Scenario, start: Mapping[str, float] | None = None
) -> tuple[str, float, float | None, float | None, float | None]:
    """Solve a variant of the plan's model; its status, solve seconds, objective, best bound and
    unserved penalty.
    `start` (the plan's integer values) is a MIP start: where the plan stays feasible, as under a
    shorter lead time, HiGHS begins from it, so the variant is never reported worse than the plan."""
    started = time.perf_counter()
    matrix = ModelMatrix(model)
    columns = start_columns(matrix, start)[0] if start else None
    settings = scenario.config.solver
    outcome = run_highs(matrix, settings, settings.time_limit_s, start=columns)
    seconds = round(time.perf_counter() - started, 3)
    status, _ = classify(outcome)
    if status not in SOLUTION_STATUSES:
        return status, seconds, None, outcome.bound, None
    matrix.load(outcome.col_value)
    return status, seconds, outcome.objective, outcome.bound, penalty_of(model)


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
