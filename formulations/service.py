"""Service: IT capacity in regions serves demand centres, on allowed pairs only.

    sum_r served_mw[d,r,t] + unserved_mw[d,t] = mw[d,t]      (unserved_mw only with a penalty)
    served_it_mw[r,t] = sum_d served_mw[d,r,t] <= capacity_mw[r,t]
Pairs come from service_costs.csv when present (latency); otherwise every region serves every demand.
served_mw exists only on service arcs (d,r,t): an allowed pair, mw[d,t] > 0, and t no earlier than
region r's first build year (before it capacity_mw[r,t] = 0). The arcs left out could only be 0,
so this sparse index set keeps the model exact while dropping variables that matter at scale.
Costs: usd_per_mw_year * served_mw and penalty * unserved_mw, each per year (discounted in objective).
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pyomo.environ as pyo

from formulations.lead_times import first_build_year
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
    model.SERVICE_ARCS = pyo.Set(initialize=_service_arcs(scenario, usd, mw), dimen=3, ordered=True)
    model.served_mw = pyo.Var(model.SERVICE_ARCS, within=pyo.NonNegativeReals)

    arcs_to = defaultdict(list)  # (d, t) -> served_mw reaching demand d in year t
    arcs_from = defaultdict(list)  # (r, t) -> served_mw leaving region r in year t
    priced_from = defaultdict(list)  # (r, t) -> (usd_per_mw_year, served_mw) with a cost
    for (d, r, t), var in model.served_mw.items():
        arcs_to[d, t].append(var)
        arcs_from[r, t].append(var)
        if usd[d, r]:
            priced_from[r, t].append((usd[d, r], var))

    penalty = scenario.config.unserved_penalty_usd_per_mw_year
    if penalty is not None:
        model.unserved_mw = pyo.Var(model.DEMANDS, model.YEARS, within=pyo.NonNegativeReals)

    def meet_demand(m, d, t):
        need = mw.get((d, t), 0.0)
        if not arcs_to[d, t] and penalty is None:
            # No region can serve d in year t: nothing to decide, or the scenario has no solution.
            return pyo.Constraint.Skip if need == 0 else pyo.Constraint.Infeasible
        served = pyo.quicksum(arcs_to[d, t])
        if penalty is not None:
            served = served + m.unserved_mw[d, t]
        return served == need

    model.meet_demand = pyo.Constraint(model.DEMANDS, model.YEARS, rule=meet_demand)
    model.served_it_mw = pyo.Expression(model.REGIONS, model.YEARS, rule=lambda m, r, t: pyo.quicksum(arcs_from[r, t]))
    model.serve_within_capacity = pyo.Constraint(
        model.REGIONS,
        model.YEARS,
        rule=lambda m, r, t: m.served_it_mw[r, t] <= m.capacity_mw[r, t] if arcs_from[r, t] else pyo.Constraint.Skip,
    )

    for (r, t), priced in priced_from.items():
        add_cost(model, "service", r, t, pyo.quicksum(c * var for c, var in priced))
    if penalty:
        for t in model.YEARS:
            add_cost(model, "unserved", NO_REGION, t, penalty * pyo.quicksum(model.unserved_mw[d, t] for d in model.DEMANDS))


def _service_arcs(scenario, usd: dict, mw: dict) -> list[tuple[str, str, int]]:
    """(d, r, t) for each allowed pair and year where demand d needs MW and region r can hold capacity."""
    first_year = scenario.config.first_year
    lead = scenario.regions.set_index("region_id")["lead_time_years"].to_dict()
    opens = {r: first_build_year(first_year, lead[r]) for r in lead}
    return [(d, r, t) for t in scenario.config.years for d, r in usd if mw.get((d, t), 0.0) > 0 and t >= opens[r]]


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
