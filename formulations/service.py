"""Service: IT capacity in regions serves demand centres, on allowed pairs only.

    sum_r served_mw[d,r,t] + unserved_mw[d,t] = mw[d,t]      (unserved_mw only with a penalty)
    served_it_mw[r,t] = sum_d served_mw[d,r,t] <= capacity_mw[r,t]
Pairs come from service_costs.csv when present (latency); otherwise every region serves every demand.
served_mw exists only on service arcs (d,r,t): an allowed pair, mw[d,t] > 0, and t no earlier than
region r's first build year (before it capacity_mw[r,t] = 0). The arcs left out could only be 0,
so this sparse index set keeps the model exact while dropping variables that matter at scale.
Costs: usd_per_mw_year * served_mw and penalty * unserved_mw, each per year (discounted in objective).
The arcs (served_mw) and all three rows above are an array block (formulations/arrays.py): there can
be millions of arcs. served_it_mw[r,t] and unserved_mw are Pyomo variables other modules use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse

from formulations.arrays import ArrayBlock
from formulations.lead_times import first_build_year
from formulations.objective import NO_REGION, Goal, add_cost, scaled
from formulations.values import solved

# Investment decisions among the Pyomo variables (none: service is operations); docs/formulation.md
INVESTMENTS: tuple[str, ...] = ()


def define_components(model: pyo.ConcreteModel, scenario) -> None:
    model.DEMANDS = pyo.Set(initialize=sorted(scenario.demand_mw["demand_id"].unique()), ordered=True)
    needs = demand_needs(scenario)
    arcs = service_arcs(scenario, needs)
    leaving, leave_code = _leaving(scenario, arcs)
    reachable = set(leaving)
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
                add_cost(model, "unserved", NO_REGION, t, scaled(penalty, total))
    model.array_blocks["service"] = _arc_block(model, needs, arcs, leaving, leave_code)


def service_arcs(scenario, needs: pd.DataFrame) -> pd.DataFrame:
    """One row per service arc: demand_id, region_id (both categorical), year, usd_per_mw_year, and the
    arc's demand row (`need`, a row of `needs`, see demand_needs) and region code (`region`, a row of
    regions.csv).

    Worked on integer codes: there can be millions of arcs, and string keys cost seconds per pass."""
    regions = scenario.regions["region_id"].to_numpy()
    demands = needs["demand_id"].unique()
    if scenario.service_costs is None:
        d, region = np.meshgrid(np.arange(len(demands)), np.arange(len(regions)), indexing="ij")
        pairs = pd.DataFrame({"d": d.ravel(), "region": region.ravel(), "usd_per_mw_year": 0.0})
    else:
        table = scenario.service_costs
        pairs = pd.DataFrame({"d": pd.Index(demands).get_indexer(table["demand_id"])})  # -1: not in demands
        pairs["region"] = pd.Index(regions).get_indexer(table["region_id"])
        pairs["usd_per_mw_year"] = table["usd_per_mw_year"].to_numpy(float)
        pairs = pairs[pairs["d"] >= 0]  # a pair whose demand centre needs no MW in any year serves nothing
    need = pd.DataFrame({"d": pd.Index(demands).get_indexer(needs["demand_id"]), "year": needs["year"].to_numpy()})
    arcs = need.rename_axis("need").reset_index().merge(pairs, on="d")
    first_year = scenario.config.first_year
    opens = np.array([first_build_year(first_year, years) for years in scenario.regions["lead_time_years"]])
    arcs = arcs[arcs["year"].to_numpy() >= opens[arcs["region"].to_numpy()]]
    arcs = arcs.iloc[np.lexsort((arcs["region"], arcs["d"], arcs["year"]))].reset_index(drop=True)
    arcs["demand_id"] = pd.Categorical.from_codes(arcs.pop("d"), categories=demands)
    arcs["region_id"] = pd.Categorical.from_codes(arcs["region"], categories=regions)
    return arcs


def demand_needs(scenario) -> pd.DataFrame:
    """demand_id, year, mw for each demand centre and year that needs MW (the rows to meet)."""
    demand = scenario.demand_mw[["demand_id", "year", "mw"]]
    return demand[demand["mw"] > 0].reset_index(drop=True)


def _leaving(scenario, arcs: pd.DataFrame) -> tuple[list[tuple[str, int]], np.ndarray]:
    """The (region, year) pairs some arc leaves, in order, and each arc's position among them."""
    first_year, n_years = scenario.config.first_year, len(scenario.config.years)
    region_year = arcs["region"].to_numpy() * n_years + (arcs["year"].to_numpy() - first_year)
    keys, code = np.unique(region_year, return_inverse=True)
    regions = scenario.regions["region_id"].to_numpy()
    return [(regions[key // n_years], first_year + key % n_years) for key in keys.tolist()], code


def _arc_block(model: pyo.ConcreteModel, needs: pd.DataFrame, arcs: pd.DataFrame, leaving, leave_code) -> ArrayBlock:
    """served_mw per arc. Rows: meet each demand (d,t) with mw > 0; then for each (r,t) an arc leaves
    (`leaving`, see _leaving), served_it_mw = the arcs leaving; then served_it_mw <= capacity_mw."""
    n_arcs, n_need, n_leave = len(arcs), len(needs), len(leaving)
    arc = np.arange(n_arcs)
    rows = np.concatenate([arcs["need"].to_numpy(), n_need + leave_code])
    matrix = scipy.sparse.csr_matrix(  # the capacity rows hold no arc
        (np.ones(2 * n_arcs), (rows, np.concatenate([arc, arc]))), shape=(n_need + 2 * n_leave, n_arcs)
    )
    coupling = []
    for i, (r, t) in enumerate(leaving):
        leave, capacity = n_need + i, n_need + n_leave + i
        served_it = model.served_it_mw[r, t]
        coupling += [(leave, served_it, -1.0), (capacity, served_it, 1.0), (capacity, model.capacity_mw[r, t], -1.0)]
    if hasattr(model, "unserved_mw"):
        needed = zip(needs["demand_id"], needs["year"])
        coupling += [(i, model.unserved_mw[d, t], 1.0) for i, (d, t) in enumerate(needed)]
    mw, zeros = needs["mw"].to_numpy(float), np.zeros(n_leave)
    lower = np.concatenate([mw, zeros, np.full(n_leave, -np.inf)])
    upper = np.concatenate([mw, zeros, zeros])
    columns = arcs.assign(lower=0.0, upper=np.inf, usd=arcs["usd_per_mw_year"], component="service")
    return ArrayBlock(columns, lower, upper, matrix, coupling)


def goals(model: pyo.ConcreteModel, scenario) -> dict[str, Goal]:
    """time_to_power: MW-years of demand not yet served (with an unserved penalty)."""
    if not hasattr(model, "unserved_mw"):
        return {}
    return {"time_to_power": Goal("mw_years", pyo.quicksum(model.unserved_mw.values()))}


RESULT_TABLES = ("service", "unserved")  # the tables result_tables returns


def result_tables(model: pyo.ConcreteModel, scenario) -> dict[str, pd.DataFrame]:
    """service.csv and unserved.csv (non-zero rows); GPUs alongside MW where demand is stated in GPUs."""
    arcs = model.array_blocks["service"].solved_columns()
    service = arcs.loc[arcs["value"] > 0, ["demand_id", "region_id", "year", "value"]]
    service = service.rename(columns={"value": "mw"})
    service = service.astype({"demand_id": str, "region_id": str}).reset_index(drop=True)  # arcs' order: by year
    unserved_var = getattr(model, "unserved_mw", None)
    unserved = pd.DataFrame(
        [
            (d, t, solved(v))
            for (d, t), v in (unserved_var.items() if unserved_var is not None else [])
            if solved(v) > 0
        ],
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
