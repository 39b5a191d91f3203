"""One plan decided now across possible futures: two-stage stochastic siting.

    minimise  (1 - w) sum_k p_k cost_k(x, y_k) + w CVaR_alpha[cost_k(x, y_k)]
    s.t.      (x, y_k) is a plan of outcome k's model, for every outcome k
x are the decisions made now, the same in every outcome: each formulation module's INVESTMENTS
variables in the first `decide_now_years` years and those with no year (open[r], requested_mw[r,p]);
y_k is everything else, decided per outcome with its own inputs. Each outcome's model is the
deterministic model of its inputs (formulations/, unchanged), so every model change reaches every
outcome. A decision made now must be possible in every outcome: its bounds are those all outcomes
allow (a build before the latest lead time among them is fixed to 0). CVaR (Rockafellar-Uryasev):
eta + sum_k p_k u_k / (1 - alpha), u_k >= cost_k - eta, u_k >= 0.

Small instances are solved as one extensive form (the outcomes' problems joined on the shared
columns of x). Large ones by outcomes (optimizer/pipeline/by_outcomes.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse

from formulations import MODULES, build_model, gc_paused
from formulations.sites import all_sites_fixed
from optimizer.highs import Outcome, Problem, difference_range, mip_gap
from optimizer.inputs.errors import ScenarioError
from optimizer.inputs.machine import available_memory_bytes
from optimizer.inputs.scenario import RiskSettings, Scenario, read_scenario, read_yaml
from optimizer.inputs.uncertainty import Outcome as Future
from optimizer.inputs.uncertainty import mean_value_scenario, outcome_scenarios
from optimizer.pipeline import lp_start
from optimizer.pipeline.deterministic import (
    SOLUTION_STATUSES,
    SolveResult,
    classify,
    remaining,
    result_tables,
    run_highs,
    run_summary,
    spend_and_shortfall,
    start_fields,
)
from optimizer.pipeline.matrix import ModelMatrix

Bounds = dict[str, tuple[float, float]]  # decided-now variable name -> (lower, upper)
EXTENSIVE_MAX_COLUMNS = 3_000_000  # `auto`: larger extensive forms are solved by outcomes, as are
# those whose estimated peak exceeds the memory available: above every peak measured (bench.extensive_memory)
EXTENSIVE_FIXED_BYTES, EXTENSIVE_BYTES_PER_COLUMN = 800_000_000, 5_000
PLAN_TABLES = ("outcomes", "decisions_now")  # a plan across outcomes' own tables


def decide_now_years(scenario: Scenario) -> set[int]:
    return set(scenario.config.years[: scenario.config.uncertainty.decide_now_years])


def decided_now(model: pyo.ConcreteModel, years: set[int]) -> dict[str, pyo.Var]:
    """The model's decisions made now, by name: each module's INVESTMENTS variables whose index ends
    in one of `years`, or in no year at all."""
    found = {}
    for module in MODULES:
        for name in getattr(module, "INVESTMENTS", ()):
            component = getattr(model, name, None)
            if component is None:  # the module does not apply to these inputs
                continue
            for index, var in component.items():
                last = index[-1] if isinstance(index, tuple) else index
                if isinstance(last, int) and last in model.YEARS and last not in years:
                    continue
                found[var.name] = var
    return found


def bounds_of(variables: dict[str, pyo.Var]) -> Bounds:
    """Each variable's bounds; a fixed one's are its value."""
    return {
        name: (var.value, var.value) if var.fixed else (_num(var.lb, -math.inf), _num(var.ub, math.inf))
        for name, var in variables.items()
    }


def common_bounds(all_bounds: Iterable[Bounds]) -> Bounds:
    """The bounds every outcome allows: the highest lower and lowest upper bound of each decision. A
    decision an outcome's model does not have (e.g. opening a region in a year its lead time rules
    out) is 0 there."""
    all_bounds = list(all_bounds)
    names = dict.fromkeys(name for bounds in all_bounds for name in bounds)
    none = (0.0, 0.0)
    return {
        name: (max(b.get(name, none)[0] for b in all_bounds), min(b.get(name, none)[1] for b in all_bounds))
        for name in names
    }


def impose(variables: dict[str, pyo.Var], bounds: Bounds) -> None:
    """Restrict decided-now variables to `bounds` (equal bounds fix the variable); a name the model
    does not have is skipped."""
    for name, (lower, upper) in bounds.items():
        var = variables.get(name)
        if var is None:
            continue
        if lower == upper:
            var.fix(lower)
        else:
            var.setlb(None if math.isinf(lower) else lower)
            var.setub(None if math.isinf(upper) else upper)


def _num(value, default: float) -> float:
    return default if value is None else float(value)


@dataclass
class OutcomeModel:
    """An outcome's scenario, its Pyomo model and, once its decided-now bounds are set, its matrix."""

    future: Future
    scenario: Scenario
    model: pyo.ConcreteModel
    now: dict[str, pyo.Var]
    matrix: ModelMatrix | None = None


@dataclass
class Extensive:
    """The extensive form: every outcome's problem, joined on the columns of the decisions made now."""

    problem: Problem
    columns: list[np.ndarray]  # per outcome: the extensive form's column of each of its own columns
    shared: list[str]  # the names of the shared columns (the first len(shared) columns)


def extensive_form(outcomes: list[OutcomeModel], risk: RiskSettings) -> Extensive:
    """Join the outcomes' compiled problems: shared columns first (costs weighted by probability and
    summed), then each outcome's own columns and rows; with a CVaR weight, eta and u_k and their rows."""
    index: dict[str, int] = {}
    local_shared = []
    for om in outcomes:
        names = {id(var): name for name, var in om.now.items()}
        shared = [
            (j, names[id(var)]) for j, var in enumerate(om.matrix.columns) if var is not None and id(var) in names
        ]
        local_shared.append(shared)
        for _, name in shared:
            index.setdefault(name, len(index))
    n_shared, columns, next_col = len(index), [], len(index)
    for om, shared in zip(outcomes, local_shared):
        n = om.matrix.problem.n_cols
        mapping = np.full(n, -1, dtype=np.int64)
        for j, name in shared:
            mapping[j] = index[name]
        own = mapping < 0
        mapping[own] = next_col + np.arange(int(own.sum()))
        next_col += int(own.sum())
        columns.append(mapping)
    weights = np.array([om.future.probability for om in outcomes]) * (1.0 - risk.cvar_weight)
    problems = [om.matrix.problem for om in outcomes]
    joined = _joined(problems, columns, weights, next_col, n_shared)
    if risk.cvar_weight > 0:
        joined = _with_cvar(joined, problems, columns, [om.future.probability for om in outcomes], risk)
    return Extensive(joined, columns, list(index))


def _joined(
    problems: list[Problem], columns: list[np.ndarray], weights: np.ndarray, n_cols: int, n_shared: int
) -> Problem:
    cost, integer = np.zeros(n_cols), np.zeros(n_cols, dtype=bool)
    lower, upper = np.full(n_cols, -np.inf), np.full(n_cols, np.inf)
    rows, cols, coefs, row_lower, row_upper, groups = [], [], [], [], [], {}
    first_row = 0
    for problem, mapping, weight in zip(problems, columns, weights):
        np.add.at(cost, mapping, weight * problem.cost)
        np.maximum.at(lower, mapping, problem.col_lower)  # shared columns: the bounds all outcomes allow
        np.minimum.at(upper, mapping, problem.col_upper)
        integer[mapping] |= problem.integer
        matrix = problem.A.tocoo()
        rows.append(matrix.row + first_row)
        cols.append(mapping[matrix.col])
        coefs.append(matrix.data)
        row_lower.append(problem.row_lower)
        row_upper.append(problem.row_upper)
        for name, group in problem.row_groups.items():
            groups.setdefault(name, []).append(group + first_row)
        first_row += problem.n_rows
    A = scipy.sparse.csc_matrix(
        (np.concatenate(coefs), (np.concatenate(rows), np.concatenate(cols))), shape=(first_row, n_cols)
    )
    offset = float(sum(weight * problem.offset for problem, weight in zip(problems, weights)))
    return Problem(
        cost,
        offset,
        A,
        lower,
        upper,
        np.concatenate(row_lower),
        np.concatenate(row_upper),
        integer,
        {name: np.concatenate(parts) for name, parts in groups.items()},
    )


def _with_cvar(
    joined: Problem, problems: list[Problem], columns: list[np.ndarray], probabilities: list[float], risk: RiskSettings
) -> Problem:
    """Add eta (free) and u_k >= 0 with rows u_k + eta - cost_k(x) >= offset_k, at costs w and
    w p_k / (1 - alpha)."""
    k, n = len(problems), joined.n_cols
    eta, u = n, n + 1 + np.arange(k)
    w, alpha = risk.cvar_weight, risk.cvar_alpha
    rows, cols, coefs = [], [], []
    for i, (problem, mapping) in enumerate(zip(problems, columns)):
        priced = np.flatnonzero(problem.cost)
        rows += [np.full(len(priced) + 2, i)]
        cols += [np.concatenate([mapping[priced], [eta, u[i]]])]
        coefs += [np.concatenate([-problem.cost[priced], [1.0, 1.0]])]
    cvar_rows = scipy.sparse.csc_matrix(
        (np.concatenate(coefs), (np.concatenate(rows), np.concatenate(cols))), shape=(k, n + 1 + k)
    )
    A = scipy.sparse.vstack(
        [scipy.sparse.hstack([joined.A, scipy.sparse.csc_matrix((joined.n_rows, 1 + k))]), cvar_rows]
    )
    return Problem(
        np.concatenate([joined.cost, [w], w * np.asarray(probabilities) / (1 - alpha)]),
        joined.offset,
        A.tocsc(),
        np.concatenate([joined.col_lower, [-np.inf], np.zeros(k)]),
        np.concatenate([joined.col_upper, [np.inf], np.full(k, np.inf)]),
        np.concatenate([joined.row_lower, [p.offset for p in problems]]),
        np.concatenate([joined.row_upper, np.full(k, np.inf)]),
        np.concatenate([joined.integer, np.zeros(1 + k, dtype=bool)]),
        joined.row_groups,
    )


def value_at_risk(costs: np.ndarray, probabilities: np.ndarray, alpha: float) -> float:
    """VaR_alpha of a discrete distribution: the least cost with probability >= alpha of not being
    exceeded (eta at CVaR's minimum)."""
    order = np.argsort(costs)
    costs, probabilities = np.asarray(costs)[order], np.asarray(probabilities)[order]
    return float(costs[np.searchsorted(np.cumsum(probabilities), alpha - 1e-12)] if alpha > 0 else costs[0])


def cvar(costs: np.ndarray, probabilities: np.ndarray, alpha: float) -> float:
    """CVaR_alpha of a discrete distribution: the expected cost in its worst (1 - alpha) tail."""
    var = value_at_risk(costs, probabilities, alpha)
    return float(var + np.asarray(probabilities) @ np.maximum(np.asarray(costs) - var, 0.0) / (1.0 - alpha))


def risk_value(costs: np.ndarray, probabilities: np.ndarray, risk: RiskSettings) -> float:
    """The stochastic objective of a set of outcome costs: (1 - w) E[cost] + w CVaR_alpha[cost]."""
    expected = float(np.asarray(probabilities) @ np.asarray(costs))
    if not risk.cvar_weight:
        return expected
    return (1 - risk.cvar_weight) * expected + risk.cvar_weight * cvar(costs, probabilities, risk.cvar_alpha)


# --- Solving outcomes one at a time (wait-and-see, evaluations, decomposition), here or on workers


@dataclass(frozen=True)
class OutcomeTask:
    """One outcome's model to solve: its inputs as text (`Scenario.files()`), the bounds of its
    decided-now decisions (equal bounds fix them), costs added per unit of them (a Lagrangian
    price), a wall-clock deadline (time.time()), a MIP gap in place of the scenario's (optional), and
    `relaxed`: its LP relaxation only (a bound, and fractional decisions). Plain data: it may run on
    a Dask worker."""

    files: dict[str, str]
    now_years: frozenset[int]
    bounds: Bounds = field(default_factory=dict)
    prices: dict[str, float] = field(default_factory=dict)
    deadline: float | None = None
    keep_tables: bool = False
    gap: float | None = None
    relaxed: bool = False


@dataclass
class OutcomeRun:
    status: str
    objective: float | None  # of the outcome's model, prices excluded
    bound: float | None  # a proven lower bound of the priced problem's optimum
    now: dict[str, float]  # the decided-now decisions of its plan
    seconds: float
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    log: str = ""


def run_outcome(task: OutcomeTask) -> OutcomeRun:
    """Build and solve one outcome's model as `task` says."""
    started = time.perf_counter()
    if task.deadline is not None and time.time() >= task.deadline:
        return OutcomeRun("time_limit_no_solution", None, None, {}, 0.0, log="the deadline had passed\n")
    scenario = read_scenario(task.files, read_yaml(task.files))
    if task.gap is not None:
        scenario = scenario.with_solver(mip_rel_gap=task.gap)
    with gc_paused():
        model = build_model(scenario, tightened=False)  # its ordering of identical regions is per outcome
        now = decided_now(model, set(task.now_years))
        impose(now, task.bounds)
        matrix = ModelMatrix(model)
    if task.prices and matrix.problem is not None:
        matrix.problem = _priced(matrix, now, task.prices)
    settings = scenario.solver_for(sites_fixed=all_sites_fixed(model))
    lp = None if task.relaxed else lp_start.maybe_start(matrix, settings, _left(task))
    outcome = run_highs(matrix, settings, _left(task), relaxed=task.relaxed, start=lp.columns if lp else None)
    status, _ = classify(outcome)
    if status not in SOLUTION_STATUSES:
        return OutcomeRun(status, None, outcome.bound, {}, time.perf_counter() - started, log=outcome.log)
    matrix.load(outcome.col_value)
    values = {name: float(var.value) for name, var in now.items()}
    priced = sum(price * values.get(name, 0.0) for name, price in task.prices.items())
    tables = result_tables(model, scenario)[0] if task.keep_tables else {}
    return OutcomeRun(
        status, outcome.objective - priced, outcome.bound, values, time.perf_counter() - started, tables, outcome.log
    )


def _left(task: OutcomeTask) -> float | None:
    """Seconds left before the task's deadline (None: no deadline)."""
    return None if task.deadline is None else max(task.deadline - time.time(), 0.0)


def _priced(matrix: ModelMatrix, now: dict[str, pyo.Var], prices: dict[str, float]) -> Problem:
    column = {id(var): j for j, var in enumerate(matrix.columns) if var is not None}
    cost = matrix.problem.cost.copy()
    for name, price in prices.items():
        j = column.get(id(now[name])) if name in now else None
        if j is not None:  # a fixed decision is no column: its price is a constant, counted in `priced`
            cost[j] += price
    return replace(matrix.problem, cost=cost, offset=matrix.problem.offset + _fixed_priced(now, prices))


def _fixed_priced(now: dict[str, pyo.Var], prices: dict[str, float]) -> float:
    return sum(price * now[name].value for name, price in prices.items() if name in now and now[name].fixed)


def run_all(tasks: list[OutcomeTask], executor: Executor | None, function=None) -> list:
    """Run independent outcome tasks (`run_outcome`, or `function`) on `executor` (e.g. Dask
    workers), or here one after another."""
    function = function or run_outcome
    return list(executor.map(function, tasks)) if executor is not None else [function(t) for t in tasks]


def outcome_bounds(task: OutcomeTask) -> Bounds:
    """The bounds an outcome's own model puts on its decided-now decisions (its lead times, limits)."""
    scenario = read_scenario(task.files, read_yaml(task.files))
    with gc_paused():
        model = build_model(scenario, tightened=False)
    return bounds_of(decided_now(model, set(task.now_years)))


# --- The stochastic solve: extensive form or by outcomes, then the plan's tables and its value


def solve_stochastic(scenario: Scenario, *, tee: bool = False, executor: Executor | None = None) -> SolveResult:
    """Solve an uncertain scenario; never raises for solver outcomes. ScenarioError for a bad outcome."""
    started = time.perf_counter()
    settings, uncertainty = scenario.config.solver, scenario.config.uncertainty
    deadline = None if settings.time_limit_s is None else time.time() + settings.time_limit_s
    pairs = outcome_scenarios(scenario)
    years = decide_now_years(scenario)
    first = None  # the first outcome's model, built only where the method may be the extensive form
    too_large = None  # why `auto` solves by outcomes
    if uncertainty.method != "decomposition":
        with gc_paused():
            first = _outcome_model(*pairs[0], years)
            if uncertainty.method == "auto":
                too_large = extensive_too_large(len(pairs) * ModelMatrix(first.model).problem.n_cols)
            if too_large:
                first = None  # by outcomes, on their own models: not held in memory meanwhile
    if first is None:
        from optimizer.pipeline.by_outcomes import solve_by_outcomes

        plan = solve_by_outcomes(scenario, pairs, years, executor=executor, deadline=deadline)
    else:
        plan = _solve_extensive(scenario, pairs, years, first, tee, started, executor)
    summary = _stochastic_summary(scenario, plan, pairs, years)
    summary["uncertainty"] |= {"method_asked": uncertainty.method, "by_outcomes_because": too_large}
    if plan.runs and uncertainty.value_of_information:
        summary |= value_of_uncertainty(scenario, pairs, years, plan, executor, deadline)
    tables = _plan_tables(pairs, plan.runs, years) if plan.runs else {}
    if tables:
        summary["costs_usd"] = _expected_costs(tables, pairs)
        probability = {future.name: future.probability for future, _ in pairs}
        summary |= spend_and_shortfall(tables["costs"], tables.get("unserved", pd.DataFrame()), probability)
    return SolveResult(summary, tables, plan.log, scenario.regions)


def extensive_too_large(columns: int) -> str | None:
    """`auto`'s rule for an extensive form of about `columns` columns: why it is solved by outcomes
    (over EXTENSIVE_MAX_COLUMNS, or its estimated peak memory, 0.8 GB and 5 kB a column, beyond the
    memory available: optimizer/inputs/machine.py), or None where it is not. The estimate lies above
    the whole command's peak at every size measured, 23,000 to 796,000 columns (docs/benchmarks.md)."""
    if columns > EXTENSIVE_MAX_COLUMNS:
        return f"the extensive form would have {columns:,} columns, more than {EXTENSIVE_MAX_COLUMNS:,}"
    needed = EXTENSIVE_FIXED_BYTES + columns * EXTENSIVE_BYTES_PER_COLUMN
    available = available_memory_bytes()
    if needed > available:
        return f"the extensive form ({columns:,} columns) would need about {needed / 1e9:.1f} GB, {available / 1e9:.1f} GB available"
    return None


@dataclass
class Plan:
    """A stochastic solve's outcome: the stochastic program's status and values, and per outcome the
    plan's run (tables included), or none."""

    outcome: Outcome
    runs: list[OutcomeRun]
    bounds: Bounds  # the decided-now bounds all outcomes allow
    build_seconds: float
    solve_seconds: float
    size: dict
    method: str  # "extensive_form" or "by_outcomes"
    log: str = ""
    detail: dict = field(default_factory=dict)  # method-specific figures for the summary
    mean_value: tuple[OutcomeRun, list[OutcomeRun]] | None = None  # its plan and evaluation, when done


def _outcome_model(future: Future, scenario: Scenario, years: set[int]) -> OutcomeModel:
    model = build_model(scenario, tightened=False)  # identical regions in one outcome may differ in another
    return OutcomeModel(future, scenario, model, decided_now(model, years))


def _solve_extensive(scenario, pairs, years, first: OutcomeModel, tee: bool, started: float, executor) -> Plan:
    settings, risk = scenario.config.solver, scenario.config.uncertainty.risk
    start = None  # the mean-value plan carried out in every outcome, when asked for and found
    with gc_paused():
        outcomes = [first] + [_outcome_model(future, edited, years) for future, edited in pairs[1:]]
        bounds = common_bounds(bounds_of(om.now) for om in outcomes)
        for om in outcomes:
            impose(om.now, bounds)
            om.matrix = ModelMatrix(om.model)
    reason = next((om.matrix.infeasible_reason for om in outcomes if om.matrix.infeasible_reason), None)
    build_seconds = time.perf_counter() - started
    solve_started = time.perf_counter()
    if reason:
        log = f"not passed to HiGHS: {reason}\n"
        outcome = Outcome(None, None, None, None, None, log=log, termination="provenInfeasible", method=None)
        size = {}
    else:
        extensive = extensive_form(outcomes, risk)
        size = _size(extensive.problem)
        # Not the LP-rounded start of one-future solves: the extensive form's LP relaxation is most of its
        # root's time (200 sites x 50 outcomes: 150-260 s), and that start would solve it twice.
        if scenario.config.uncertainty.mean_value_start and extensive.problem.is_mip:
            from optimizer.pipeline.mean_value_start import mean_value_start

            left = remaining(settings.time_limit_s, started)
            start = mean_value_start(scenario, pairs, years, outcomes, extensive, bounds, executor, left)
        columns = start.columns if start else None
        outcome = _solve_problem(extensive.problem, settings, remaining(settings.time_limit_s, started), tee, columns)
    runs = []
    if outcome.has_solution:
        for om, columns in zip(outcomes, extensive.columns):
            om.matrix.load(outcome.col_value[columns])
            tables = result_tables(om.model, om.scenario)[0]
            now = {name: float(var.value) for name, var in om.now.items()}
            runs.append(OutcomeRun("optimal", float(tables["costs"]["discounted_usd"].sum()), None, now, 0.0, tables))
    solve_seconds = time.perf_counter() - solve_started
    detail = {"mean_value_start": start.account} if start else {}
    return Plan(
        outcome, runs, bounds, build_seconds, solve_seconds, size, "extensive_form", outcome.log, detail,
        start.mean_value if start else None,
    )  # fmt: skip


def _solve_problem(problem: Problem, settings, time_limit_s: float | None, tee: bool, start=None) -> Outcome:
    from optimizer.highs import Settings, solve_problem

    highs = Settings.of(settings, benders=False)
    return solve_problem(problem, highs, time_limit_s=time_limit_s, start=start, tee=tee)


def _size(problem: Problem) -> dict:
    return {"variables": problem.n_cols, "integer_variables": int(problem.integer.sum()), "constraints": problem.n_rows}


def _stochastic_summary(scenario: Scenario, plan: Plan, pairs, years: set[int]) -> dict:
    status, message = classify(plan.outcome)
    if status == "infeasible":
        message = "no plan decided now is possible in every outcome (the constraints have no solution)"
    summary = run_summary(scenario, plan.outcome, status, message, plan.build_seconds, plan.solve_seconds, plan.size)
    summary["objective_usd"] = plan.outcome.objective if plan.runs else None
    summary["mip_gap"] = mip_gap(summary["objective_usd"], summary["best_bound_usd"])
    summary["solver"]["method"] = plan.method
    started_from = plan.detail.get("mean_value_start", {}).get("objective_usd")
    summary["solver"] |= start_fields(plan.outcome, "mean_value_plan" if started_from is not None else None)
    summary |= {"edits": list(scenario.edits), "warm_start": None, "input_warnings": list(scenario.warnings)}
    uncertainty = scenario.config.uncertainty
    summary["outcomes"] = len(pairs)
    summary["uncertainty"] = {
        "decide_now_years": sorted(years),
        "risk": uncertainty.risk.model_dump(),
        "method": plan.method,
    } | plan.detail
    if plan.runs:
        costs = np.array([run.objective for run in plan.runs])
        probabilities = np.array([future.probability for future, _ in pairs])
        summary["expected_cost_usd"] = float(probabilities @ costs)
        if uncertainty.risk.cvar_weight:
            summary["cvar_usd"] = cvar(costs, probabilities, uncertainty.risk.cvar_alpha)
    return summary


def value_of_uncertainty(scenario: Scenario, pairs, years: set[int], plan: Plan, executor, deadline) -> dict:
    """EVPI (the stochastic objective minus that of the outcomes' own optima, each with perfect
    foresight) and VSS (the mean-value plan's decisions made now, carried out in every outcome,
    minus the stochastic objective), each with the range the proven bounds allow."""
    risk = scenario.config.uncertainty.risk
    probabilities = np.array([future.probability for future, _ in pairs])
    files = [edited.files() for _, edited in pairs]
    now_years = frozenset(years)
    rp = (plan.outcome.objective, plan.outcome.bound)
    wait_and_see = run_all([OutcomeTask(f, now_years, deadline=deadline) for f in files], executor)
    values = {"evpi": _difference(rp, _risk_range(wait_and_see, probabilities, risk))}
    mean_plan, evaluated = plan.mean_value or mean_value_runs(scenario, pairs, years, plan.bounds, executor, deadline)
    values["vss"] = (
        _difference(_risk_range(evaluated, probabilities, risk), rp) if mean_plan.now else (None, None, None)
    )
    why = {
        "evpi": _unsolved(wait_and_see, "outcomes' own optima (perfect foresight)"),
        "vss": _unsolved(evaluated, "outcomes carrying out the mean-value plan")
        if mean_plan.now
        else f"the mean-value scenario had no plan ({mean_plan.status})",
    }
    return (
        {f"{key}_usd": value for key, (value, _, _) in values.items()}
        | {f"{key}_range_usd": None if low is None else [low, high] for key, (_, low, high) in values.items()}
        | {f"{key}_not_computed": why[key] for key, (value, _, _) in values.items() if value is None}
    )


def _unsolved(runs: list[OutcomeRun], what: str) -> str:
    """Why a value over `runs` is missing: how many of them found no plan (within the time limit)."""
    missing = [run for run in runs if run.objective is None]
    statuses = ", ".join(sorted({run.status for run in missing}))
    return f"{len(missing)} of {len(runs)} {what} found no plan ({statuses})"


def mean_value_runs(scenario, pairs, years, bounds: Bounds, executor, deadline) -> tuple[OutcomeRun, list[OutcomeRun]]:
    """The mean-value plan (the scenario of mean inputs, its decisions made now within the bounds all
    outcomes allow) and those decisions carried out in every outcome (the rest re-optimised)."""
    now_years = frozenset(years)
    mean = mean_value_run(scenario, pairs, years, bounds, deadline)
    if not mean.now:
        return mean, []
    fixed = with_plan_fixed(bounds, clipped(mean.now, bounds))
    tasks = [OutcomeTask(edited.files(), now_years, fixed, deadline=deadline, keep_tables=True) for _, edited in pairs]
    return mean, run_all(tasks, executor)


def mean_value_run(
    scenario: Scenario, pairs, years: set[int], bounds: Bounds, deadline: float | None, gap: float | None = None
) -> OutcomeRun:
    """The mean-value scenario solved within `bounds` by `deadline` (to `gap`, default the scenario's
    own); a run without a plan (status `error`, the reason in its log) where the averaged inputs are
    no valid scenario."""
    try:
        files = mean_value_scenario(scenario, pairs).files()
    except ScenarioError as err:
        return OutcomeRun("error", None, None, {}, 0.0, log=f"the mean-value scenario: {err}\n")
    return run_outcome(OutcomeTask(files, frozenset(years), bounds, deadline=deadline, gap=gap))


def with_plan_fixed(bounds: Bounds, plan: dict[str, float]) -> Bounds:
    """`bounds` with each decision of `plan` (values within them: `clipped`) fixed to its value."""
    return bounds | {name: (value, value) for name, value in plan.items()}


def clipped(values: dict[str, float], bounds: Bounds) -> dict[str, float]:
    """Decision values cleaned of solver round-off and kept within `bounds`."""
    return {name: float(np.clip(round(value, 6), *bounds[name])) for name, value in values.items()}


def _risk_range(runs: list[OutcomeRun], probabilities: np.ndarray, risk: RiskSettings) -> tuple:
    """(value, lower bound) of the risk objective over outcome runs (None when one has no plan)."""
    if not runs or any(run.objective is None for run in runs):
        return None, None
    value = risk_value(np.array([run.objective for run in runs]), probabilities, risk)
    if any(run.bound is None for run in runs):
        return value, None
    return value, risk_value(np.array([run.bound for run in runs]), probabilities, risk)


def _difference(a: tuple, b: tuple) -> tuple:
    """a - b and its range, the range only where both solves have a proven bound."""
    value, low, high = difference_range(a, b)
    return (value, None, None) if low is None or high is None else (value, low, high)


def _plan_tables(pairs, runs: list[OutcomeRun], years: set[int]) -> dict[str, pd.DataFrame]:
    """Every result table with a leading `outcome` column; outcomes.csv (probability and discounted
    cost by component per outcome) and decisions_now.csv (what to do now, the same in every outcome)."""
    names = [future.name for future, _ in pairs]
    tables = {}
    for table in dict.fromkeys(name for run in runs for name in run.tables):
        parts = [run.tables[table].assign(outcome=name) for name, run in zip(names, runs) if table in run.tables]
        joined = pd.concat([part for part in parts if len(part)] or parts[:1], ignore_index=True)
        tables[table] = joined[["outcome", *[c for c in joined.columns if c != "outcome"]]]
    costs = tables["costs"].pivot_table(index="outcome", columns="component", values="discounted_usd", aggfunc="sum")
    outcomes = pd.DataFrame(
        {
            "outcome": names,
            "probability": [future.probability for future, _ in pairs],
            "cost_usd": [run.objective for run in runs],
        }
    )
    by_component = costs.reindex(names).fillna(0.0).add_suffix("_usd").reset_index(drop=True)
    return tables | {
        "outcomes": pd.concat([outcomes, by_component], axis=1),
        "decisions_now": decisions_now(tables, years),
    }


DECISION_COLUMNS = ["decision", "region_id", "path_id", "year", "mw"]


def decisions_now(tables: dict[str, pd.DataFrame], years: set[int]) -> pd.DataFrame:
    """What to do now: regions opened (in service in some outcome), IT MW built, grid MW connected per
    path and contracted per region in each decided-now year, and MW requested per path."""
    first = tables["capacity"]["outcome"].iloc[0]  # decisions made now are the same in every outcome

    def now(table: str, column: str) -> pd.DataFrame:
        frame = tables.get(table)
        if frame is None:
            return pd.DataFrame(columns=["region_id", "path_id", "year", "mw"])
        rows = frame[(frame["outcome"] == first) & frame["year"].isin(years) & (frame[column] > 0)]
        return rows.reindex(columns=["region_id", "path_id", "year", column]).rename(columns={column: "mw"})

    capacity = tables["capacity"]
    opened = sorted(capacity.loc[capacity["capacity_mw"] > 0, "region_id"].unique())
    parts = [
        pd.DataFrame({"decision": "open_region", "region_id": opened}),
        now("capacity", "added_mw").assign(decision="build"),
        now("capacity_by_path", "added_mw").assign(decision="connect"),
        now("contracts", "contracted_mw").assign(decision="contract"),
    ]
    requests = tables.get("requests")
    if requests is not None:
        mine = requests[(requests["outcome"] == first) & (requests["requested_mw"] > 0)]
        parts.append(mine.rename(columns={"requested_mw": "mw"}).assign(decision="request"))
    parts = [part.reindex(columns=DECISION_COLUMNS) for part in parts if len(part)]
    if not parts:  # a plan that does nothing now (e.g. one found at a time limit, serving no demand)
        return pd.DataFrame(columns=DECISION_COLUMNS)
    frame = pd.concat(parts, ignore_index=True)
    return frame.assign(path_id=frame["path_id"].astype(object).fillna(""))


def _expected_costs(tables: dict[str, pd.DataFrame], pairs) -> dict[str, float]:
    """Discounted cost by component, weighted by the outcomes' probabilities."""
    probability = {future.name: future.probability for future, _ in pairs}
    costs = tables["costs"]
    weighted = costs["discounted_usd"] * costs["outcome"].map(probability)
    return weighted.groupby(costs["component"], sort=False).sum().to_dict()
