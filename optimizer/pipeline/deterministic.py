"""One assumed future: validated scenario -> Pyomo model -> HiGHS (in memory) -> result tables."""

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

from formulations import MODULES, build_model, gc_paused
from formulations.objective import BORNE_BY_OTHERS, COMPONENTS, counted
from optimizer.highs import Outcome, Problem, Settings, mip_gap, solve_problem
from optimizer.inputs.scenario import Scenario, SolverSettings
from optimizer.pipeline import lp_start
from optimizer.pipeline.diagnose import explain_infeasibility
from optimizer.pipeline.matrix import ModelMatrix
from optimizer.pipeline.warm_start import integer_values, start_columns

SOLUTION_STATUSES = ("optimal", "feasible")
COST_COLUMNS = ["component", "region_id", "year", "usd", "discounted_usd"]
# What-limits-the-plan tables (optimizer.pipeline.marginals), each written as <name>.csv.
ANALYSIS_TABLES = ("limits", "lead_times", "probes")
PENALTY = "unserved"  # the cost component that values demand not served: a valuation, not money paid


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


def solve_deterministic(
    scenario: Scenario, *, tee: bool = False, start: Mapping[str, float] | None = None
) -> SolveResult:
    """Build and solve the scenario with HiGHS; never raises for solver outcomes.

    `start` (variable name -> value, e.g. an earlier result's `integer_values`) is a MIP start."""
    compiled = compile_scenario(scenario)
    solve_started = time.perf_counter()
    columns, warm_start = start_columns(compiled.matrix, start) if start else (None, None)  # an earlier plan
    settings = scenario.solver
    # The time limit counts from the start of the solve: building the model uses it too.
    limit = settings.time_limit_s
    lp = None
    if not start:
        lp = lp_start.maybe_start(compiled.matrix, settings, remaining(limit, compiled.started))
        columns = lp.columns if lp else None
    outcome = run_highs(compiled.matrix, settings, remaining(limit, compiled.started), start=columns, tee=tee)
    result = finish(compiled, outcome, time.perf_counter() - solve_started)
    result.summary["warm_start"] = warm_start
    given = "earlier_plan" if start else "lp_rounding" if columns else None
    result.summary["solver"] |= start_fields(outcome, given if outcome.method != "benders" else None)
    if lp is not None:
        result.summary["solver"]["lp_rounding"] = lp.account
    return result


@dataclass
class Compiled:
    """A scenario's Pyomo model compiled for HiGHS, and when its build started (time.perf_counter())."""

    scenario: Scenario
    model: pyo.ConcreteModel
    matrix: ModelMatrix
    started: float
    build_seconds: float


def compile_scenario(scenario: Scenario, *, tightened: bool = True) -> Compiled:
    """Build and compile the scenario's model (`tightened`: see formulations.build_model)."""
    started = time.perf_counter()
    with gc_paused():  # one pause over both, so the collection it defers runs once (see gc_paused)
        model = build_model(scenario, tightened=tightened)
        matrix = ModelMatrix(model)  # the hand-off to HiGHS, counted as build time
    return Compiled(scenario, model, matrix, started, time.perf_counter() - started)


def finish(compiled: Compiled, outcome: Outcome, solve_seconds: float) -> SolveResult:
    """The result of a solve of the compiled model: its plan loaded back, its tables and summary."""
    scenario, model = compiled.scenario, compiled.model
    status, message = classify(outcome)
    if status in SOLUTION_STATUSES:
        compiled.matrix.load(outcome.col_value)
    elif status == "infeasible":
        message = explain_infeasibility(scenario)
    size = model_size(model)
    summary = run_summary(scenario, outcome, status, message, compiled.build_seconds, solve_seconds, size)
    summary |= {"edits": list(scenario.edits), "warm_start": None, "input_warnings": list(scenario.warnings)}
    summary["solver"] |= start_fields(outcome, None)
    tables, totals = result_tables(model, scenario) if status in SOLUTION_STATUSES else ({}, {})
    if tables:
        summary["costs_usd"] = tables["costs"].groupby("component", sort=False)["discounted_usd"].sum().to_dict()
        summary |= spend_and_shortfall(tables["costs"], tables["unserved"])
    summary |= {"cost_perspective": scenario.config.cost_perspective} | totals
    start_values = integer_values(model) if tables else {}
    return SolveResult(summary, tables, outcome.log, scenario.regions, integer_values=start_values)


def run_highs(
    matrix: ModelMatrix,
    settings: SolverSettings,
    time_limit_s: float | None,
    *,
    start: dict[int, float] | None = None,
    tee: bool = False,
    relaxed: bool = False,
    problem: Problem | None = None,
) -> Outcome:
    """Solve a compiled model with the scenario's solver settings (its LP relaxation with `relaxed`;
    `problem`: a variant of the compiled problem, e.g. with rows or costs added, on the same columns)."""
    if matrix.infeasible_reason:  # a Pyomo row with every variable fixed that cannot hold
        log = f"not passed to HiGHS: {matrix.infeasible_reason}\n"
        return Outcome(None, None, None, None, None, log=log, termination="provenInfeasible", method=None)
    problem = problem if problem is not None else matrix.problem
    problem = problem.relaxed() if relaxed else problem
    highs = Settings.of(settings, benders=not relaxed)
    return solve_problem(problem, highs, time_limit_s=time_limit_s, start=start, tee=tee)


def start_fields(outcome: Outcome, given: str | None) -> dict:
    """summary.json's solver fields for a MIP start: which one HiGHS was given (None: none) and
    whether it took it."""
    return {"mip_start": given, "mip_start_accepted": outcome.start_accepted if given else None}


def remaining(time_limit_s: float | None, since: float) -> float | None:
    """Seconds left of a time limit counted from `since` (a time.perf_counter() value); None: no limit."""
    return None if time_limit_s is None else max(time_limit_s - (time.perf_counter() - since), 0.0)


def classify(outcome: Outcome) -> tuple[str, str]:
    """The summary's status and message for a solver outcome."""
    condition = outcome.termination
    if outcome.solved:
        return "optimal", "solved to the requested MIP gap"
    if outcome.has_solution:
        return "feasible", f"stopped early ({condition}); best solution found is reported with its proven gap"
    if condition in ("provenInfeasible", "infeasibleOrUnbounded"):
        # All costs and variables are non-negative, so the model cannot be unbounded.
        return "infeasible", "the constraints have no solution"
    if condition == "maxTimeLimit":
        return "time_limit_no_solution", "the time limit was reached before HiGHS found any solution"
    return "error", f"HiGHS stopped without a solution ({condition})"


def run_summary(
    scenario: Scenario,
    outcome: Outcome,
    status: str,
    message: str,
    build_seconds: float,
    solve_seconds: float,
    size: dict,
) -> dict:
    """summary.json's account of a run: status, objective, bound and gap, times, solver, model size."""
    objective = outcome.objective if status in SOLUTION_STATUSES else None
    bound = outcome.bound
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
            "version": version("highspy"),
            "termination": outcome.termination,
            "method": outcome.method,  # benders may fall back to direct; None: HiGHS was not run
            "method_asked": settings.method,  # auto: chosen by Scenario.method_for
            "mip_rel_gap": settings.mip_rel_gap,
            "time_limit_s": settings.time_limit_s,
            "threads": settings.threads,
        },
        "model_size": size,
        "versions": {pkg: version(pkg) for pkg in ("gridsite", "pyomo", "highspy", "pandas")}
        | {"python": platform.python_version()},
        "input_hash": scenario.input_hash(),
        "demand_is_hard": scenario.config.unserved_penalty_usd_per_mw_year is None,  # no penalty: all served
        "solved_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def spend_and_shortfall(
    costs: pd.DataFrame, unserved: pd.DataFrame, probability: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The objective split into what is paid and what is a valuation: `spend_usd` (discounted cost of
    every term but the unserved penalty), `penalty_usd` (that penalty) and `shortfall_mw_years` (MW-years
    of demand not online). With `probability` (outcome -> probability) the tables have an `outcome`
    column and the values are expected over the outcomes."""

    def total(table: pd.DataFrame, column: str) -> float:
        if column not in table or table.empty:
            return 0.0
        weight = 1.0 if probability is None else table["outcome"].map(probability)
        return float((table[column] * weight).sum())

    penalty = total(costs[costs["component"] == PENALTY], "discounted_usd")
    return {
        "spend_usd": total(costs, "discounted_usd") - penalty,
        "penalty_usd": penalty,
        "shortfall_mw_years": total(unserved, "mw"),
    }


def penalty_of(model) -> float:
    """The discounted unserved penalty of the plan loaded in a solved model."""
    costs = _costs(model)
    return float(costs.loc[costs["component"] == PENALTY, "discounted_usd"].sum())


def model_size(model) -> dict:
    variables = list(model.component_data_objects(pyo.Var))
    blocks = model.array_blocks.values()
    return {
        "variables": len(variables) + sum(len(b.columns) for b in blocks),
        "integer_variables": sum(1 for v in variables if v.is_integer() or v.is_binary()),
        "fixed_variables": sum(1 for v in variables if v.fixed),
        "constraints": sum(1 for _ in model.component_data_objects(pyo.Constraint, active=True))
        + sum(len(b.row_lower) for b in blocks),
    }


def result_tables(model, scenario: Scenario) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    """Every module's result tables and the cost terms in the objective, read from a solved model;
    and the plan's total discounted cost as the developer sees it and as the system does (other
    ratepayers' costs included), whatever the perspective."""
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
