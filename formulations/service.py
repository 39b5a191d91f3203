"""Service: capacity in regions serves demand centres, on allowed pairs only.

    sum_r served_mw[d,r,t] + unserved_mw[d,t] = mw[d,t]      (unserved_mw only with a penalty)
    sum_d served_mw[d,r,t] <= capacity_mw[r,t]
Pairs come from service_costs.csv when present (latency); otherwise every region serves every demand.
Costs: usd_per_mw_year * served_mw and penalty * unserved_mw, each per year (discounted in objective).
"""

from __future__ import annotations

import pyomo.environ as pyo


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    demand = scenario.demand
    mw = {(d, t): v for d, t, v in demand[["demand_id", "year", "mw"]].itertuples(index=False)}
    model.DEMANDS = pyo.Set(initialize=sorted(demand["demand_id"].unique()), ordered=True)

    if scenario.service_costs is None:
        usd = {(d, r): 0.0 for d in model.DEMANDS for r in model.REGIONS}
    else:
        table = scenario.service_costs[["demand_id", "region_id", "usd_per_mw_year"]]
        usd = {(d, r): c for d, r, c in table.itertuples(index=False)}
    model.SERVICE_PAIRS = pyo.Set(initialize=list(usd), dimen=2, ordered=True)
    model.served_mw = pyo.Var(model.SERVICE_PAIRS, model.YEARS, within=pyo.NonNegativeReals)

    regions_of = {d: [] for d in model.DEMANDS}
    demands_of = {r: [] for r in model.REGIONS}
    for d, r in usd:
        regions_of[d].append(r)
        demands_of[r].append(d)

    penalty = scenario.config.unserved_penalty_usd_per_mw_year
    if penalty is not None:
        model.unserved_mw = pyo.Var(model.DEMANDS, model.YEARS, within=pyo.NonNegativeReals)

    def meet_demand(m, d, t):
        served = sum(m.served_mw[d, r, t] for r in regions_of[d])
        if penalty is not None:
            served = served + m.unserved_mw[d, t]
        return served == mw.get((d, t), 0.0)

    model.meet_demand = pyo.Constraint(model.DEMANDS, model.YEARS, rule=meet_demand)
    model.serve_within_capacity = pyo.Constraint(
        model.REGIONS,
        model.YEARS,
        rule=lambda m, r, t: sum(m.served_mw[d, r, t] for d in demands_of[r]) <= m.capacity_mw[r, t]
        if demands_of[r]
        else pyo.Constraint.Skip,
    )

    model.yearly_costs["service"] = lambda t: sum(
        usd[d, r] * model.served_mw[d, r, t] for d, r in usd if usd[d, r]
    )
    if penalty is not None:
        model.yearly_costs["unserved"] = lambda t: penalty * sum(model.unserved_mw[d, t] for d in model.DEMANDS)
