"""Validated scenario -> Pyomo model -> HiGHS (in memory) -> result tables."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import version

import pandas as pd
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from formulations import build_model
from optimizer.diagnose import explain_infeasibility
from optimizer.highs_direct import HighsModel
from optimizer.scenario import Scenario
from optimizer.warm_start import set_lp_neighbourhood_start

SOLUTION_STATUSES = ("optimal", "feasible")


@dataclass
class SolveResult:
    """What a solve produced. Tables are empty when no solution was found."""

    summary: dict
    capacity: pd.DataFrame
    service: pd.DataFrame
    unserved: pd.DataFrame
    costs: pd.DataFrame
    solver_log: str = ""
    regions: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def has_solution(self) -> bool:
        return self.summary["status"] in SOLUTION_STATUSES


def solve(scenario: Scenario, *, tee: bool = False) -> SolveResult:
    """Build and solve the scenario with HiGHS; never raises for solver outcomes."""
    settings = scenario.config.solver
    started = time.perf_counter()
    model = build_model(scenario)
    highs = HighsModel(model)  # the hand-off to HiGHS, counted as build time
    build_seconds = time.perf_counter() - started

    solve_started = time.perf_counter()
    options = {"threads": settings.threads, "mip_rel_gap": settings.mip_rel_gap}
    mip_start = set_lp_neighbourhood_start(highs, time_limit_s=settings.time_limit_s, options=options, tee=tee)
    results = highs.run(time_limit_s=_remaining(settings.time_limit_s, solve_started), options=options, tee=tee)
    solve_seconds = time.perf_counter() - solve_started

    status, message = _classify(results)
    if status in SOLUTION_STATUSES:
        highs.load_solution()
    elif status == "infeasible":
        message = explain_infeasibility(scenario)

    summary = _summary(scenario, model, results, status, message, build_seconds, solve_seconds)
    summary["solver"]["mip_start"] = "lp_neighbourhood" if mip_start else None
    tables = _tables(model, scenario) if status in SOLUTION_STATUSES else _empty_tables()
    if status in SOLUTION_STATUSES:
        summary["costs_usd"] = tables["costs"].groupby("component", sort=False)["discounted_usd"].sum().to_dict()
    return SolveResult(summary=summary, solver_log=results.solver_log or "", regions=scenario.regions, **tables)


def _remaining(time_limit_s: float | None, since: float) -> float | None:
    return None if time_limit_s is None else max(time_limit_s - (time.perf_counter() - since), 0.0)


def _classify(results) -> tuple[str, str]:
    condition = results.termination_condition
    has_incumbent = results.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
    if condition == TerminationCondition.convergenceCriteriaSatisfied and has_incumbent:
        return "optimal", "solved to the requested MIP gap"
    if has_incumbent:
        return "feasible", f"stopped early ({condition.name}); best solution found is reported with its proven gap"
    if condition in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
        # All costs and variables are non-negative, so the model cannot be unbounded.
        return "infeasible", "the constraints have no solution"
    if condition == TerminationCondition.maxTimeLimit:
        return "time_limit_no_solution", "the time limit was reached before HiGHS found any solution"
    return "error", f"HiGHS stopped without a solution ({condition.name})"


def _summary(scenario, model, results, status, message, build_seconds, solve_seconds) -> dict:
    objective = results.incumbent_objective if status in SOLUTION_STATUSES else None
    bound = results.objective_bound
    settings = scenario.config.solver
    return {
        "scenario": scenario.name,
        "status": status,
        "message": message,
        "objective_usd": objective,
        "best_bound_usd": bound,
        "mip_gap": mip_gap(objective, bound),
        "build_seconds": round(build_seconds, 3),
        "solve_seconds": round(solve_seconds, 3),
        "solver": {
            "name": "HiGHS",
            "version": ".".join(map(str, Highs().version())),
            "termination": results.termination_condition.name,
            "mip_rel_gap": settings.mip_rel_gap,
            "time_limit_s": settings.time_limit_s,
            "threads": settings.threads,
        },
        "model_size": _model_size(model),
        "versions": {pkg: version(pkg) for pkg in ("gridsite", "pyomo", "highspy", "pandas")}
        | {"python": platform.python_version()},
        "input_hash": scenario.input_hash(),
        "solved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def mip_gap(objective: float | None, bound: float | None) -> float | None:
    """HiGHS's relative gap |objective - bound| / |objective| (0 when both are 0)."""
    if objective is None or bound is None:
        return None
    if objective == bound:
        return 0.0
    return abs(objective - bound) / max(abs(objective), 1e-9)


def _model_size(model) -> dict:
    variables = list(model.component_data_objects(pyo.Var))
    return {
        "variables": len(variables),
        "integer_variables": sum(1 for v in variables if v.is_integer() or v.is_binary()),
        "fixed_variables": sum(1 for v in variables if v.fixed),
        "constraints": sum(1 for _ in model.component_data_objects(pyo.Constraint, active=True)),
    }


def _val(var) -> float:
    """Solution value, cleaned of solver round-off (values are MW or USD)."""
    value = pyo.value(var, exception=False) or 0.0
    return 0.0 if abs(value) < 1e-6 else round(value, 6)


def _tables(model, scenario: Scenario) -> dict[str, pd.DataFrame]:
    capacity = pd.DataFrame(
        [
            (r, t, _val(model.added_mw[r, t]), _val(model.capacity_mw[r, t]))
            for r in model.REGIONS
            for t in model.YEARS
        ],
        columns=["region_id", "year", "added_mw", "capacity_mw"],
    )
    service = pd.DataFrame(
        [(d, r, t, _val(v)) for (d, r, t), v in model.served_mw.items() if _val(v) > 0],
        columns=["demand_id", "region_id", "year", "mw"],
    )
    unserved_var = getattr(model, "unserved_mw", None)
    unserved = pd.DataFrame(
        [(d, t, _val(v)) for (d, t), v in (unserved_var.items() if unserved_var is not None else []) if _val(v) > 0],
        columns=["demand_id", "year", "mw"],
    )
    return {"capacity": capacity, "service": service, "unserved": unserved, "costs": _costs(model)}


def _costs(model) -> pd.DataFrame:
    """Cost by component and year: undiscounted and discounted USD (one-off costs in the first year)."""
    first = model.YEARS.first()
    rows = [(k, first, pyo.value(expr), pyo.value(expr)) for k, expr in model.one_off_costs.items()]
    for k, per_year in model.yearly_costs.items():
        for t in model.YEARS:
            usd = pyo.value(per_year(t))
            rows.append((k, t, usd, usd * pyo.value(model.discount_factor[t])))
    return pd.DataFrame(rows, columns=["component", "year", "usd", "discounted_usd"])


def _empty_tables() -> dict[str, pd.DataFrame]:
    return {
        "capacity": pd.DataFrame(columns=["region_id", "year", "added_mw", "capacity_mw"]),
        "service": pd.DataFrame(columns=["demand_id", "region_id", "year", "mw"]),
        "unserved": pd.DataFrame(columns=["demand_id", "year", "mw"]),
        "costs": pd.DataFrame(columns=["component", "year", "usd", "discounted_usd"]),
    }
