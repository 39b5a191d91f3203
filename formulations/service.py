"""Service: IT capacity in regions serves demand centres, on allowed pairs only.

    sum_r served_mw[d,r,t] + unserved_mw[d,t] = mw[d,t]      (unserved_mw only with a penalty)
    served_it_mw[r,t] = sum_d served_mw[d,r,t] <= capacity_mw[r,t]
Pairs come from service_costs.csv when present (latency); otherwise every region serves every demand.
Costs: usd_per_mw_year * served_mw and penalty * unserved_mw, each per year (discounted in objective).
"""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from formulations.objective import NO_REGION, add_cost
from formulations.values import solved


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    demand = scenario.demand_mw
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
        need = mw.get((d, t), 0.0)
        if not regions_of[d] and penalty is None:
            # No region may serve d: nothing to decide, and the model has no solution if d needs MW.
            return pyo.Constraint.Infeasible if need > 0 else pyo.Constraint.Skip
        served = sum(m.served_mw[d, r, t] for r in regions_of[d])
        if penalty is not None:
            served = served + m.unserved_mw[d, t]
        return served == need

    model.meet_demand = pyo.Constraint(model.DEMANDS, model.YEARS, rule=meet_demand)
    model.served_it_mw = pyo.Expression(
        model.REGIONS, model.YEARS, rule=lambda m, r, t: sum(m.served_mw[d, r, t] for d in demands_of[r])
    )
    model.serve_within_capacity = pyo.Constraint(
        model.REGIONS,
        model.YEARS,
        rule=lambda m, r, t: m.served_it_mw[r, t] <= m.capacity_mw[r, t] if demands_of[r] else pyo.Constraint.Skip,
    )

    for t in model.YEARS:
        for r in model.REGIONS:
            priced = [d for d in demands_of[r] if usd[d, r]]
            if priced:
                add_cost(model, "service", r, t, sum(usd[d, r] * model.served_mw[d, r, t] for d in priced))
        if penalty:
            add_cost(model, "unserved", NO_REGION, t, penalty * sum(model.unserved_mw[d, t] for d in model.DEMANDS))


def result_tables(model: pyo.ConcreteModel, scenario) -> dict[str, pd.DataFrame]:
    """service.csv and unserved.csv (non-zero rows); GPUs alongside MW where demand is stated in GPUs."""
    service = pd.DataFrame(
        [(d, r, t, solved(v)) for (d, r, t), v in model.served_mw.items() if solved(v) > 0],
        columns=["demand_id", "region_id", "year", "mw"],
    )
    unserved_var = getattr(model, "unserved_mw", None)
    unserved = pd.DataFrame(
        [(d, t, solved(v)) for (d, t), v in (unserved_var.items() if unserved_var is not None else []) if solved(v) > 0],
        columns=["demand_id", "year", "mw"],
    )
    if scenario.gpus is not None:
        service, unserved = (_with_gpus(table, scenario) for table in (service, unserved))
    return {"service": service, "unserved": unserved}


def _with_gpus(table: pd.DataFrame, scenario) -> pd.DataFrame:
    """Add gpu_id and gpus (MW * 1000 / kW per GPU) for demand centres stated in GPUs."""
    stated = scenario.demand[["demand_id", "year", "gpu_id"]]
    table = table.merge(stated, on=["demand_id", "year"], how="left")
    kw = table["gpu_id"].map(scenario.gpus.set_index("gpu_id")["kw_per_gpu"])
    return table.assign(gpus=(table["mw"].astype(float) * 1000 / kw.astype(float)).round(0))
