"""Strengthening: tighter bounds and linking rows that keep the optimum exactly the contract's.

Let reach[r,t] = sum of mw[d,t] over demand centres d that region r may serve, and
roundup_r / floor_r round to whole modules where region r has a module size. Then

    U[r,t] = min( floor_r(max_mw[r]),
                  roundup_r(max over t' <= t of reach[r,t']),
                  floor_r(limit_mw[zone[r],t'])  for every zone-limit row with t' >= t )
    capacity_mw[r,t] <= U[r,t] * open[r]      (a row; U[r,t] is also the bound of capacity_mw and added_mw)
    open[r] = 0                               where U[r,last] = 0 (the region can never be useful)

Why exact: max_mw and zone limits bind every year (capacity never falls), so U's first and third
terms cut off no feasible plan. For the second, take any plan and lower capacity_mw[r,t] to
min(capacity_mw[r,t], roundup_r(max_{t'<=t} reach[r,t'])): still non-decreasing and whole modules,
it still covers all service from r (at most reach[r,t] in year t), zone limits only get slacker,
and it costs no more, because opex falls and discounted capex sum_t d_t (c_t - c_{t-1}) =
sum_{t<last} c_t (d_t - d_{t+1}) + d_last c_last is non-decreasing in every c_t (d_t falls with t).
So some optimal plan satisfies every row. The rows replace the weak link `capacity_mw[r,last] <=
max_mw[r] * open[r]` in the LP relaxation by one per year scaled to what the region could serve then,
which is what lets HiGHS prove gaps on thousands of sites.
All three are in IT MW: max_mw and zone limits are grid MW, divided by pue[r] (service draws IT
capacity one for one, `serve_within_capacity`). The zone term applies only to regions without
interconnection paths (with paths, a zone limit counts firm path MW, not capacity). The reach term
is left out for regions whose contracted MW follow capacity under a minimum-take tariff (no paths):
lowering early capacity moves contract MW to later years, which can lengthen a contract term.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pyomo.environ as pyo

from formulations.sites import whole_modules


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    useful = _useful_capacity_mw(model, scenario)
    last = model.YEARS.last()
    for (r, t), bound in useful.items():
        model.capacity_mw[r, t].setub(bound)
        model.added_mw[r, t].setub(bound)
        if t == last and bound == 0:
            model.open[r].fix(0)
    model.CAPACITY_LINKS = pyo.Set(initialize=[rt for rt, bound in useful.items() if bound > 0], dimen=2, ordered=True)
    model.capacity_needs_open = pyo.Constraint(
        model.CAPACITY_LINKS, rule=lambda m, r, t: m.capacity_mw[r, t] <= useful[r, t] * m.open[r]
    )


def _useful_capacity_mw(model: pyo.ConcreteModel, scenario) -> dict[tuple[str, int], float]:
    """U[r,t] of the module docstring, for every region and year."""
    regions = scenario.regions.set_index("region_id")
    module = regions["module_mw"].to_dict()
    zone = regions["zone_id"].to_dict()
    pue = regions["pue"].to_dict()
    with_paths = set() if scenario.interconnection is None else set(scenario.interconnection["region_id"])
    contract_bound = _minimum_take_regions(scenario) - with_paths
    mw = {(d, t): v for d, t, v in scenario.demand_mw[["demand_id", "year", "mw"]].itertuples(index=False)}
    reach = defaultdict(float)
    for d, r, t in model.SERVICE_ARCS:
        reach[r, t] += mw[d, t]
    zone_cap = _later_zone_limits(scenario, list(model.YEARS))

    useful = {}
    for r in model.REGIONS:
        step = module[r] if module[r] == module[r] else None  # NaN = continuous
        site = _floor(regions.at[r, "max_mw"] / pue[r], step)
        needed = math.inf if r in contract_bound else 0.0
        for t in model.YEARS:
            needed = max(needed, reach[r, t])
            limit = math.inf if r in with_paths else zone_cap.get((zone[r], t), math.inf) / pue[r]
            useful[r, t] = min(site, _roundup(needed, step), _floor(limit, step))
    return useful


def _minimum_take_regions(scenario) -> set[str]:
    tariffs = scenario.tariffs
    if tariffs is None:
        return set()
    return set(tariffs.loc[(tariffs["min_take_share"] > 0) & (tariffs["contract_years"] > 0), "region_id"])


def _later_zone_limits(scenario, years: list[int]) -> dict[tuple[str, int], float]:
    """For each zone and year, the smallest limit_mw of that year or any later one."""
    if scenario.zone_limits is None:
        return {}
    limit = {(z, t): v for z, t, v in scenario.zone_limits[["zone_id", "year", "limit_mw"]].itertuples(index=False)}
    tightest = {}
    for z in {z for z, _ in limit}:
        running = math.inf
        for t in reversed(years):
            running = min(running, limit.get((z, t), math.inf))
            tightest[z, t] = running
    return tightest


def _floor(mw: float, step: float | None) -> float:
    return mw if step is None or math.isinf(mw) else whole_modules(mw, step) * step


def _roundup(mw: float, step: float | None) -> float:
    return mw if step is None or math.isinf(mw) else math.ceil(mw / step - 1e-9) * step
