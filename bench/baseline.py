"""The plain baseline: the contract's model written the obvious way in Pyomo.

Every listed service pair in every year, no reductions; the
same HiGHS interface and settings as gridsite. It is written independently of `formulations/`
so that it also cross-checks gridsite's optimum in the tests (see docs/formulation.md for the math).
"""

from __future__ import annotations

import math
import time

import pyomo.environ as pyo
from pyomo.contrib.solver.solvers.highs import Highs

from optimizer.inputs.scenario import Scenario


def build_baseline(scenario: Scenario) -> pyo.ConcreteModel:
    config = scenario.config
    regions = scenario.regions.set_index("region_id")
    years = config.years
    m = pyo.ConcreteModel()
    m.R = pyo.Set(initialize=list(regions.index))
    m.T = pyo.Set(initialize=years)
    demands = sorted(scenario.demand["demand_id"].unique())
    mw = {(d, t): v for d, t, v in scenario.demand[["demand_id", "year", "mw"]].itertuples(index=False)}
    if scenario.service_costs is None:
        cost = {(d, r): 0.0 for d in demands for r in regions.index}
    else:
        cost = {(d, r): c for d, r, c in scenario.service_costs.itertuples(index=False)}
    m.P = pyo.Set(initialize=list(cost), dimen=2)
    regions_of = {d: [] for d in demands}
    demands_of = {r: [] for r in regions.index}
    for d, r in cost:
        regions_of[d].append(r)
        demands_of[r].append(d)

    m.opened = pyo.Var(m.R, m.T, within=pyo.Binary)  # 1 from the year r first holds capacity on
    m.add = pyo.Var(m.R, m.T, within=pyo.NonNegativeReals)
    m.cap = pyo.Var(m.R, m.T, within=pyo.NonNegativeReals)
    m.x = pyo.Var(m.P, m.T, within=pyo.NonNegativeReals)

    m.acc = pyo.Constraint(
        m.R, m.T, rule=lambda m, r, t: m.cap[r, t] == (m.cap[r, t - 1] if t > years[0] else 0) + m.add[r, t]
    )
    m.site = pyo.Constraint(m.R, m.T, rule=lambda m, r, t: m.cap[r, t] <= regions.at[r, "max_mw"] * m.opened[r, t])
    m.stays_open = pyo.Constraint(
        m.R, m.T, rule=lambda m, r, t: m.opened[r, t] >= m.opened[r, t - 1] if t > years[0] else pyo.Constraint.Skip
    )
    for r in regions.index:
        opens = years[0] + math.ceil(regions.at[r, "lead_time_years"] - 1e-9)
        for t in years:
            if t < opens:
                m.add[r, t].fix(0)

    modular = regions["module_mw"].dropna()
    m.M = pyo.Set(initialize=list(modular.index))
    m.k = pyo.Var(m.M, m.T, within=pyo.NonNegativeIntegers)
    m.mod = pyo.Constraint(m.M, m.T, rule=lambda m, r, t: m.add[r, t] == modular[r] * m.k[r, t])

    penalty = config.unserved_penalty_usd_per_mw_year
    m.u = pyo.Var(demands, m.T, within=pyo.NonNegativeReals)
    if penalty is None:
        m.u.fix(0)
    m.meet = pyo.Constraint(
        demands, m.T, rule=lambda m, d, t: sum(m.x[d, r, t] for r in regions_of[d]) + m.u[d, t] == mw.get((d, t), 0)
    )
    m.supply = pyo.Constraint(m.R, m.T, rule=lambda m, r, t: sum(m.x[d, r, t] for d in demands_of[r]) <= m.cap[r, t])
    if scenario.zone_limits is not None:
        members = regions.groupby("zone_id").groups
        limits = list(scenario.zone_limits.itertuples(index=False))
        m.zone = pyo.ConstraintList()
        for z, t, limit in limits:
            m.zone.add(sum(m.cap[r, t] for r in members[z]) <= limit)

    def disc(t):
        return (1 + config.discount_rate) ** -(t - years[0])

    def opens(r, t):
        return m.opened[r, t] - (m.opened[r, t - 1] if t > years[0] else 0)

    m.obj = pyo.Objective(
        expr=sum(
            disc(t)
            * (
                sum(regions.at[r, "fixed_cost_usd"] * opens(r, t) for r in m.R)
                + sum(
                    regions.at[r, "capex_usd_per_mw"] * m.add[r, t]
                    + regions.at[r, "opex_usd_per_mw_year"] * m.cap[r, t]
                    for r in m.R
                )
                + sum(cost[d, r] * m.x[d, r, t] for d, r in cost)
                + (penalty or 0) * sum(m.u[d, t] for d in demands)
            )
            for t in m.T
        )
    )
    return m


def solve_baseline(scenario: Scenario, *, tee: bool = False) -> dict:
    """Build and solve the baseline; return the figures the benchmark prints."""
    settings = scenario.config.solver
    started = time.perf_counter()
    model = build_baseline(scenario)
    opt = Highs()
    opt.set_instance(model)
    build_seconds = time.perf_counter() - started
    results = opt.solve(
        model,
        load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        tee=tee,
        threads=settings.threads,
        time_limit=settings.time_limit_s,
        rel_gap=settings.mip_rel_gap,
    )
    return {
        "termination": results.termination_condition.name,
        "objective_usd": results.incumbent_objective,
        "best_bound_usd": results.objective_bound,
        "build_seconds": build_seconds,
        "solve_seconds": time.perf_counter() - started - build_seconds,
    }
