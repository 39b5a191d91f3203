"""The plain extensive form of an uncertain scenario, built straight in highspy (no Pyomo).

The textbook way: every outcome gets its own copy of the core contract's model (as bench/baseline.py
writes it: every listed service pair in every year, no reductions), and non-anticipativity rows tie
each outcome's decisions made now to the first outcome's (whether a region is used at all, whether it
is open and its capacity in the decided-now years). Written independently of gridsite's formulations
and of its extensive form, so that it also cross-checks gridsite's optimum (tests/test_uncertainty.py).
Core contract only: regions, demand, service costs, zone limits, modules, lead times, an unserved
penalty.
"""

from __future__ import annotations

import math
import time

import highspy
import numpy as np
import scipy.sparse

from optimizer.inputs.uncertainty import outcome_scenarios


class _Columns:
    """Columns added in blocks: bounds, costs, integrality."""

    def __init__(self) -> None:
        self.lower, self.upper, self.cost, self.integer = [], [], [], []
        self.n = 0

    def add(self, count: int, lower, upper, cost, integer: bool = False) -> np.ndarray:
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (count,)))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (count,)))
        self.cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (count,)))
        self.integer.append(np.full(count, integer))
        first, self.n = self.n, self.n + count
        return np.arange(first, self.n)


class _Rows:
    """Rows as COO triplets with bounds."""

    def __init__(self) -> None:
        self.rows, self.cols, self.vals, self.lower, self.upper = [], [], [], [], []
        self.n = 0

    def add(self, entries: list[tuple[np.ndarray, np.ndarray]], lower, upper) -> None:
        """One row per position: sum over entries (columns, coefficients) of coefficient * column."""
        count = len(entries[0][0])
        index = np.arange(self.n, self.n + count)
        for cols, coefs in entries:
            self.rows.append(index)
            self.cols.append(np.asarray(cols))
            self.vals.append(np.broadcast_to(np.asarray(coefs, dtype=float), (count,)))
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (count,)))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (count,)))
        self.n += count


def build_plain_extensive_form(scenario) -> tuple[highspy.Highs, dict]:
    """The plain extensive form loaded into a highspy.Highs, and its size."""
    pairs = outcome_scenarios(scenario)
    config = scenario.config
    years = config.years
    now = years[: config.uncertainty.decide_now_years]
    columns, rows = _Columns(), _Rows()
    first_open, first_cap = None, None
    for future, outcome in pairs:
        weight = future.probability
        opened, cap = _outcome(outcome, years, weight, columns, rows)
        if first_open is None:
            first_open, first_cap = opened, cap
            continue
        ones = np.ones(len(opened))
        tied = [opened[:, -1], first_open[:, -1]]  # used at all, and opened and built in the years decided now
        rows.add([(tied[0], ones), (tied[1], -ones)], 0.0, 0.0)
        for t in range(len(now)):
            rows.add([(opened[:, t], ones), (first_open[:, t], -ones)], 0.0, 0.0)
            rows.add([(cap[:, t], ones), (first_cap[:, t], -ones)], 0.0, 0.0)
    A = scipy.sparse.csc_matrix(
        (np.concatenate(rows.vals), (np.concatenate(rows.rows), np.concatenate(rows.cols))), shape=(rows.n, columns.n)
    )
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    integer = np.concatenate(columns.integer)
    highs.passModel(
        columns.n,
        rows.n,
        A.nnz,
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        np.concatenate(columns.cost),
        np.concatenate(columns.lower),
        np.concatenate(columns.upper),
        np.concatenate(rows.lower),
        np.concatenate(rows.upper),
        A.indptr.astype(np.int32),
        A.indices.astype(np.int32),
        A.data,
        np.where(integer, int(highspy.HighsVarType.kInteger), 0).astype(np.int32),
    )
    return highs, {"columns": columns.n, "rows": rows.n, "integers": int(integer.sum())}


def _outcome(scenario, years: list[int], weight: float, columns: _Columns, rows: _Rows):
    """One outcome's copy of the core model; returns its opened[r, t] and cap[r, t] columns."""
    config = scenario.config
    regions = scenario.regions.reset_index(drop=True)
    n_r, n_t = len(regions), len(years)
    disc = np.array([(1 + config.discount_rate) ** -(t - years[0]) for t in years])
    opens = np.array([years[0] + math.ceil(lead - 1e-9) for lead in regions["lead_time_years"]])
    allowed = np.array(years)[None, :] >= opens[:, None]  # r x t: may add capacity
    # opened[r,t] = 1 from the year r first holds capacity on; its fixed cost falls in that year, discounted:
    # sum_t fixed d_t (opened[t] - opened[t-1]) = sum_t fixed (d_t - d_t+1) opened[t]  (d_L+1 = 0)
    fixed = regions["fixed_cost_usd"].to_numpy()[:, None] * (disc - np.append(disc[1:], 0.0))[None, :]
    opened = columns.add(n_r * n_t, 0, 1, (weight * fixed).ravel(), integer=True).reshape(n_r, n_t)
    cap_cost = weight * regions["opex_usd_per_mw_year"].to_numpy()[:, None] * disc[None, :]
    cap = columns.add(n_r * n_t, 0, np.inf, cap_cost.ravel()).reshape(n_r, n_t)
    add_cost = weight * regions["capex_usd_per_mw"].to_numpy()[:, None] * disc[None, :]
    add = columns.add(n_r * n_t, 0, np.where(allowed, np.inf, 0.0).ravel(), add_cost.ravel()).reshape(n_r, n_t)
    ones = np.ones(n_r)
    for t in range(n_t):  # cap[t] - cap[t-1] - add[t] = 0
        entries = [(cap[:, t], ones), (add[:, t], -ones)] + ([(cap[:, t - 1], -ones)] if t else [])
        rows.add(entries, 0.0, 0.0)
    for t in range(n_t):  # capacity only once opened, and opened stays so
        rows.add([(cap[:, t], ones), (opened[:, t], -regions["max_mw"].to_numpy())], -np.inf, 0.0)
        if t:
            rows.add([(opened[:, t], ones), (opened[:, t - 1], -ones)], 0.0, np.inf)
    modular = np.flatnonzero(regions["module_mw"].notna().to_numpy())
    module = regions["module_mw"].to_numpy()[modular]
    for t in range(n_t):
        count = columns.add(len(modular), 0, np.inf, 0.0, integer=True)
        rows.add([(add[modular, t], np.ones(len(modular))), (count, -module)], 0.0, 0.0)
    _service(scenario, years, weight, disc, cap, columns, rows)
    if scenario.zone_limits is not None:
        zone_of = regions["zone_id"].to_numpy()
        for zone, year, limit in scenario.zone_limits[["zone_id", "year", "limit_mw"]].itertuples(index=False):
            _row(rows, cap[zone_of == zone, years.index(year)], -np.inf, limit)
    return opened, cap


def _service(scenario, years, weight, disc, cap, columns: _Columns, rows: _Rows) -> None:
    """x[d,r,t] on every listed pair and year, u[d,t]; demand met, service within capacity."""
    regions = list(scenario.regions["region_id"])
    demands = sorted(scenario.demand["demand_id"].unique())
    pairs = scenario.service_costs
    d_idx = np.array([demands.index(d) for d in pairs["demand_id"]])
    r_idx = np.array([regions.index(r) for r in pairs["region_id"]])
    cost = pairs["usd_per_mw_year"].to_numpy()
    mw = scenario.demand.set_index(["demand_id", "year"])["mw"]
    penalty = scenario.config.unserved_penalty_usd_per_mw_year or 0.0
    for t, year in enumerate(years):
        x = columns.add(len(pairs), 0, np.inf, weight * disc[t] * cost)
        u = columns.add(len(demands), 0, np.inf if penalty else 0.0, weight * disc[t] * penalty)
        need = np.array([mw.get((d, year), 0.0) for d in demands])
        # demand rows: for each d, sum_r x + u = need (written row by row: pairs per demand differ)
        for i in range(len(demands)):
            mine = x[d_idx == i]
            _row(rows, np.append(mine, u[i]), need[i], need[i])
        for j in range(len(regions)):
            mine = x[r_idx == j]
            _row(rows, np.append(mine, cap[j, t]), -np.inf, 0.0, last=-1.0)


def _row(rows: _Rows, cols: np.ndarray, lower: float, upper: float, last: float = 1.0) -> None:
    """One row over `cols` with coefficient 1 (the last one `last`)."""
    coefs = np.ones(len(cols))
    coefs[-1] = last
    rows.rows.append(np.full(len(cols), rows.n))
    rows.cols.append(cols)
    rows.vals.append(coefs)
    rows.lower.append(np.array([lower]))
    rows.upper.append(np.array([upper]))
    rows.n += 1


def solve_plain_extensive_form(scenario) -> dict:
    """Build and solve the plain extensive form; the figures the benchmark prints."""
    settings = scenario.config.solver
    started = time.perf_counter()
    highs, size = build_plain_extensive_form(scenario)
    build_seconds = time.perf_counter() - started
    highs.setOptionValue("mip_rel_gap", settings.mip_rel_gap)
    highs.setOptionValue("threads", settings.threads)
    if settings.time_limit_s is not None:
        highs.setOptionValue("time_limit", settings.time_limit_s)
    highs.run()
    info = highs.getInfo()
    objective = info.objective_function_value if info.primal_solution_status == 2 else None
    return size | {
        "termination": highs.getModelStatus().name,
        "objective_usd": objective,
        "best_bound_usd": info.mip_dual_bound,
        "mip_gap": info.mip_gap,
        "build_seconds": build_seconds,
        "solve_seconds": time.perf_counter() - started - build_seconds,
    }
