"""Carbon: emissions of the energy each region draws, priced or capped.

emissions_t[r,t] = mwh_per_mw_year * sum over draws of delivered_share * MW drawn * rate / 1000
  rate: a path's own emission_kg_per_mwh (e.g. onsite gas), else the region's grid rate (eGRID subregion)
cost  carbon_price_usd_per_t * emissions_t[r,t]  ("carbon");   cap  sum_r emissions_t[r,t] <= carbon_cap_t_per_year
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from formulations.interconnection import mwh_per_mw_year
from formulations.objective import Goal, add_cost, scaled
from formulations.values import solved

# Investment decisions among the Pyomo variables (none: expressions only); docs/formulation.md
INVESTMENTS: tuple[str, ...] = ()


def applies(scenario) -> bool:
    """Emissions exist only where some emission rate is given."""
    paths = scenario.interconnection
    return bool(
        scenario.regions["emission_kg_per_mwh"].any()
        or (paths is not None and paths["emission_kg_per_mwh"].fillna(0).any())
    )


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    if not applies(scenario):
        return
    grid_rate = scenario.regions.set_index("region_id")["emission_kg_per_mwh"].to_dict()
    mwh_per_mw = mwh_per_mw_year(scenario)

    def emissions(m, r, t):
        kg_per_mwh = [
            (grid_rate[r] if draw.emission_kg_per_mwh is None else draw.emission_kg_per_mwh, draw)
            for draw in m.power_draws[r]
        ]
        return sum(rate * mwh_per_mw * draw.delivered_share * draw.mw[t] / 1000 for rate, draw in kg_per_mwh if rate)

    model.emissions_t = pyo.Expression(model.REGIONS, model.YEARS, rule=emissions)
    price, cap = scenario.config.carbon_price_usd_per_t, scenario.config.carbon_cap_t_per_year
    if price:
        for r in model.REGIONS:
            for t in model.YEARS:
                add_cost(model, "carbon", r, t, scaled(price, model.emissions_t[r, t]))
    if cap is not None:
        model.carbon_cap = pyo.Constraint(
            model.YEARS, rule=lambda m, t: sum(m.emissions_t[r, t] for r in m.REGIONS) <= cap
        )


def goals(model: pyo.ConcreteModel, scenario) -> dict[str, Goal]:
    """carbon: tonnes emitted over the horizon (where emission rates are given)."""
    if not applies(scenario):
        return {}
    return {"carbon": Goal("t", pyo.quicksum(model.emissions_t.values()))}


RESULT_TABLES = ("emissions",)  # the tables result_tables returns


def result_tables(model: pyo.ConcreteModel, scenario) -> dict[str, pd.DataFrame]:
    """emissions.csv, when any emission rate is given."""
    if not applies(scenario):
        return {}
    rows = [(r, t, solved(model.emissions_t[r, t])) for r in model.REGIONS for t in model.YEARS]
    return {"emissions": pd.DataFrame(rows, columns=["region_id", "year", "emissions_t"])}
