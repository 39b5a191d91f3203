"""Service: IT capacity in regions serves demand centres, on allowed pairs only.

    sum_r served_mw[d,r,t] + unserved_mw[d,t] = mw[d,t]      (unserved_mw only with a penalty)
    served_it_mw[r,t] = sum_d served_mw[d,r,t] <= capacity_mw[r,t]
Pairs come from service_costs.csv when present (latency); otherwise every region serves every demand.
served_mw exists only on service arcs (d,r,t): an allowed pair, mw[d,t] > 0, and t no earlier than
region r's first build year (before it capacity_mw[r,t] = 0). The arcs left out could only be 0,
so this sparse index set keeps the model exact while dropping variables that matter at scale.
Costs: usd_per_mw_year * served_mw and penalty * unserved_mw, each per year (discounted in objective).
The arcs (served_mw and the two equalities) are an array block (formulations/arrays.py): there can be
millions. served_it_mw[r,t], unserved_mw and the capacity rows are Pyomo components other modules use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse

from formulations.arrays import ArrayBlock
from formulations.lead_times import first_build_year
from formulations.objective import NO_REGION, add_cost
from formulations.values import solved


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    model.DEMANDS = pyo.Set(initialize=sorted(scenario.demand_mw["demand_id"].unique()), ordered=True)
    arcs = service_arcs(scenario)
    reachable = set(zip(arcs["region_id"], arcs["year"]))
    model.served_it_mw = pyo.Var(model.REGIONS, model.YEARS, within=pyo.NonNegativeReals)
    for r, t in model.served_it_mw:
        if (r, t) not in reachable:
            model.served_it_mw[r, t].fix(0)  # no arc leaves r in year t

    penalty = scenario.config.unserved_penalty_usd_per_mw_year
    if penalty is not None:
        model.unserved_mw = pyo.Var(model.DEMANDS, model.YEARS, within=pyo.NonNegativeReals)
        if penalty:
            for t in model.YEARS:
                total = pyo.quicksum(model.unserved_mw[d, t] for d in model.DEMANDS)
                add_cost(model, "unserved", NO_REGION, t, penalty * total)
    model.array_blocks["service"] = _arc_block(model, scenario, arcs)


def service_arcs(scenario) -> pd.DataFrame:
    """(demand_id, region_id, year, usd_per_mw_year) for each allowed pair and year where the demand
    centre needs MW and the region can already hold capacity."""
    demand = scenario.demand_mw[["demand_id", "year", "mw"]]
    demand = demand[demand["mw"] > 0]
    if scenario.service_costs is None:
        pairs = pd.MultiIndex.from_product([demand["demand_id"].unique(), scenario.regions["region_id"]])
        pairs = pairs.to_frame(index=False, name=["demand_id", "region_id"]).assign(usd_per_mw_year=0.0)
    else:
        pairs = scenario.service_costs[["demand_id", "region_id", "usd_per_mw_year"]]
    first_year = scenario.config.first_year
    lead = scenario.regions.set_index("region_id")["lead_time_years"]
    opens = lead.map(lambda years: first_build_year(first_year, years))
    arcs = demand.merge(pairs, on="demand_id")
    arcs = arcs[arcs["year"] >= arcs["region_id"].map(opens)]
    return arcs.sort_values(["year", "demand_id", "region_id"], kind="stable").reset_index(drop=True)


def _arc_block(model: pyo.ConcreteModel, scenario, arcs: pd.DataFrame) -> ArrayBlock:
    """served_mw per arc. Rows: meet each demand (d,t) with mw > 0; then for each (r,t) an arc leaves,
    served_it_mw = the arcs leaving; then served_it_mw <= capacity_mw."""
    demand = scenario.demand_mw[["demand_id", "year", "mw"]]
    needs = demand[demand["mw"] > 0].reset_index(drop=True)
    need_row = pd.Series(needs.index, index=pd.MultiIndex.from_frame(needs[["demand_id", "year"]]))
    meet = need_row.reindex(pd.MultiIndex.from_frame(arcs[["demand_id", "year"]])).to_numpy()
    leave_code, leave_keys = pd.factorize(pd.MultiIndex.from_frame(arcs[["region_id", "year"]]))
    n_arcs, n_need, n_leave = len(arcs), len(needs), len(leave_keys)
    arc = np.arange(n_arcs)
    matrix = scipy.sparse.csr_matrix(  # the capacity rows hold no arc
        (np.ones(2 * n_arcs), (np.concatenate([meet, n_need + leave_code]), np.concatenate([arc, arc]))),
        shape=(n_need + 2 * n_leave, n_arcs),
    )
    coupling = []
    for i, (r, t) in enumerate(leave_keys):
        leave, capacity = n_need + i, n_need + n_leave + i
        served_it = model.served_it_mw[r, t]
        coupling += [(leave, served_it, -1.0), (capacity, served_it, 1.0), (capacity, model.capacity_mw[r, t], -1.0)]
    if hasattr(model, "unserved_mw"):
        coupling += [(i, model.unserved_mw[d, t], 1.0) for i, (d, t) in enumerate(need_row.index)]
    mw, zeros = needs["mw"].to_numpy(float), np.zeros(n_leave)
    lower = np.concatenate([mw, zeros, np.full(n_leave, -np.inf)])
    upper = np.concatenate([mw, zeros, zeros])
    columns = arcs.assign(lower=0.0, upper=np.inf, usd=arcs["usd_per_mw_year"], component="service")
    return ArrayBlock(columns, lower, upper, matrix, coupling)


def result_tables(model: pyo.ConcreteModel, scenario) -> dict[str, pd.DataFrame]:
    """service.csv and unserved.csv (non-zero rows); GPUs alongside MW where demand is stated in GPUs."""
    arcs = model.array_blocks["service"].solved_columns()
    service = arcs.loc[arcs["value"] > 0, ["demand_id", "region_id", "year", "value"]].rename(columns={"value": "mw"})
    service = service.sort_values(["demand_id", "region_id", "year"]).reset_index(drop=True)
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
