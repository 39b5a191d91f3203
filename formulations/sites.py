"""Sites and builds: where IT capacity can go, how it accumulates, and the grid power it needs.

    added_mw[r,t] = capacity_mw[r,t] - capacity_mw[r,t-1] >= 0          (capacity_mw[r,first-1] = 0; IT MW)
    capacity_mw[r,last] <= U[r] * open[r]     (U[r]: capacity_mw's bound, max_mw[r] / pue[r] in whole modules; the last year suffices)
    added_mw[r,t] = module_mw[r] * modules_added[r,t], modules_added integer   (regions with a module size)
    sum_t opening[r,t] = open[r];   capacity_mw[r,t] <= U[r] * sum over u <= t of opening[r,u]
    capacity_mw[r,t] >= module_mw[r] * opening[r,t]   (modular regions: a region opens with a module)
    Costs: fixed_cost_usd[r] * opening[r,t] in the year r opens; per year t, capex_usd_per_mw[r] * added_mw[r,t]
    and opex_usd_per_mw_year[r] * capacity_mw[r,t]. With salvage: straight_line, in the last year L the credit
    -capex_usd_per_mw[r] * added_mw[r,t] * max(0, t + life[r] - 1 - L) / life[r] (life left after the horizon).
opening[r,t] (binary: r first holds capacity in year t) exists only where it prices something: regions with a
fixed cost and more than one year they could open in; with one such year, open[r] is the opening.
The last row keeps every plan's fixed cost in its first year with capacity (opening earlier only costs
more, so no optimum is cut off; within a gap a plan could otherwise open a year before it builds).
A MIP start's search (`lp_rounded`): with the LP relaxation's open*[r] and capacity*[r,t], open[r] = 0 where
open*[r] = 0, open[r] = 1 where open*[r] = 1, and r opens only in its first year with capacity*[r,t] > 0.
Capacity, builds and modules are a stock (formulations/stock.py), like each interconnection path's MW;
added_mw is the difference of two capacity_mw there. Capex and opex are an array block of costs on
capacity_mw (formulations/arrays.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from formulations.arrays import ArrayBlock, Prices, rows_only
from formulations.objective import add_cost
from formulations.stock import Stock, add_stock, additions, first_build_year, stock_table

SITE_STOCK = Stock("capacity_mw", "modules_added", "MODULAR_REGIONS", "capacity_grows")
# Investment decisions among the Pyomo variables (sites opened, when, and IT MW built; the module
# counts follow from the MW); docs/formulation.md
INVESTMENTS: tuple[str, ...] = ("open", "opening", SITE_STOCK.level)


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    regions = scenario.regions.set_index("region_id")
    years = scenario.config.years
    it_max = (regions["max_mw"] / regions["pue"]).to_dict()  # IT MW that max_mw of grid power allows
    model.pue = regions["pue"].to_dict()

    model.REGIONS = pyo.Set(initialize=list(regions.index), ordered=True)
    model.YEARS = pyo.Set(initialize=years, ordered=True)
    model.open = pyo.Var(model.REGIONS, within=pyo.Binary)
    add_stock(model, SITE_STOCK, model.REGIONS, it_max, regions["module_mw"].dropna().to_dict())

    last = years[-1]
    model.site_limit = pyo.Constraint(
        model.REGIONS, rule=lambda m, r: m.capacity_mw[r, last] <= m.capacity_mw[r, last].ub * m.open[r]
    )
    _fixed_costs(model, regions, years)
    model.array_blocks["site_costs"] = _yearly_costs(model, regions, scenario.config.salvage)


ROUND_OFF = 1e-6  # an LP value this close to 0 or 1 counts as 0 or 1


def all_sites_fixed(model: pyo.ConcreteModel) -> bool:
    """Whether every site choice open[r] is fixed (e.g. a plan carried out): no site left to search."""
    return all(var.fixed for var in model.open.values())


def lp_rounded(
    model: pyo.ConcreteModel, lp_value: Callable[[list[pyo.Var]], np.ndarray]
) -> list[tuple[pyo.Var, float, float]]:
    """(variable, lower, upper) bounds that keep the sites to the LP relaxation's choices (the module
    docstring's MIP start search); `lp_value` gives the relaxation's value of each variable in a list.
    Measured on bench/generate.py instances: the regions the optimum opens are among those the LP
    opens at all, and most open in the LP's first year with capacity (docs/solving.md); letting them
    open later too made the restricted MIP slower (200 x 10 x 20, seed 2: 48 s against 10 s, the
    former with another job running)."""
    regions = [r for r in model.REGIONS if not model.open[r].fixed]
    years = list(model.YEARS)
    shares = lp_value([model.open[r] for r in regions])
    capacity = lp_value([model.capacity_mw[r, t] for r in regions for t in years]).reshape(len(regions), len(years))
    bounds = []
    for r, share, mw in zip(regions, shares, capacity):
        if share <= ROUND_OFF:
            bounds.append((model.open[r], 0.0, 0.0))  # the site limit then holds its capacity at 0
            continue
        if share >= 1 - ROUND_OFF:
            bounds.append((model.open[r], 1.0, 1.0))
        built = np.flatnonzero(mw > ROUND_OFF)
        if len(built):
            first = years[built[0]]
            bounds += [(model.opening[r, t], 0.0, 0.0) for t in years if t != first and (r, t) in model.opening]
    return bounds


def _fixed_costs(model: pyo.ConcreteModel, regions: pd.DataFrame, years: list[int]) -> None:
    """fixed_cost_usd in the year a region opens: the years it could open in are those from its first build
    year on; with several, binaries opening[r,t] pick the year, and a modular region opens with a module
    (rows: an array block on the Pyomo variables)."""
    could_open = {}
    for r, row in regions[regions["fixed_cost_usd"] > 0].iterrows():
        opens = first_build_year(years[0], row["lead_time_years"])
        could_open[r] = [t for t in years if t >= opens]
    several = [(r, t) for r, in_years in could_open.items() if len(in_years) > 1 for t in in_years]
    module_mw = regions["module_mw"].dropna().to_dict()
    model.opening = pyo.Var(several, within=pyo.Binary)
    lower, upper, coupling = [], [], []
    for r, in_years in could_open.items():
        fixed = regions.at[r, "fixed_cost_usd"]
        if len(in_years) == 1:
            add_cost(model, "fixed", r, in_years[0], fixed * model.open[r])
            continue
        row = len(lower)  # sum_t opening[r,t] = open[r]
        coupling += [(row, model.opening[r, t], 1.0) for t in in_years] + [(row, model.open[r], -1.0)]
        lower.append(0.0)
        upper.append(0.0)
        for i, t in enumerate(in_years[:-1]):  # capacity only once opened (the site limit covers the last year)
            row = len(lower)
            coupling.append((row, model.capacity_mw[r, t], 1.0))
            coupling += [(row, model.opening[r, u], -model.capacity_mw[r, t].ub) for u in in_years[: i + 1]]
            lower.append(-math.inf)
            upper.append(0.0)
        for t in in_years:
            add_cost(model, "fixed", r, t, fixed * model.opening[r, t])
            if r in module_mw:  # it opens with a module: capacity_mw - module_mw * opening >= 0
                row = len(lower)
                coupling += [(row, model.capacity_mw[r, t], 1.0), (row, model.opening[r, t], -module_mw[r])]
                lower.append(0.0)
                upper.append(math.inf)
    model.array_blocks["site_opening"] = rows_only(lower, upper, coupling)


def _yearly_costs(model: pyo.ConcreteModel, regions: pd.DataFrame, salvage: str) -> ArrayBlock:
    """capex on MW added, opex on MW in service and any salvage credit, per region and year, as costs on
    capacity_mw (an array block: as Pyomo cost terms they took about a fifth of build and hand-off at 1,000 sites)."""
    capex, opex = (regions[column].to_dict() for column in ("capex_usd_per_mw", "opex_usd_per_mw_year"))
    life = regions["asset_life_years"].to_dict()
    last = model.YEARS.last()
    prices = Prices()
    for (r, t), terms in additions(model, model.capacity_mw):
        if capex[r]:
            left = salvage_share(t, last, life[r]) if salvage == "straight_line" else 0.0
            for var, coef in terms:
                prices.add(var, capex[r] * coef, "capex", r, t)
                if left:
                    prices.add(var, -capex[r] * left * coef, "salvage", r, last)
        if opex[r]:
            prices.add(terms[0][0], opex[r], "opex", r, t)
    return prices.block()


def salvage_share(year: int, last_year: int, life_years: float) -> float:
    """Straight-line share of an asset built in `year` whose service life is left after `last_year`."""
    return max(0.0, year + life_years - 1 - last_year) / life_years


RESULT_TABLES = ("capacity",)  # the tables result_tables returns


def result_tables(model: pyo.ConcreteModel, scenario) -> dict[str, pd.DataFrame]:
    """capacity.csv: IT MW added and in service per region and year; grid MW too where a PUE is set."""
    capacity = stock_table(model, SITE_STOCK, ["region_id"])
    if (scenario.regions["pue"] != 1).any():
        capacity["grid_mw"] = (capacity["capacity_mw"] * capacity["region_id"].map(model.pue)).round(6)
    return {"capacity": capacity}
