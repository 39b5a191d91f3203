"""Sites and builds: where IT capacity can go, how it accumulates, and the grid power it needs.

    capacity_mw[r,t] = capacity_mw[r,t-1] + added_mw[r,t]             (capacity_mw[r,first-1] = 0; IT MW)
    pue[r] * capacity_mw[r,last] <= max_mw[r] * open[r]               (grid MW; capacity never falls, so the last year suffices)
    added_mw[r,t] = module_mw[r] * modules_added[r,t], modules_added integer   (regions with a module size)
    Costs: fixed_cost_usd[r] * open[r] once (undiscounted); per year t, capex_usd_per_mw[r] * added_mw[r,t]
    and opex_usd_per_mw_year[r] * capacity_mw[r,t].
"""

from __future__ import annotations

import math

import pandas as pd
import pyomo.environ as pyo

from formulations.objective import add_cost
from formulations.values import solved


def whole_modules(mw: float, module_mw: float) -> int:
    """How many whole modules fit in `mw` (tolerant of round-off, e.g. 300 / 100)."""
    return math.floor(mw / module_mw + 1e-9)


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    regions = scenario.regions.set_index("region_id")
    years = scenario.config.years
    it_max = (regions["max_mw"] / regions["pue"]).to_dict()  # IT MW that max_mw of grid power allows
    model.pue = regions["pue"].to_dict()

    model.REGIONS = pyo.Set(initialize=list(regions.index), ordered=True)
    model.YEARS = pyo.Set(initialize=years, ordered=True)
    model.open = pyo.Var(model.REGIONS, within=pyo.Binary)
    model.added_mw = pyo.Var(model.REGIONS, model.YEARS, bounds=lambda m, r, t: (0, it_max[r]))
    model.capacity_mw = pyo.Var(model.REGIONS, model.YEARS, bounds=lambda m, r, t: (0, it_max[r]))

    first, last = years[0], years[-1]

    def accumulate(m, r, t):
        before = m.capacity_mw[r, t - 1] if t > first else 0
        return m.capacity_mw[r, t] == before + m.added_mw[r, t]

    model.capacity_accumulates = pyo.Constraint(model.REGIONS, model.YEARS, rule=accumulate)
    max_mw = regions["max_mw"].to_dict()
    model.site_limit = pyo.Constraint(
        model.REGIONS, rule=lambda m, r: m.pue[r] * m.capacity_mw[r, last] <= max_mw[r] * m.open[r]
    )

    module_mw = regions["module_mw"].dropna().to_dict()
    model.MODULAR_REGIONS = pyo.Set(initialize=list(module_mw), ordered=True)
    model.modules_added = pyo.Var(
        model.MODULAR_REGIONS,
        model.YEARS,
        within=pyo.NonNegativeIntegers,
        bounds=lambda m, r, t: (0, whole_modules(it_max[r], module_mw[r])),
    )
    model.added_in_modules = pyo.Constraint(
        model.MODULAR_REGIONS,
        model.YEARS,
        rule=lambda m, r, t: m.added_mw[r, t] == module_mw[r] * m.modules_added[r, t],
    )

    costs = regions[["fixed_cost_usd", "capex_usd_per_mw", "opex_usd_per_mw_year"]].itertuples()
    for r, fixed, capex, opex in costs:
        if fixed:
            add_cost(model, "fixed", r, first, fixed * model.open[r], discounted=False)
        for t in years:
            if capex:
                add_cost(model, "capex", r, t, capex * model.added_mw[r, t])
            if opex:
                add_cost(model, "opex", r, t, opex * model.capacity_mw[r, t])


def result_tables(model: pyo.ConcreteModel, scenario) -> dict[str, pd.DataFrame]:
    """capacity.csv: IT MW added and in service per region and year; grid MW too where a PUE is set."""
    rows = [(r, t, solved(model.added_mw[r, t]), solved(model.capacity_mw[r, t])) for r in model.REGIONS for t in model.YEARS]
    capacity = pd.DataFrame(rows, columns=["region_id", "year", "added_mw", "capacity_mw"])
    if (scenario.regions["pue"] != 1).any():
        capacity["grid_mw"] = (capacity["capacity_mw"] * capacity["region_id"].map(model.pue)).round(6)
    return {"capacity": capacity}
