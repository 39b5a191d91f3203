"""Sites and builds: where capacity can go and how it accumulates.

    capacity_mw[r,t] = capacity_mw[r,t-1] + added_mw[r,t]             (capacity_mw[r,first-1] = 0)
    capacity_mw[r,last] <= max_mw[r] * open[r]                        (capacity never falls, so the last year suffices)
    added_mw[r,t] = module_mw[r] * modules_added[r,t], modules_added integer   (regions with a module size)
    Costs: fixed_cost_usd[r] * open[r] once (undiscounted); per year t, capex_usd_per_mw[r] * added_mw[r,t]
    and opex_usd_per_mw_year[r] * capacity_mw[r,t].
"""

from __future__ import annotations

import math

import pyomo.environ as pyo


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    regions = scenario.regions.set_index("region_id")
    years = scenario.config.years
    max_mw = regions["max_mw"].to_dict()

    model.REGIONS = pyo.Set(initialize=list(regions.index), ordered=True)
    model.YEARS = pyo.Set(initialize=years, ordered=True)
    model.open = pyo.Var(model.REGIONS, within=pyo.Binary)
    model.added_mw = pyo.Var(model.REGIONS, model.YEARS, bounds=lambda m, r, t: (0, max_mw[r]))
    model.capacity_mw = pyo.Var(model.REGIONS, model.YEARS, bounds=lambda m, r, t: (0, max_mw[r]))

    first, last = years[0], years[-1]

    def accumulate(m, r, t):
        before = m.capacity_mw[r, t - 1] if t > first else 0
        return m.capacity_mw[r, t] == before + m.added_mw[r, t]

    model.capacity_accumulates = pyo.Constraint(model.REGIONS, model.YEARS, rule=accumulate)
    model.site_limit = pyo.Constraint(
        model.REGIONS, rule=lambda m, r: m.capacity_mw[r, last] <= max_mw[r] * m.open[r]
    )

    module_mw = regions["module_mw"].dropna().to_dict()
    model.MODULAR_REGIONS = pyo.Set(initialize=list(module_mw), ordered=True)
    model.modules_added = pyo.Var(
        model.MODULAR_REGIONS,
        model.YEARS,
        within=pyo.NonNegativeIntegers,
        bounds=lambda m, r, t: (0, math.floor(max_mw[r] / module_mw[r] + 1e-9)),
    )
    model.added_in_modules = pyo.Constraint(
        model.MODULAR_REGIONS,
        model.YEARS,
        rule=lambda m, r, t: m.added_mw[r, t] == module_mw[r] * m.modules_added[r, t],
    )

    fixed = regions["fixed_cost_usd"].to_dict()
    capex = regions["capex_usd_per_mw"].to_dict()
    opex = regions["opex_usd_per_mw_year"].to_dict()
    model.one_off_costs["fixed"] = sum(fixed[r] * model.open[r] for r in model.REGIONS if fixed[r])
    model.yearly_costs["capex"] = lambda t: sum(capex[r] * model.added_mw[r, t] for r in model.REGIONS if capex[r])
    model.yearly_costs["opex"] = lambda t: sum(opex[r] * model.capacity_mw[r, t] for r in model.REGIONS if opex[r])
