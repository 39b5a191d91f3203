"""Benders decomposition of a loaded model: sites and builds in a master MIP, service as LP subproblems.

    sub k:   phi_k(x) = min c_k y   s.t.  L_k - B_k x <= A_k y <= U_k - B_k x,  y in bounds   (no integers)
    master:  min c x + sum_k theta_k   s.t. every other row,  theta_k >= phi_k(xb) + g_k (x - xb)
A subproblem is one connected part of the service rows and the continuous columns found only there
(per year: arcs, served and unserved MW); x are all other columns, g_k = -B_k' duals_k. Each cut
under-estimates phi_k (LP duality), so the master's bound bounds the whole model, and a master plan x
with its subproblems' y is a plan of the whole model at cost c x + sum_k phi_k(x). Cuts are first added
at the master's LP optimum until it equals the model's LP (Kelley), then at each master MIP plan until
plan and bound are within the MIP gap. Subproblems must have a solution for every plan (an unserved
penalty); `NotDecomposable` otherwise, and the caller solves the whole model instead.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse
from scipy.sparse.csgraph import connected_components

from optimizer.highs_run import HighsRunner, Outcome, pass_model

LP_TOLERANCE = 1e-6  # relative: the Kelley phase ends when the master LP is this close to the model's LP
LP_ROUNDS = 200  # at most this many Kelley rounds
LP_TIME_SHARE = 0.5  # under a time limit, the Kelley phase ends after this share of it
MASTER_GAP_SHARE = 0.75  # the master MIP's gap, as a share of the requested one: room for the cuts' error
MIN_MASTER_GAP = 1e-6  # below this the master is solved to a zero gap
MIP_ROUNDS = 50  # at most this many master MIP solves
CUT_TOLERANCE = 1e-9  # relative: a subproblem cost this close to its theta adds no cut
THETA_UNITS = 1e4  # theta is scaled so that the first plan's largest subproblem cost is about this


class NotDecomposable(Exception):
    """The model has no part the decomposition can take out, or a subproblem had no solution."""


@dataclass
class Plan:
    cost: float  # of the whole model, offset included
    z: np.ndarray  # every column of the model


class Subproblem:
    """One connected part of the service LP, solved again for each plan x (HiGHS warm-starts it)."""

    def __init__(self, model: dict, rows: np.ndarray, cols: np.ndarray, linking: scipy.sparse.csr_matrix, threads: int) -> None:
        self.rows, self.cols, self.linking = rows, cols, linking  # linking: these rows x all columns
        self.highs = _quiet_highs(threads)
        arrays = _part(model, rows, cols)
        self.lower, self.upper = arrays["row_lower"], arrays["row_upper"]
        pass_model(self.highs, arrays | {"offset": 0.0})

    def solve(self, x: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """phi(x); its gradient at x (every column, 0 off the linking ones); and y. Run to its end, with
        no time limit: a plan needs every subproblem, and each is one warm-started LP."""
        shift = self.linking @ x
        index = np.arange(len(self.rows), dtype=np.int32)
        self.highs.changeRowsBounds(len(index), index, self.lower - shift, self.upper - shift)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise NotDecomposable(f"a service subproblem ended {status.name} for a plan")
        solution = self.highs.getSolution()
        duals = np.asarray(solution.row_dual)  # HiGHS's sign: d phi / d row bound
        return self.highs.getInfo().objective_function_value, -(self.linking.T @ duals), np.asarray(solution.col_value)


class Benders:
    """The master (every column not in a subproblem, plus one theta per subproblem) and the subproblems."""

    def __init__(self, lp: highspy.HighsLp, service_rows: np.ndarray, threads: int) -> None:
        model = _model_arrays(lp)
        A, self.cost, self.offset, self.n = model["A"], model["cost"], model["offset"], lp.num_col_
        in_sub = np.zeros(lp.num_row_, dtype=bool)
        in_sub[service_rows] = True
        self.sub_cols = _only_in(A, in_sub, model["integer"])
        if not len(self.sub_cols):
            raise NotDecomposable("no continuous columns are found only in the service rows")
        if (self.cost[self.sub_cols] < 0).any() or (model["col_lower"][self.sub_cols] < 0).any():
            raise NotDecomposable("a subproblem could cost less than 0 (a negative cost or lower bound)")
        in_sub &= A[:, self.sub_cols].getnnz(axis=1) > 0  # a service row without such columns stays in the master
        sub_rows = np.flatnonzero(in_sub)
        linking = _without_columns(A[sub_rows], self.sub_cols)
        both_sides = np.isfinite(model["row_lower"][sub_rows]) & np.isfinite(model["row_upper"][sub_rows])
        if (both_sides & (linking.getnnz(axis=1) > 0)).any():
            # e.g. served MW the master fixes because a power path also uses it: a plan may leave no solution
            raise NotDecomposable("a service row bounded on both sides holds a master column")
        row_part, col_part = _parts(A[sub_rows][:, self.sub_cols])
        self.subs = [
            Subproblem(model, sub_rows[row_part == k], self.sub_cols[col_part == k], linking[row_part == k], threads)
            for k in np.unique(col_part)
        ]
        self.master_cols = np.setdiff1d(np.arange(self.n), self.sub_cols)
        self.master = _quiet_highs(threads)
        master = _part(model, np.flatnonzero(~in_sub), self.master_cols)
        self.integer = np.concatenate([master["integer"], np.zeros(len(self.subs), dtype=bool)])
        pass_model(self.master, _with_thetas(master, len(self.subs)) | {"offset": self.offset, "integer": self.integer})
        self.integer_now = True
        self.runner = HighsRunner(self.master)
        self.scale = 1.0  # USD per unit of theta (set_scale)

    def evaluate(self, master_x: np.ndarray) -> tuple[Plan, list]:
        """The whole plan for a master solution, and per subproblem the cut at it (k, gradient, phi)."""
        z = np.zeros(self.n)
        z[self.master_cols] = master_x[: len(self.master_cols)]
        x, cuts = z.copy(), []
        for k, sub in enumerate(self.subs):
            value, gradient, z[sub.cols] = sub.solve(x)
            cuts.append((k, gradient, value))
        return Plan(float(self.cost @ z) + self.offset, z), cuts

    def add_cuts(self, cuts: list, master_x: np.ndarray, plan: Plan) -> int:
        """Add the cuts whose theta the master solution under-states; how many were added."""
        n_master, added = len(self.master_cols), 0
        for k, gradient, value in cuts:
            if value - master_x[n_master + k] * self.scale <= CUT_TOLERANCE * max(abs(value), 1.0):
                continue
            g = gradient[self.master_cols]
            nz = np.flatnonzero(g)
            rhs = (value - g[nz] @ plan.z[self.master_cols][nz]) / self.scale
            index = np.append(nz, n_master + k).astype(np.int32)
            self.master.addRow(rhs, np.inf, len(index), index, np.append(-g[nz] / self.scale, 1.0))
            added += 1
        return added

    def set_scale(self, cuts: list) -> None:
        """Measure theta in units that keep the cuts' numbers moderate: HiGHS's feasibility tolerance
        is absolute, and cuts in USD (right-hand sides near 1e10) failed it."""
        largest = max(value for _, _, value in cuts)
        self.scale = 10.0 ** math.floor(math.log10(largest / THETA_UNITS)) if largest > THETA_UNITS else 1.0
        thetas = np.arange(len(self.master_cols), len(self.master_cols) + len(self.subs), dtype=np.int32)
        self.master.changeColsCost(len(thetas), thetas, np.full(len(thetas), self.scale))

    def run_master(self, *, integer: bool, gap: float, stop_at: float, kill_at: float | None, start: Plan | None) -> Outcome:
        """Solve the master, or its LP relaxation, until `stop_at`; a MIP run with `kill_at` runs in a
        child process stopped then (optimizer/highs_run.py), and its log goes to the solve's log."""
        master = self.master
        if integer != self.integer_now:
            n = len(self.integer)
            master.changeColsIntegrality(n, np.arange(n, dtype=np.int32), (self.integer & integer).astype(np.int32))
            self.integer_now = integer
        master.setOptionValue("mip_rel_gap", gap)
        master.setOptionValue("output_flag", integer)
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(self._master_point(start))
            master.setSolution(solution)
        return self.runner.run(stop_at=stop_at, kill_at=kill_at if integer else None, tee=False)

    def _master_point(self, plan: Plan) -> np.ndarray:
        """A plan as a master solution: its master columns, and each theta its subproblem's cost."""
        thetas = [float(self.cost[sub.cols] @ plan.z[sub.cols]) / self.scale for sub in self.subs]
        return np.concatenate([plan.z[self.master_cols], thetas])


def solve(lp: highspy.HighsLp, service_rows: np.ndarray, *, gap: float, threads: int, stop_at: float, kill_at: float | None) -> Outcome:
    """Solve the model in `lp` by Benders decomposition on its `service_rows` to the relative `gap`.
    Master runs stop at `stop_at` and, with `kill_at` (a time limit), in a child process stopped then;
    both are time.perf_counter() values. Raises NotDecomposable where the decomposition does not apply."""
    started = time.perf_counter()
    benders = Benders(lp, service_rows, threads)
    log = _Log(started)
    log.line(
        f"gridsite Benders: master {len(benders.master_cols)} columns, "
        f"{len(benders.subs)} service subproblems with {len(benders.sub_cols)} columns"
    )
    lp_stop_at = started + LP_TIME_SHARE * (stop_at - started)  # leave time for plans
    for round_ in range(LP_ROUNDS):  # Kelley: the master LP up to the model's LP
        run = benders.run_master(integer=False, gap=gap, stop_at=lp_stop_at, kill_at=None, start=None)
        if run.status != highspy.HighsModelStatus.kOptimal or run.col_value is None:  # stopped early, or
            break  # HiGHS found its optimum infeasible once unscaled: an LP proves nothing then
        fractional, cuts = benders.evaluate(run.col_value)  # not a plan: an upper end of the model's LP
        if round_ == 0:
            benders.set_scale(cuts)
        log.bound(run.objective)
        log.line(f"LP round {round_}: bound {run.objective:.6e}, fractional plan {fractional.cost:.6e}")
        converged = fractional.cost - run.objective <= LP_TOLERANCE * abs(fractional.cost)
        if converged or not benders.add_cuts(cuts, run.col_value, fractional) or time.perf_counter() >= lp_stop_at:
            break
    master_gap, done = MASTER_GAP_SHARE * gap, False
    for _ in range(MIP_ROUNDS):
        if time.perf_counter() >= stop_at:
            break
        run = benders.run_master(integer=True, gap=master_gap, stop_at=stop_at, kill_at=kill_at, start=log.best)
        log.lines.append(run.log)
        log.bound(run.bound)
        if run.col_value is None:
            break
        plan, cuts = benders.evaluate(run.col_value)
        log.plan(plan)
        done = log.gap() <= gap
        if done:
            break
        if benders.add_cuts(cuts, run.col_value, plan):
            continue
        # The cuts are exact at this plan: only the master's own gap is left. Halve it, down to 0,
        # where the plan is the master's optimum and so the model's (to HiGHS's tolerances).
        done = master_gap == 0.0
        if done:
            break
        master_gap = master_gap / 2 if master_gap > MIN_MASTER_GAP else 0.0
    best = log.best
    return Outcome(
        highspy.HighsModelStatus.kOptimal if done else highspy.HighsModelStatus.kInterrupt,
        best.cost if best else None,
        log.best_bound if math.isfinite(log.best_bound) else None,
        best.z if best else None,
        None,
        log="".join(log.lines),
    )


class _Log:
    """The best plan and bound so far, and the log lines that report them."""

    def __init__(self, started: float) -> None:
        self.started, self.lines = started, []
        self.best: Plan | None = None
        self.best_bound = -math.inf

    def line(self, text: str) -> None:
        self.lines.append(f"{text}  ({time.perf_counter() - self.started:.2f} s)\n")

    def bound(self, bound: float | None) -> None:
        if bound is not None:
            self.best_bound = max(self.best_bound, bound)

    def plan(self, plan: Plan) -> None:
        if self.best is None or plan.cost < self.best.cost:
            self.best = plan
        self.line(
            f"master MIP: bound {self.best_bound:.6e}, plan {plan.cost:.6e}, best {self.best.cost:.6e}, "
            f"gap {self.gap():.4%}"
        )

    def gap(self) -> float:
        if self.best is None or not math.isfinite(self.best_bound):
            return math.inf
        return (self.best.cost - self.best_bound) / max(abs(self.best.cost), 1e-9)


def _model_arrays(lp: highspy.HighsLp) -> dict:
    """The model in `lp` as arrays (the form optimizer.highs_run.pass_model takes)."""
    a = lp.a_matrix_
    shape = (lp.num_row_, lp.num_col_)
    integrality = np.asarray(lp.integrality_, dtype=int) if len(lp.integrality_) else np.zeros(lp.num_col_, dtype=int)
    return {
        "A": scipy.sparse.csc_matrix((np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_)), shape=shape),
        "cost": np.asarray(lp.col_cost_),
        "offset": lp.offset_,
        "col_lower": np.asarray(lp.col_lower_),
        "col_upper": np.asarray(lp.col_upper_),
        "row_lower": np.asarray(lp.row_lower_),
        "row_upper": np.asarray(lp.row_upper_),
        "integer": integrality != 0,
    }


def _part(model: dict, rows: np.ndarray, cols: np.ndarray) -> dict:
    """The rows x columns part of the model's arrays."""
    return {
        "A": model["A"][rows][:, cols],
        "cost": model["cost"][cols],
        "col_lower": model["col_lower"][cols],
        "col_upper": model["col_upper"][cols],
        "row_lower": model["row_lower"][rows],
        "row_upper": model["row_upper"][rows],
        "integer": model["integer"][cols],
    }


def _with_thetas(arrays: dict, k: int) -> dict:
    """The master's arrays with k columns theta >= 0 (subproblems cost >= 0) in no row yet, at cost 1."""
    return arrays | {
        "A": scipy.sparse.hstack([arrays["A"], scipy.sparse.csc_matrix((arrays["A"].shape[0], k))]),
        "cost": np.append(arrays["cost"], np.ones(k)),
        "col_lower": np.append(arrays["col_lower"], np.zeros(k)),
        "col_upper": np.append(arrays["col_upper"], np.full(k, np.inf)),
    }


def _only_in(A: scipy.sparse.csc_matrix, in_rows: np.ndarray, integer: np.ndarray) -> np.ndarray:
    """The continuous columns with entries, all of them in the rows marked by `in_rows`."""
    inside = A[in_rows].getnnz(axis=0)
    return np.flatnonzero((inside > 0) & (inside == A.getnnz(axis=0)) & ~integer)


def _without_columns(rows: scipy.sparse.spmatrix, cols: np.ndarray) -> scipy.sparse.csr_matrix:
    """`rows` with the entries in `cols` removed (the same shape)."""
    keep = np.ones(rows.shape[1])
    keep[cols] = 0.0
    kept = (rows @ scipy.sparse.diags(keep)).tocsr()
    kept.eliminate_zeros()
    return kept


def _parts(matrix: scipy.sparse.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """The connected part of each row and of each column of a rows x columns matrix."""
    n_rows = matrix.shape[0]
    graph = scipy.sparse.bmat([[None, matrix], [matrix.T, None]], format="csr")
    part = connected_components(graph, directed=False)[1]
    return part[:n_rows], part[n_rows:]


def _quiet_highs(threads: int) -> highspy.Highs:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("log_to_console", False)  # a log, when on, comes through the logging callback
    highs.setOptionValue("threads", threads)
    return highs
