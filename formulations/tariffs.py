"""Large-load tariffs and who pays for network upgrades.

Utility draws (every power draw but onsite generation) of region r are billed under tariffs.csv on firm MW
(a path's MW times its firm_share; the curtailable rest pays its curtailment in interconnection.py):
    energy      price * mwh_per_mw_year * delivered_share * MW drawn      (a path's own price overrides the tariff)
    used_mw[r,t] = firm MW drawn;   new_contract_mw[r,t] = firm MW newly connected under the contract
    billed_mw[r,t] >= used_mw[r,t]
    billed_mw[r,t] >= sum over u <= t of take(t-u) * vintage[r,u,t],
                      take(k) = min_take_share * min(1, (k+1) / ramp_years) for k < contract_years, else 0
    charges     (12 * demand_charge + 365 * capacity_price) * used_mw ("demand_charge", "capacity_charge"),
                the same rates * (billed_mw - used_mw) ("min_take_shortfall")
    upgrades    upgrade_share * upgrade_cost_usd_per_mw * new_contract_mw ("upgrade"); other ratepayers pay the rest
                ("socialized_upgrade", in the objective only under cost_perspective: system).
vintage[r,u,t], the firm MW contracted in year u still contracted in t, is new_contract_mw[r,u] where contracts
never fall; where a release can lower them, contract_vintage_mw[r,u,t] >= 0 with sum_u vintage = contracted_mw,
vintages that only shrink, and vintage[r,t,t] <= new_contract_mw[r,t].
upgrade_share is the tariff's data_center_upgrade_share where given, else the scenario's regime: 1 under
participant_funding, socialized_data_center_share under socialized, or the stated share.
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from formulations.interconnection import mwh_per_mw_year
from formulations.objective import add_cost, scaled
from formulations.values import solved

# Investment decisions among the Pyomo variables (contracts; billed MW are operations); docs/formulation.md
INVESTMENTS: tuple[str, ...] = ("contract_vintage_mw",)
TARIFF_DEFAULTS = {
    "energy_price_usd_per_mwh": 0.0,
    "demand_charge_usd_per_mw_month": 0.0,
    "capacity_price_usd_per_mw_day": 0.0,
    "min_take_share": 0.0,
    "contract_years": 0,
    "ramp_years": 0,
    "upgrade_cost_usd_per_mw": 0.0,
}


def upgrade_shares(scenario, regions) -> pd.Series:
    """The data center's share of network-upgrade cost, by region."""
    return _tariffs(scenario, regions)["data_center_upgrade_share"]


def minimum_take(share: float, contract_years: int, ramp_years: int, years_in: int) -> float:
    """Share of contracted MW billed at least, `years_in` years after the contract starts."""
    if years_in >= contract_years:
        return 0.0
    return share * min(1.0, (years_in + 1) / ramp_years) if ramp_years else share


def applies(scenario) -> bool:
    """Only tariffs and paths bring utility bills and contracts; a core scenario skips this module."""
    return scenario.tariffs is not None or scenario.interconnection is not None


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    if not applies(scenario):
        return
    tariffs = _tariffs(scenario, model.REGIONS)
    mwh_per_mw = mwh_per_mw_year(scenario)
    model.used_mw = pyo.Expression(
        model.REGIONS,
        model.YEARS,
        rule=lambda m, r, t: sum(draw.firm_share * draw.mw[t] for draw in m.power_draws[r] if draw.utility),
    )
    bound_by_contract = [r for r in model.REGIONS if _has_minimum_take(tariffs.loc[r])]
    _contract_vintages(model, [r for r in bound_by_contract if r in model.contract_can_fall])
    model.billed_mw = pyo.Var(bound_by_contract, model.YEARS, within=pyo.NonNegativeReals)
    model.billed_covers_use = pyo.Constraint(
        bound_by_contract, model.YEARS, rule=lambda m, r, t: m.billed_mw[r, t] >= m.used_mw[r, t]
    )
    model.billed_covers_minimum_take = pyo.Constraint(
        bound_by_contract, model.YEARS, rule=lambda m, r, t: _minimum_take_rule(m, tariffs.loc[r], r, t)
    )
    for r in model.REGIONS:
        tariff = tariffs.loc[r]
        rate = 12 * tariff["demand_charge_usd_per_mw_month"], 365 * tariff["capacity_price_usd_per_mw_day"]
        for t in model.YEARS:
            for draw in model.power_draws[r]:
                price = draw.energy_price_usd_per_mwh
                price = tariff["energy_price_usd_per_mwh"] if price is None else price
                if draw.utility and price:
                    add_cost(model, "energy", r, t, price * mwh_per_mw * draw.delivered_share * draw.mw[t])
            add_cost(model, "demand_charge", r, t, scaled(rate[0], model.used_mw[r, t]))
            add_cost(model, "capacity_charge", r, t, scaled(rate[1], model.used_mw[r, t]))
            if r in bound_by_contract:
                add_cost(
                    model, "min_take_shortfall", r, t, scaled(sum(rate), model.billed_mw[r, t] - model.used_mw[r, t])
                )
            share, cost = tariff["data_center_upgrade_share"], tariff["upgrade_cost_usd_per_mw"]
            for component, payer_share in (("upgrade", share), ("socialized_upgrade", 1 - share)):
                add_cost(model, component, r, t, scaled(payer_share * cost, model.new_contract_mw[r, t]))


def _contract_vintages(model: pyo.ConcreteModel, regions: list[str]) -> None:
    """contract_vintage_mw[r,u,t] for regions whose contract can fall: the vintages add up to the MW
    contracted, only shrink, and a new vintage holds no more than the MW newly contracted."""
    index = [(r, u, t) for r in regions for u in model.YEARS for t in model.YEARS if u <= t]
    model.contract_vintage_mw = pyo.Var(index, within=pyo.NonNegativeReals)
    vintage = model.contract_vintage_mw
    model.vintages_make_the_contract = pyo.Constraint(
        regions,
        model.YEARS,
        rule=lambda m, r, t: sum(vintage[r, u, t] for u in m.YEARS if u <= t) == m.contracted_mw[r, t],
    )
    model.vintages_only_shrink = pyo.Constraint(
        index, rule=lambda m, r, u, t: vintage[r, u, t] <= vintage[r, u, t - 1] if t > u else pyo.Constraint.Skip
    )
    model.new_vintage_is_new = pyo.Constraint(
        regions, model.YEARS, rule=lambda m, r, t: vintage[r, t, t] <= m.new_contract_mw[r, t]
    )


def _tariffs(scenario, regions) -> pd.DataFrame:
    """One tariff row per region; regions without a row get a zero tariff."""
    table = scenario.tariffs if scenario.tariffs is not None else pd.DataFrame(columns=["region_id", *TARIFF_DEFAULTS])
    table = table.set_index("region_id").reindex(list(regions)).fillna(TARIFF_DEFAULTS)
    share = table.get("data_center_upgrade_share", pd.Series(index=table.index, dtype=float))
    return table.assign(data_center_upgrade_share=share.fillna(scenario.config.upgrade_share))


def _has_minimum_take(tariff: pd.Series) -> bool:
    charged = tariff["demand_charge_usd_per_mw_month"] or tariff["capacity_price_usd_per_mw_day"]
    return bool(charged and tariff["min_take_share"] and tariff["contract_years"])


def _minimum_take_rule(model: pyo.ConcreteModel, tariff: pd.Series, region: str, year: int):
    share, term, ramp = tariff["min_take_share"], int(tariff["contract_years"]), int(tariff["ramp_years"])
    takes = {start: minimum_take(share, term, ramp, year - start) for start in model.YEARS if start <= year}
    floor = [take * _vintage(model, region, start, year) for start, take in takes.items() if take]
    return model.billed_mw[region, year] >= sum(floor) if floor else pyo.Constraint.Skip


def _vintage(model: pyo.ConcreteModel, region: str, start: int, year: int):
    """Firm MW contracted in `start` and still contracted in `year` (all of them where contracts never fall)."""
    if (region, start, year) in model.contract_vintage_mw:
        return model.contract_vintage_mw[region, start, year]
    return model.new_contract_mw[region, start]


RESULT_TABLES = ("contracts", "upgrades")  # the tables result_tables returns


def result_tables(model: pyo.ConcreteModel, scenario) -> dict[str, pd.DataFrame]:
    """contracts.csv (contracted, used and billed MW) and upgrades.csv (who pays), when the inputs call for them."""
    if not applies(scenario):
        return {}
    billed = model.billed_mw
    rows = [
        (
            r,
            t,
            solved(model.contracted_mw[r, t]),
            solved(model.used_mw[r, t]),
            solved(billed[r, t] if (r, t) in billed else model.used_mw[r, t]),
        )
        for r in model.REGIONS
        for t in model.YEARS
    ]
    tables = {"contracts": pd.DataFrame(rows, columns=["region_id", "year", "contracted_mw", "used_mw", "billed_mw"])}
    if scenario.tariffs is not None and scenario.tariffs["upgrade_cost_usd_per_mw"].any():
        tables["upgrades"] = _upgrades(model, scenario)
    return tables


def _upgrades(model: pyo.ConcreteModel, scenario) -> pd.DataFrame:
    cost = scenario.tariffs.set_index("region_id")["upgrade_cost_usd_per_mw"]
    share = upgrade_shares(scenario, model.REGIONS)
    rows = []
    for r, per_mw in cost[cost > 0].items():
        for t in model.YEARS:
            total = per_mw * solved(model.new_contract_mw[r, t])
            if total:
                rows.append(
                    (r, t, solved(model.new_contract_mw[r, t]), total, share[r] * total, (1 - share[r]) * total)
                )
    columns = ["region_id", "year", "new_contract_mw", "upgrade_cost_usd", "data_center_usd", "other_ratepayers_usd"]
    return pd.DataFrame(rows, columns=columns)
