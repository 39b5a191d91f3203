"""Sites and builds: where IT capacity can go, how it accumulates, and the grid power it needs.

    added_mw[r,t] = capacity_mw[r,t] - capacity_mw[r,t-1] >= 0          (capacity_mw[r,first-1] = 0; IT MW)
    pue[r] * capacity_mw[r,last] <= max_mw[r] * open[r]               (grid MW; capacity never falls, so the last year suffices)
    added_mw[r,t] = module_mw[r] * modules_added[r,t], modules_added integer   (regions with a module size)
    Costs: fixed_cost_usd[r] * open[r] once (undiscounted); per year t, capex_usd_per_mw[r] * added_mw[r,t]
    and opex_usd_per_mw_year[r] * capacity_mw[r,t].
Capacity, builds and modules are a stock (formulations/stock.py), like each interconnection path's MW;
added_mw is an expression of capacity_mw there.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from formulations.objective import add_cost, scaled
from formulations.stock import Stock, add_stock, added, stock_table

SITE_STOCK = Stock("capacity_mw", "modules_added", "MODULAR_REGIONS", "capacity_grows")


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    regions = scenario.regions.set_index("region_id")
    years = scenario.config.years
    it_max = (regions["max_mw"] / regions["pue"]).to_dict()  # IT MW that max_mw of grid power allows
    model.pue = regions["pue"].to_dict()

    model.REGIONS = pyo.Set(initialize=list(regions.index), ordered=True)
    model.YEARS = pyo.Set(initialize=years, ordered=True)
    model.open = pyo.Var(model.REGIONS, within=pyo.Binary)
    add_stock(model, SITE_STOCK, model.REGIONS, it_max, regions["module_mw"].dropna().to_dict())

    first, last = years[0], years[-1]
    max_mw = regions["max_mw"].to_dict()
    model.site_limit = pyo.Constraint(
        model.REGIONS, rule=lambda m, r: m.pue[r] * m.capacity_mw[r, last] <= max_mw[r] * m.open[r]
    )

    costs = regions[["fixed_cost_usd", "capex_usd_per_mw", "opex_usd_per_mw_year"]].itertuples()
    for r, fixed, capex, opex in costs:
        if fixed:
            add_cost(model, "fixed", r, first, fixed * model.open[r], discounted=False)
        for t in years:
            if capex:
                add_cost(model, "capex", r, t, scaled(capex, added(model, SITE_STOCK, (r, t))))
            if opex:
                add_cost(model, "opex", r, t, opex * model.capacity_mw[r, t])


RESULT_TABLES = ("capacity",)  # the tables result_tables returns


def result_tables(model: pyo.ConcreteModel, scenario) -> dict[str, pd.DataFrame]:
    """capacity.csv: IT MW added and in service per region and year; grid MW too where a PUE is set."""
    capacity = stock_table(model, SITE_STOCK, ["region_id"])
    if (scenario.regions["pue"] != 1).any():
        capacity["grid_mw"] = (capacity["capacity_mw"] * capacity["region_id"].map(model.pue)).round(6)
    return {"capacity": capacity}
