"""Interconnection paths: how and when each region's facility gets its power.

Regions listed in interconnection.csv draw power through paths p (queue, flexible, onsite, colocation):
    path_added_mw[r,p,t] = path_mw[r,p,t] - path_mw[r,p,t-1] >= 0;   path_mw <= max_mw[p];   path_mw = 0 before p's lead time
    releasable paths: released_mw never falls, released_mw <= path_mw;   connected_mw = path_mw - released_mw
    supply_mw[r,p,t] <= connected_mw[r,p,t];   sum_p supply_mw[r,p,t] = pue[r] * served_it_mw[r,t]
Headroom counts firm_share * connected_mw, the utility contract the same over utility paths (all but onsite).
Other regions draw pue[r] * served_it_mw[r,t] through one implicit grid connection of pue[r] * capacity_mw[r,t] (the core).
Costs: capex_usd_per_mw * path_added_mw and opex_usd_per_mw_year * connected_mw ("interconnection", onsite:
"onsite_generation"); onsite fuel at its energy price ("onsite_generation"); curtailed MWh * curtailment_cost ("curtailment").
Where requesting a path costs something: path_mw[r,p,t] <= requested_mw[r,p], request_cost_usd_per_mw * requested_mw
paid in the first year ("request").
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyomo.environ as pyo

from formulations.arrays import Prices
from formulations.lead_times import first_build_year
from formulations.objective import add_cost
from formulations.stock import Stock, add_stock, additions, fix_before, stock_table
from formulations.values import cleaned

HOURS_PER_YEAR = 8760
PATH_STOCK = Stock("path_mw", "path_modules_added", "MODULAR_PATHS", "path_grows")
RELEASE_STOCK = Stock("released_mw", "released_modules", "MODULAR_RELEASES", "releases_grow")
# Investment decisions among the Pyomo variables: connections, releases and requests (supply_mw is
# operations); the stocks' module counts follow from their levels. docs/formulation.md
INVESTMENTS: tuple[str, ...] = (PATH_STOCK.level, RELEASE_STOCK.level, "requested_mw")
RELEASABLE_KINDS = ("onsite", "flexible")  # releasable unless a path says otherwise


@dataclass(frozen=True)
class PowerDraw:
    """One source of a region's power, as the tariff and carbon modules see it."""

    path_id: str | None  # None for the implicit grid connection
    utility: bool  # supplied under the utility's tariff (every path but onsite)
    delivered_share: float  # share of the drawn MW's energy actually delivered (1 - curtailment)
    firm_share: float  # share of the drawn MW the utility bills (the rest is curtailable)
    energy_price_usd_per_mwh: float | None  # a path's own price; None = the region's tariff
    emission_kg_per_mwh: float | None  # a path's own rate; None = the region's grid rate
    mw: dict  # year -> Pyomo expression of MW drawn


def mwh_per_mw_year(scenario) -> float:
    return HOURS_PER_YEAR * scenario.config.load_factor


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    paths = _paths(scenario)
    first = scenario.config.first_year
    model.PATHS = pyo.Set(initialize=list(paths.index), dimen=2, ordered=True)
    add_stock(model, PATH_STOCK, model.PATHS, paths["max_mw"].to_dict(), paths["module_mw"].dropna().to_dict())
    opens = {key: first_build_year(first, years) for key, years in paths["lead_time_years"].items()}
    fix_before(model, PATH_STOCK, opens)
    _releases(model, paths[paths["releasable"]])
    model.supply_mw = pyo.Var(model.PATHS, model.YEARS, within=pyo.NonNegativeReals)
    model.supply_within_path = pyo.Constraint(
        model.PATHS, model.YEARS, rule=lambda m, r, p, t: m.supply_mw[r, p, t] <= m.connected_mw[r, p, t]
    )

    paths_of = paths.reset_index().groupby("region_id")["path_id"].apply(list).to_dict()
    model.power_balance = pyo.Constraint(
        list(paths_of),
        model.YEARS,
        rule=lambda m, r, t: sum(m.supply_mw[r, p, t] for p in paths_of[r]) == m.pue[r] * m.served_it_mw[r, t],
    )
    _region_power(model, paths, paths_of)
    _costs(model, paths, mwh_per_mw_year(scenario))
    _requests(model, paths)


def _requests(model: pyo.ConcreteModel, paths: pd.DataFrame) -> None:
    """Interconnection requests where filing one costs something (study deposits): the MW requested
    caps the path's MW in every year, and its cost is paid in the first year."""
    cost = paths["request_cost_usd_per_mw"]
    requested = list(cost.index[cost > 0])
    model.requested_mw = pyo.Var(requested, bounds=lambda m, r, p: (0, paths.at[(r, p), "max_mw"]))
    model.path_within_request = pyo.Constraint(
        requested, model.YEARS, rule=lambda m, r, p, t: m.path_mw[r, p, t] <= m.requested_mw[r, p]
    )
    first = model.YEARS.first()
    for r, p in requested:
        add_cost(model, "request", r, first, cost[r, p] * model.requested_mw[r, p])


def firm_shares(paths: pd.DataFrame) -> pd.Series:
    """Share of each path's MW that is firm (headroom, utility bills): a blank means 0 for onsite, else 1."""
    return paths["firm_share"].fillna(paths["kind"].ne("onsite").astype(float))


def releasable(paths: pd.DataFrame) -> pd.Series:
    """Whether each path's MW may be released: a blank means yes for onsite and flexible paths."""
    return paths["releasable"].fillna(paths["kind"].isin(RELEASABLE_KINDS).astype(float)).astype(bool)


def _paths(scenario) -> pd.DataFrame:
    table = scenario.interconnection
    if table is None:
        columns = [
            "region_id", "path_id", "kind", "max_mw", "module_mw", "firm_share", "releasable", "lead_time_years",
            "request_cost_usd_per_mw",
        ]  # fmt: skip
        table = pd.DataFrame(columns=columns)
    return table.assign(firm_share=firm_shares(table), releasable=releasable(table)).set_index(["region_id", "path_id"])


def _releases(model: pyo.ConcreteModel, paths: pd.DataFrame) -> None:
    """released_mw, a stock of its own (in the path's modules where set), within the MW connected so far;
    connected_mw[r,p,t] (a dict of expressions) is what remains in service."""
    model.RELEASABLE_PATHS = pyo.Set(initialize=list(paths.index), dimen=2, ordered=True)
    add_stock(
        model, RELEASE_STOCK, model.RELEASABLE_PATHS, paths["max_mw"].to_dict(), paths["module_mw"].dropna().to_dict()
    )
    model.release_within_connected = pyo.Constraint(
        model.RELEASABLE_PATHS, model.YEARS, rule=lambda m, r, p, t: m.released_mw[r, p, t] <= m.path_mw[r, p, t]
    )
    model.connected_mw = {
        (r, p, t): var - model.released_mw[r, p, t] if (r, p) in model.RELEASABLE_PATHS else var
        for (r, p, t), var in model.path_mw.items()
    }


def _region_power(model: pyo.ConcreteModel, paths: pd.DataFrame, paths_of: dict) -> None:
    """Per region and year: firm MW held against headroom, firm MW contracted with the utility and newly
    contracted, and each power draw. `contract_can_fall`: regions where a release can lower the contract."""
    model.power_draws = {}
    headroom, contracted, new_contract = {}, {}, {}
    first = model.YEARS.first()
    for r in model.REGIONS:
        if r not in paths_of:
            model.power_draws[r] = [
                PowerDraw(
                    None, True, 1.0, 1.0, None, None, {t: model.pue[r] * model.served_it_mw[r, t] for t in model.YEARS}
                )
            ]
            for t in model.YEARS:
                headroom[r, t] = contracted[r, t] = model.pue[r] * model.capacity_mw[r, t]
                before = model.capacity_mw[r, t - 1] if t > first else 0
                new_contract[r, t] = model.pue[r] * (model.capacity_mw[r, t] - before)
            continue
        rows = paths.loc[r]
        firm = rows["firm_share"].to_dict()
        utility = list(rows.index[rows["kind"] != "onsite"])
        model.power_draws[r] = [
            PowerDraw(
                p,
                row["kind"] != "onsite",
                1.0 - row["curtailment_share"],
                row["firm_share"],
                None if pd.isna(row["energy_price_usd_per_mwh"]) else row["energy_price_usd_per_mwh"],
                None if pd.isna(row["emission_kg_per_mwh"]) else row["emission_kg_per_mwh"],
                {t: model.supply_mw[r, p, t] for t in model.YEARS},
            )
            for p, row in rows.iterrows()
        ]
        for t in model.YEARS:
            connected = {p: model.connected_mw[r, p, t] for p in firm}
            headroom[r, t] = sum(share * connected[p] for p, share in firm.items())
            contracted[r, t] = sum(firm[p] * connected[p] for p in utility)
            before = {p: model.path_mw[r, p, t - 1] if t > first else 0 for p in utility}
            new_contract[r, t] = sum(firm[p] * (model.path_mw[r, p, t] - before[p]) for p in utility)
    # Plain dicts of expressions: as Pyomo Expression components they cost a validated insert per entry.
    model.headroom_mw, model.contracted_mw, model.new_contract_mw = headroom, contracted, new_contract
    falls = paths[paths["releasable"] & paths["kind"].ne("onsite") & paths["firm_share"].gt(0)]
    model.contract_can_fall = set(falls.index.get_level_values("region_id"))


def _costs(model: pyo.ConcreteModel, paths: pd.DataFrame, mwh_per_mw: float) -> None:
    """Capex on each path's MW added and opex on its MW connected (an array block of costs on path_mw and
    released_mw, as for sites), onsite fuel and curtailment on its supply."""
    costs = {}  # per path, once: not per path and year
    for key, row in paths.to_dict("index").items():
        costs[key] = (
            "onsite_generation" if row["kind"] == "onsite" else "interconnection",
            row["capex_usd_per_mw"],
            row["opex_usd_per_mw_year"],
            row["energy_price_usd_per_mwh"] if row["kind"] == "onsite" else 0.0,  # fuel; validated: never blank
            row["curtailment_share"] * row["curtailment_cost_usd_per_mwh"],
        )
    prices = Prices()
    for (r, p, t), terms in additions(model, model.path_mw):
        component, capex, opex, fuel, curtailed = costs[r, p]
        if capex:
            for var, coef in terms:
                prices.add(var, capex * coef, component, r, t)
        if opex:
            prices.add(terms[0][0], opex, component, r, t)
            if (r, p) in model.RELEASABLE_PATHS:
                prices.add(model.released_mw[r, p, t], -opex, component, r, t)
        if fuel:
            add_cost(model, "onsite_generation", r, t, fuel * mwh_per_mw * model.supply_mw[r, p, t])
        if curtailed:
            add_cost(model, "curtailment", r, t, curtailed * mwh_per_mw * model.supply_mw[r, p, t])
    model.array_blocks["path_costs"] = prices.block()


RESULT_TABLES = ("capacity_by_path", "requests")  # the tables result_tables returns


def result_tables(model: pyo.ConcreteModel, scenario) -> dict[str, pd.DataFrame]:
    """capacity_by_path.csv, when interconnection.csv is given: MW connected (added_mw) and released
    (released_mw) in each year, MW in service (capacity_mw) and drawn (supply_mw); requests.csv (MW
    requested and the most MW in service) where requesting costs something."""
    if scenario.interconnection is None:
        return {}
    keys = ["region_id", "path_id"]
    kind = scenario.interconnection.set_index(keys)["kind"]
    table = stock_table(model, PATH_STOCK, keys)
    released = stock_table(model, RELEASE_STOCK, keys).set_index([*keys, "year"])
    index = pd.MultiIndex.from_frame(table[[*keys, "year"]])
    table.insert(2, "kind", [kind[key] for key in zip(table["region_id"], table["path_id"])])
    table.insert(5, "released_mw", released["added_mw"].reindex(index, fill_value=0.0).to_numpy())
    table["capacity_mw"] = cleaned(
        table["capacity_mw"] - released["capacity_mw"].reindex(index, fill_value=0.0).to_numpy()
    )
    supply = [model.supply_mw[r, p, t].value for r, p, t in zip(table["region_id"], table["path_id"], table["year"])]
    tables = {"capacity_by_path": table.assign(supply_mw=cleaned(supply))}
    if len(model.requested_mw):
        requests = pd.DataFrame(
            [(r, p, var.value) for (r, p), var in model.requested_mw.items()], columns=[*keys, "requested_mw"]
        )
        used = table.groupby(keys)["capacity_mw"].max()
        tables["requests"] = requests.assign(
            requested_mw=cleaned(requests["requested_mw"]),
            used_mw=[used[key] for key in zip(requests["region_id"], requests["path_id"])],
        )
    return tables
