"""Zone power limits: new load a grid zone can absorb by each year.

    sum over regions r in zone z of capacity_mw[r,t] <= limit_mw[z,t]   for each row of zone_limits.csv
A zone-year without a row is unlimited.
"""

from __future__ import annotations

import pyomo.environ as pyo


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    limits = scenario.zone_limits
    rows = [] if limits is None else list(limits[["zone_id", "year", "limit_mw"]].itertuples(index=False))
    members = scenario.regions.groupby("zone_id")["region_id"].apply(list).to_dict()
    limit_mw = {(z, t): mw for z, t, mw in rows}

    model.ZONE_YEARS = pyo.Set(initialize=list(limit_mw), dimen=2, ordered=True)
    model.zone_limit = pyo.Constraint(
        model.ZONE_YEARS,
        rule=lambda m, z, t: sum(m.capacity_mw[r, t] for r in members[z]) <= limit_mw[z, t],
    )
