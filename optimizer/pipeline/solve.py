"""Validated scenario -> Pyomo model -> HiGHS (in memory) -> result tables."""

from __future__ import annotations

import math
import platform
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version

import pandas as pd
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from formulations import MODULES, build_model, gc_paused
from formulations.objective import BORNE_BY_OTHERS, COMPONENTS, counted
from optimizer.highs.run import mip_gap
from optimizer.inputs.scenario import Scenario, SolverSettings
from optimizer.pipeline.diagnose import explain_infeasibility
from optimizer.pipeline.matrix import HighsModel
from optimizer.pipeline.warm_start import integer_values, set_start

SOLUTION_STATUSES = ("optimal", "feasible")
COST_COLUMNS = ["component", "region_id", "year", "usd", "discounted_usd"]
# What-limits-the-plan tables (optimizer.pipeline.marginals), each written as <name>.csv.
ANALYSIS_TABLES = ("limits", "lead_times", "probes")


@dataclass
class SolveResult:
    """What a solve produced: the summary and result tables by name (none when no solution was found)."""

    summary: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    solver_log: str = ""
    regions: pd.DataFrame = field(default_factory=pd.DataFrame)
    analysis: dict[str, pd.DataFrame] = field(default_factory=dict)  # name in ANALYSIS_TABLES -> table
    integer_values: dict[str, float] = field(default_factory=dict)  # a MIP start for variants (warm_start.py)

    @property
    def has_solution(self) -> bool:
        return self.summary["status"] in SOLUTION_STATUSES

    def table(self, name: str) -> pd.DataFrame:
        return self.tables.get(name, pd.DataFrame())

    capacity = property(lambda self: self.table("capacity"))
    service = property(lambda self: self.table("service"))
    unserved = property(lambda self: self.table("unserved"))
    costs = property(lambda self: self.table("costs"))


def solve(scenario: Scenario, *, tee: bool = False, start: Mapping[str, float] | None = None) -> SolveResult:
    """Build and solve the scenario with HiGHS; never raises for solver outcomes.

    `start` (variable name -> value, e.g. an earlier result's `integer_values`) is a MIP start."""
    settings = scenario.config.solver
    started = time.perf_counter()
    with gc_paused():  # one pause over both, so the collection it defers runs once (see gc_paused)
        model = build_model(scenario)
        highs = HighsModel(model)  # the hand-off to HiGHS, counted as build time
    build_seconds = time.perf_counter() - started

    solve_started = time.perf_counter()
    warm_start = set_start(highs, model, start) if start else None  # an earlier plan (what-if, batch)
    # The time limit counts from the start of this call: building the model uses it too.
    results = highs.run(
        time_limit_s=_remaining(settings.time_limit_s, started),
        options=highs_options(settings),
        tee=tee,
        method=settings.method,
    )
    solve_seconds = time.perf_counter() - solve_started

    status, message = _classify(results)
    if status in SOLUTION_STATUSES:
        highs.load_solution()
    elif status == "infeasible":
        message = explain_infeasibility(scenario)

    summary = _summary(scenario, model, results, status, message, build_seconds, solve_seconds)
    summary["solver"]["method"] = highs.method  # benders may fall back to direct; None: no run
    summary |= {"edits": list(scenario.edits), "warm_start": warm_start, "input_warnings": list(scenario.warnings)}
    summary["solver"]["mip_start"] = "earlier_plan" if start and highs.method != "benders" else None  # benders: unused
    tables, totals = _tables(model, scenario) if status in SOLUTION_STATUSES else ({}, {})
    if tables:
        summary["costs_usd"] = tables["costs"].groupby("component", sort=False)["discounted_usd"].sum().to_dict()
    summary |= {"cost_perspective": scenario.config.cost_perspective} | totals
    start_values = integer_values(model) if tables else {}
    return SolveResult(summary, tables, results.solver_log or "", scenario.regions, integer_values=start_values)


def highs_options(settings: SolverSettings) -> dict:
    """HiGHS options from the scenario's solver settings (the time limit is passed per run)."""
    return {"threads": settings.threads, "mip_rel_gap": settings.mip_rel_gap}


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
    bound = bound if bound is not None and math.isfinite(bound) else None  # HiGHS reports -inf when it has none
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
        "solved_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _model_size(model) -> dict:
    variables = list(model.component_data_objects(pyo.Var))
    blocks = model.array_blocks.values()
    return {
        "variables": len(variables) + sum(len(b.columns) for b in blocks),
        "integer_variables": sum(1 for v in variables if v.is_integer() or v.is_binary()),
        "fixed_variables": sum(1 for v in variables if v.fixed),
        "constraints": sum(1 for _ in model.component_data_objects(pyo.Constraint, active=True))
        + sum(len(b.row_lower) for b in blocks),
    }


def _tables(model, scenario: Scenario) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    """The result tables (costs: the terms in the objective), and the plan's total discounted cost as the
    developer sees it and as the system does (other ratepayers' costs included), whatever the perspective."""
    tables = {}
    for module in MODULES:
        if hasattr(module, "result_tables"):
            tables |= module.result_tables(model, scenario)
    costs = _costs(model)
    borne_by_others = costs["component"].isin(BORNE_BY_OTHERS)
    developer = float(costs.loc[~borne_by_others, "discounted_usd"].sum())
    totals = {
        "developer_cost_usd": developer,
        "system_cost_usd": developer + float(costs.loc[borne_by_others, "discounted_usd"].sum()),
    }
    in_objective = costs["component"].map(lambda c: counted(c, scenario.config.cost_perspective)).astype(bool)
    return tables | {"costs": costs[in_objective].reset_index(drop=True)}, totals


def _costs(model) -> pd.DataFrame:
    """Every recorded cost term: undiscounted and as weighted in the objective."""
    factor = {year: pyo.value(model.discount_factor[year]) for year in model.YEARS}
    rows = []
    for (component, region, year), expr in model.cost_terms.items():
        usd = pyo.value(expr)
        rows.append((component, region, year, usd, usd * factor[year]))
    tables = [pd.DataFrame(rows, columns=COST_COLUMNS), *(block.cost_terms() for block in model.array_blocks.values())]
    costs = pd.concat([t for t in tables if len(t)] or tables[:1], ignore_index=True)  # concat warns on empty tables
    # A key may have terms both here and in a block (an onsite path's capex and its fuel): one row each.
    costs = costs.groupby(COST_COLUMNS[:3], as_index=False, sort=False).sum()
    rank = {component: i for i, component in enumerate(COMPONENTS)}
    return costs.sort_values("component", key=lambda c: c.map(rank).fillna(len(rank)), kind="stable", ignore_index=True)
