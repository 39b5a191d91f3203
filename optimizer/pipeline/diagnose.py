"""Say why a scenario has no solution, in planner's terms, by simple capacity bounds.

For each year and demand centre, the most IT MW the allowed regions could hold is bounded by
max_mw (rounded down to whole modules), lead times, interconnection paths available by then,
PUE, and zone limits in that year and every later one (capacity never falls; zones whose headroom
can fall are left uncapped). Demand above that bound is reported as the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from formulations.interconnection import firm_shares, releasable
from formulations.lead_times import first_build_year
from optimizer.inputs.scenario import Scenario

ADVICE = "Add regions, shorten lead times, raise limits, or set unserved_penalty_usd_per_mw_year to see the shortfall."


def explain_infeasibility(scenario: Scenario) -> str:
    pairs = _allowed_regions(scenario)
    demand = scenario.demand_mw[scenario.demand_mw["mw"] > 0].sort_values(["year", "demand_id"])
    for t, in_year in demand.groupby("year"):
        bound = _it_bound(scenario, t)
        for d, need in zip(in_year["demand_id"], in_year["mw"]):
            most = _zone_capped(scenario, bound[bound.index.isin(pairs[d])], t)
            if need > most + 1e-6:
                return (
                    f"demand '{d}' needs {need:,.0f} MW in {t}, but the regions allowed to serve it can hold at most "
                    f"{most:,.0f} MW by then (max_mw, modules, lead times, interconnection paths and zone limits). {ADVICE}"
                )
        every = set().union(*(pairs[d] for d in in_year["demand_id"]))
        total, most = in_year["mw"].sum(), _zone_capped(scenario, bound[bound.index.isin(every)], t)
        if total > most + 1e-6:
            return f"all demand centres together need {total:,.0f} MW in {t}, but the candidate regions can hold at most {most:,.0f} MW by then. {ADVICE}"
    return (
        "no single year or demand centre is short on its own; service pairs, shared zone or local (pool) limits, "
        "interconnection paths or the carbon cap conflict in combination. Set unserved_penalty_usd_per_mw_year "
        "to see where demand goes unserved."
    )


def _whole_modules(mw: pd.Series, module: pd.Series) -> pd.Series:
    """mw rounded down to whole modules where a module size is set."""
    return (np.floor(mw / module + 1e-9) * module).where(module.notna(), mw)


def _it_bound(scenario: Scenario, year: int) -> pd.Series:
    """Most IT MW each region could hold in `year`."""
    regions = scenario.regions.set_index("region_id")
    first = scenario.config.first_year
    opened = regions["lead_time_years"].map(lambda lead: first_build_year(first, lead) <= year)
    grid_mw = regions["max_mw"].where(opened, 0.0)
    paths = scenario.interconnection
    if paths is not None:
        ready = paths["lead_time_years"].map(lambda lead: first_build_year(first, lead) <= year)
        power = _whole_modules(paths["max_mw"], paths["module_mw"]).where(ready, 0.0).groupby(paths["region_id"]).sum()
        grid_mw = grid_mw.where(~grid_mw.index.isin(power.index), np.minimum(grid_mw, power.reindex(grid_mw.index)))
    return _whole_modules(grid_mw / regions["pue"], regions["module_mw"])


def _zone_capped(scenario: Scenario, bound: pd.Series, year: int) -> float:
    """Sum of region bounds, each zone capped by its tightest limit from `year` on (in IT MW at the zone's
    lowest PUE). Zones with paths that count less than fully against headroom, or whose MW can be
    released (headroom may then fall), are left uncapped."""
    regions = scenario.regions.set_index("region_id").loc[bound.index]
    by_zone = bound.groupby(regions["zone_id"]).sum()
    limits = scenario.zone_limits
    if limits is None or by_zone.empty:
        return float(by_zone.sum())
    later = limits[limits["year"] >= year].groupby("zone_id")["limit_mw"].min()
    cap = (later / regions.groupby("zone_id")["pue"].min()).reindex(by_zone.index)
    paths = scenario.interconnection
    if paths is not None:
        partial = paths.loc[(firm_shares(paths) < 1) | releasable(paths), "region_id"]
        cap[cap.index.isin(scenario.regions.loc[scenario.regions["region_id"].isin(partial), "zone_id"])] = np.nan
    return float(pd.concat([by_zone, cap], axis=1).min(axis=1).sum())


def _allowed_regions(scenario: Scenario) -> dict[str, set[str]]:
    demands = scenario.demand["demand_id"].unique()
    if scenario.service_costs is None:
        return {d: set(scenario.regions["region_id"]) for d in demands}
    grouped = scenario.service_costs.groupby("demand_id")["region_id"].apply(set).to_dict()
    return {d: grouped.get(d, set()) for d in demands}
