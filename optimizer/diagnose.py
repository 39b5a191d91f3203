"""Say why a scenario has no solution, in planner's terms, by simple capacity bounds.

For each year and demand centre, the most the allowed regions could hold is bounded by max_mw
(rounded down to whole modules), lead times, and zone limits in that year and every later one
(capacity never falls). Demand above that bound is reported as the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from formulations.lead_times import first_build_year
from optimizer.scenario import Scenario


def explain_infeasibility(scenario: Scenario) -> str:
    regions = scenario.regions.set_index("region_id")
    reachable = _reachable_mw(regions)
    pairs = _allowed_regions(scenario)
    demand = scenario.demand[scenario.demand["mw"] > 0].sort_values(["year", "demand_id"])
    first_year = scenario.config.first_year
    for t, in_year in demand.groupby("year"):
        open_by_t = {
            r for r in regions.index if first_build_year(first_year, regions.at[r, "lead_time_years"]) <= t
        }
        for d, need in zip(in_year["demand_id"], in_year["mw"]):
            most = _most_mw(scenario, regions, reachable, open_by_t & pairs[d], t)
            if need > most + 1e-6:
                return (
                    f"demand '{d}' needs {need:,.0f} MW in {t}, but the regions allowed to serve it can hold at most "
                    f"{most:,.0f} MW by then (max_mw, modules, lead times and zone limits). Add regions, shorten lead "
                    "times, raise limits, or set unserved_penalty_usd_per_mw_year to see the shortfall."
                )
        every = set().union(*(pairs[d] for d in in_year["demand_id"])) & open_by_t
        total, most = in_year["mw"].sum(), _most_mw(scenario, regions, reachable, every, t)
        if total > most + 1e-6:
            return (
                f"all demand centres together need {total:,.0f} MW in {t}, but the candidate regions can hold at most "
                f"{most:,.0f} MW by then. Add regions, shorten lead times, raise limits, or set "
                "unserved_penalty_usd_per_mw_year to see the shortfall."
            )
    return (
        "no single year or demand centre is short on its own; service pairs and shared zone limits conflict in "
        "combination. Set unserved_penalty_usd_per_mw_year to see where demand goes unserved."
    )


def _reachable_mw(regions: pd.DataFrame) -> pd.Series:
    """max_mw rounded down to whole modules where a module size is set."""
    module = regions["module_mw"]
    whole = np.floor(regions["max_mw"] / module + 1e-9) * module
    return whole.where(module.notna(), regions["max_mw"])


def _allowed_regions(scenario: Scenario) -> dict[str, set[str]]:
    demands = scenario.demand["demand_id"].unique()
    if scenario.service_costs is None:
        return {d: set(scenario.regions["region_id"]) for d in demands}
    grouped = scenario.service_costs.groupby("demand_id")["region_id"].apply(set).to_dict()
    return {d: grouped.get(d, set()) for d in demands}


def _most_mw(scenario: Scenario, regions: pd.DataFrame, reachable: pd.Series, chosen: set[str], year: int) -> float:
    if not chosen:
        return 0.0
    by_zone = reachable[sorted(chosen)].groupby(regions.loc[sorted(chosen), "zone_id"]).sum()
    limits = scenario.zone_limits
    if limits is not None:
        # Capacity never falls, so a later, tighter limit caps this year too.
        later = limits[limits["year"] >= year].groupby("zone_id")["limit_mw"].min()
        by_zone = pd.concat([by_zone, later.reindex(by_zone.index)], axis=1).min(axis=1)
    return float(by_zone.sum())
