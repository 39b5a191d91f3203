"""Cooling water: what each region's cooling draws, priced, and limited by basin or by region.

    water_megalitres[r,t] = wue_l_per_kwh[r] * mwh_per_mw_year * served_it_mw[r,t] / 1000     (L/kWh of IT energy)
    cost   water_cost_usd_per_megalitre[r] * water_megalitres[r,t]  ("water")
    limit  sum over regions r of basin b (or region r alone) of water_megalitres[r,t] <= limit_megalitres[b,t]
wue_l_per_kwh is the site's water usage effectiveness, set by its cooling technology (evaporative cooling draws
litres per kWh, closed-loop or dry cooling almost none); a choice of cooling is a choice between candidate sites.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from formulations.interconnection import mwh_per_mw_year
from formulations.objective import add_cost, scaled
from formulations.values import solved

# Investment decisions among the Pyomo variables (none: expressions and rows only); docs/formulation.md
INVESTMENTS: tuple[str, ...] = ()
MEGALITRES_PER_MWH_AT_ONE_L_PER_KWH = 1e-3  # 1 MWh = 1000 kWh; at 1 L/kWh that is 1000 L


def applies(scenario) -> bool:
    """Water exists only where some region draws it or a limit is set."""
    return bool(scenario.regions["wue_l_per_kwh"].any()) or scenario.water_limits is not None


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    if not applies(scenario):
        return
    regions = scenario.regions.set_index("region_id")
    megalitres_per_mw = (
        regions["wue_l_per_kwh"] * mwh_per_mw_year(scenario) * MEGALITRES_PER_MWH_AT_ONE_L_PER_KWH
    ).to_dict()
    model.water_megalitres = pyo.Expression(
        model.REGIONS, model.YEARS, rule=lambda m, r, t: megalitres_per_mw[r] * m.served_it_mw[r, t]
    )
    for r, usd in regions["water_cost_usd_per_megalitre"].items():
        if usd and megalitres_per_mw[r]:
            for t in model.YEARS:
                add_cost(model, "water", r, t, scaled(usd, model.water_megalitres[r, t]))
    limits = _limits(scenario)
    model.WATER_LIMITS = pyo.Set(initialize=list(limits), dimen=3, ordered=True)
    model.water_limit = pyo.Constraint(
        model.WATER_LIMITS,
        rule=lambda m, level, limit_id, t: _within(m, limits[level, limit_id, t], megalitres_per_mw, t),
    )


def _limits(scenario) -> dict[tuple[str, str, int], tuple[list[str], float]]:
    """("basin" or "region", its id, year) -> (regions it covers, limit in megalitres)."""
    table = scenario.water_limits
    if table is None:
        return {}
    basins = scenario.regions.dropna(subset=["basin_id"]).groupby("basin_id")["region_id"].apply(list).to_dict()
    limits = {}
    for basin, region, t, megalitres in table[["basin_id", "region_id", "year", "limit_megalitres"]].itertuples(
        index=False
    ):
        if pd.isna(basin):
            limits["region", region, t] = [region], megalitres
        else:
            limits["basin", basin, t] = basins[basin], megalitres
    return limits


def _within(model: pyo.ConcreteModel, limit: tuple[list[str], float], megalitres_per_mw: dict, year: int):
    members, megalitres = limit
    drawing = [r for r in members if megalitres_per_mw[r]]
    if not drawing:
        return pyo.Constraint.Skip  # no member draws water: the limit (>= 0) always holds
    return sum(model.water_megalitres[r, year] for r in drawing) <= megalitres


RESULT_TABLES = ("water",)  # the tables result_tables returns


def result_tables(model: pyo.ConcreteModel, scenario) -> dict[str, pd.DataFrame]:
    """water.csv: megalitres each region draws per year, with its basin, when water is modelled."""
    if not applies(scenario):
        return {}
    basin = scenario.regions.set_index("region_id")["basin_id"]
    rows = [(r, basin[r], t, solved(model.water_megalitres[r, t])) for r in model.REGIONS for t in model.YEARS]
    return {"water": pd.DataFrame(rows, columns=["region_id", "basin_id", "year", "water_megalitres"])}
