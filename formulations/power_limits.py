"""Power limits at two levels: new load a grid zone, and a local pool (a utility or substation
shared by several regions), can absorb by each year, counted in firm grid MW.

    sum over regions r in zone z of headroom_mw[r,t] <= limit_mw[z,t]     for each row of zone_limits.csv
    sum over regions r in pool q of headroom_mw[r,t] <= limit_mw[q,t]     for each row of local_limits.csv
headroom_mw is pue * capacity_mw, or with interconnection paths the firm share of connected path MW.
A zone-year or pool-year without a row is unlimited.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from formulations.values import solved

# Investment decisions among the Pyomo variables (none: rows only); docs/formulation.md
INVESTMENTS: tuple[str, ...] = ()


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    regions = scenario.regions
    model.ZONE_YEARS, model.zone_limit = _limits(model, scenario.zone_limits, "zone_id", regions)
    model.POOL_YEARS, model.local_limit = _limits(model, scenario.local_limits, "pool_id", regions)


def _limits(model: pyo.ConcreteModel, table: pd.DataFrame | None, key: str, regions: pd.DataFrame):
    rows = [] if table is None else table[[key, "year", "limit_mw"]].itertuples(index=False)
    limit_mw = {(group, t): mw for group, t, mw in rows}
    members = regions.dropna(subset=[key]).groupby(key)["region_id"].apply(list).to_dict()
    index = pyo.Set(initialize=list(limit_mw), dimen=2, ordered=True)
    constraint = pyo.Constraint(
        index, rule=lambda m, group, t: sum(m.headroom_mw[r, t] for r in members[group]) <= limit_mw[group, t]
    )
    return index, constraint


RESULT_TABLES = ("power_limits",)  # the tables result_tables returns


def result_tables(model: pyo.ConcreteModel, scenario) -> dict[str, pd.DataFrame]:
    """power_limits.csv: every zone and pool limit with the firm grid MW the plan holds against it."""
    rows = [
        (level, group, t, pyo.value(constraint.upper), solved(constraint.body))
        for level, limits in (("zone", model.zone_limit), ("pool", model.local_limit))
        for (group, t), constraint in limits.items()
    ]
    if not rows:
        return {}
    return {"power_limits": pd.DataFrame(rows, columns=["level", "limit_id", "year", "limit_mw", "used_mw"])}
