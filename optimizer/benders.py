"""Benders decomposition of a loaded model: sites and builds in a master MIP, service as LP subproblems.

    sub k:   phi_k(x) = min c_k y   s.t.  L_k - B_k x <= A_k y <= U_k - B_k x,  y in bounds   (no integers)
    master:  min c x + sum_k theta_k   s.t. every other row,  theta_k >= phi_k(xb) + g_k (x - xb)
A subproblem is one connected part of the service rows and the continuous columns found only there
(one per year: arcs, served and unserved MW); x are all other columns, g_k = -B_k' duals_k. Each cut
under-estimates phi_k (LP duality), so the master's bound bounds the whole model, and a master plan x
with its subproblems' y is a plan of the whole model at cost c x + sum_k phi_k(x). Cuts are first added
at the master's LP optimum until it equals the model's LP (Kelley), then at each master MIP plan until
plan and bound are within the MIP gap. Needs subproblems that are feasible for every plan (an unserved
penalty): `NotDecomposable` otherwise, and the caller solves the whole model instead.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse
from scipy.sparse.csgraph import connected_components

from optimizer.highs_run import Outcome

LP_TOLERANCE = 1e-6  # relative: the Kelley phase ends when the master LP is this close to the model's LP
LP_ROUNDS = 200  # at most this many Kelley rounds
MASTER_GAP_SHARE = 0.75  # the master MIP is solved to this share of the requested gap, leaving room for its cuts
MIN_MASTER_GAP = 1e-6  # below this the master is solved to a zero gap
MIP_ROUNDS = 50  # at most this many master MIP solves
CUT_TOLERANCE = 1e-9  # relative: a subproblem cost this close to its theta adds no cut


class NotDecomposable(Exception):
    """The model has no part the decomposition can take out, or a subproblem had no solution."""


def matrix_of(lp: highspy.HighsLp) -> scipy.sparse.csc_matrix:
    a = lp.a_matrix_
    return scipy.sparse.csc_matrix(
        (np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_)), shape=(lp.num_row_, lp.num_col_)
    )


class Subproblem:
    """One connected part of the service LP, re-solved for each plan x (warm-started by HiGHS)."""

    def __init__(self, lp: highspy.HighsLp, A: scipy.sparse.csc_matrix, rows: np.ndarray, cols: np.ndarray, linking: scipy.sparse.csr_matrix, threads: int) -> None:
        self.rows, self.cols, self.linking = rows, cols, linking  # linking: rows x all columns (master terms)
        self.lower, self.upper = np.asarray(lp.row_lower_)[rows], np.asarray(lp.row_upper_)[rows]
        self.cost = np.asarray(lp.col_cost_)[cols]
        self.highs = _quiet_highs(threads)
        part = A[rows][:, cols].tocsc()
        self.highs.passModel(
            len(cols), len(rows), part.nnz, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize), 0.0,
            self.cost, np.asarray(lp.col_lower_)[cols], np.asarray(lp.col_upper_)[cols], self.lower, self.upper,
            part.indptr.astype(np.int32), part.indices.astype(np.int32), part.data, np.zeros(len(cols), dtype=np.int32),
        )

    def solve(self, x: np.ndarray, seconds: float) -> tuple[float, np.ndarray, np.ndarray]:
        """phi(x), the gradient of phi at x (all columns, zero off the linking ones), and y."""
        shift = self.linking @ x
        self.highs.changeRowsBounds(len(self.rows), np.arange(len(self.rows), dtype=np.int32), self.lower - shift, self.upper - shift)
        self.highs.setOptionValue("time_limit", max(seconds, 0.0))
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise NotDecomposable(f"a service subproblem ended {self.highs.getModelStatus().name} for a plan")
        solution = self.highs.getSolution()
        duals = np.asarray(solution.row_dual)  # HiGHS: d phi / d row bound
        return self.highs.getInfo().objective_function_value, -(self.linking.T @ duals), np.asarray(solution.col_value)


@dataclass
class Plan:
    cost: float  # of the whole model, offset included
    z: np.ndarray  # every column of the model


class Benders:
    """The master (every column not in a subproblem, plus one theta per subproblem) and the subproblems."""

    def __init__(self, lp: highspy.HighsLp, sub_rows: np.ndarray, threads: int) -> None:
        A = matrix_of(lp)
        self.lp, self.n = lp, lp.num_col_
        self.cost = np.asarray(lp.col_cost_)
        in_sub_row = np.zeros(lp.num_row_, dtype=bool)
        in_sub_row[sub_rows] = True
        sub_cols = _only_in(A, in_sub_row, np.asarray(lp.integrality_, dtype=int) if len(lp.integrality_) else np.zeros(self.n, dtype=int))
        if not len(sub_cols):
            raise NotDecomposable("no continuous columns are found only in the service rows")
        if (self.cost[sub_cols] < 0).any() or (np.asarray(lp.col_lower_)[sub_cols] < 0).any():
            raise NotDecomposable("a subproblem could cost less than 0 (a negative cost or lower bound)")
        in_sub_row &= A[:, sub_cols].getnnz(axis=1) > 0  # a service row without such columns stays in the master
        rows = A[in_sub_row]
        part_of = _parts(rows[:, sub_cols])
        master_mask = np.ones(self.n)
        master_mask[sub_cols] = 0.0
        linking = (rows @ scipy.sparse.diags(master_mask)).tocsr()  # the sub rows' terms on master columns
        linking.eliminate_zeros()
        bounded = np.isfinite(np.asarray(lp.row_lower_)[in_sub_row]) & np.isfinite(np.asarray(lp.row_upper_)[in_sub_row])
        if (bounded & (linking.getnnz(axis=1) > 0)).any():
            # e.g. served MW fixed by the master where a power path also uses it: a plan could leave no solution
            raise NotDecomposable("a service row bounded on both sides holds a master column")
        row_index = np.flatnonzero(in_sub_row)
        n_rows = len(row_index)
        self.subs = []
        for k in range(part_of.max() + 1):
            own_rows = np.flatnonzero(part_of[:n_rows] == k)
            own_cols = sub_cols[part_of[n_rows:] == k]
            if len(own_cols):
                self.subs.append(Subproblem(lp, A, row_index[own_rows], own_cols, linking[own_rows], threads))
        self.sub_cols = sub_cols
        self.master_cols = np.setdiff1d(np.arange(self.n), sub_cols)
        self.master_rows = np.flatnonzero(~in_sub_row)
        self.master = self._master(A, threads)
        self.scale = 1.0  # USD per unit of theta, set from the first plan's subproblem costs
        self.integer_now = False  # whether the master's integrality is on

    def _master(self, A: scipy.sparse.csc_matrix, threads: int) -> highspy.Highs:
        lp, cols, rows, k = self.lp, self.master_cols, self.master_rows, len(self.subs)
        part = A[rows][:, cols].tocsc()
        part = scipy.sparse.hstack([part, scipy.sparse.csc_matrix((len(rows), k))]).tocsc()
        integrality = np.asarray(lp.integrality_, dtype=int)[cols] if len(lp.integrality_) else np.zeros(len(cols), dtype=int)
        self.integer = np.concatenate([integrality, np.zeros(k, dtype=int)]).astype(np.int32)
        highs = _quiet_highs(threads)
        highs.passModel(
            len(cols) + k, len(rows), part.nnz, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize),
            lp.offset_, np.concatenate([self.cost[cols], np.ones(k)]),
            np.concatenate([np.asarray(lp.col_lower_)[cols], np.zeros(k)]),  # theta >= 0: subproblems cost >= 0
            np.concatenate([np.asarray(lp.col_upper_)[cols], np.full(k, np.inf)]),
            np.asarray(lp.row_lower_)[rows], np.asarray(lp.row_upper_)[rows],
            part.indptr.astype(np.int32), part.indices.astype(np.int32), part.data, np.zeros(len(cols) + k, dtype=np.int32),
        )
        return highs

    def evaluate(self, master_x: np.ndarray, stop_at: float) -> tuple[Plan, list]:
        """The whole plan for the master's plan, and a cut per subproblem at it (theta_k, gradient, value)."""
        x = np.zeros(self.n)
        x[self.master_cols] = master_x[: len(self.master_cols)]
        z, cuts = x.copy(), []
        for k, sub in enumerate(self.subs):
            value, gradient, y = sub.solve(x, stop_at - time.perf_counter())
            z[sub.cols] = y
            cuts.append((k, gradient, value))
        return Plan(float(self.cost @ z) + self.lp.offset_, z), cuts

    def add_cuts(self, cuts: list, master_x: np.ndarray, x_of_plan: np.ndarray) -> int:
        """Add the cuts that the master's thetas violate; how many were added."""
        n_master, added = len(self.master_cols), 0
        theta = master_x[n_master:]
        for k, gradient, value in cuts:
            if value - theta[k] * self.scale <= CUT_TOLERANCE * max(abs(value), 1.0):
                continue
            g = gradient[self.master_cols]
            nz = np.flatnonzero(g)
            rhs = (value - g[nz] @ x_of_plan[self.master_cols][nz]) / self.scale
            index = np.concatenate([nz, [n_master + k]]).astype(np.int32)
            self.master.addRow(rhs, np.inf, len(index), index, np.concatenate([-g[nz] / self.scale, [1.0]]))
            added += 1
        return added

    def set_scale(self, cuts: list) -> None:
        """Express theta in units that keep cut coefficients and right-hand sides moderate (HiGHS's
        feasibility tolerance is absolute: a cut with a right-hand side of 1e10 USD failed it)."""
        largest = max((value for _, _, value in cuts), default=0.0)
        self.scale = max(1.0, 10 ** math.floor(math.log10(largest / 1e4))) if largest > 1e4 else 1.0
        n_master = len(self.master_cols)
        index = np.arange(n_master, n_master + len(self.subs), dtype=np.int32)
        self.master.changeColsCost(len(index), index, np.full(len(index), self.scale))

    def run_master(self, *, integer: bool, gap: float, stop_at: float, start: Plan | None) -> tuple[np.ndarray | None, float | None]:
        master = self.master
        if integer != self.integer_now:
            n = len(self.integer)
            master.changeColsIntegrality(n, np.arange(n, dtype=np.int32), self.integer if integer else np.zeros(n, dtype=np.int32))
            self.integer_now = integer
        master.setOptionValue("mip_rel_gap", gap)
        master.setOptionValue("time_limit", max(stop_at - time.perf_counter(), 0.0))
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(self.master_point(start))
            master.setSolution(solution)
        master.run()
        info = master.getInfo()
        if info.primal_solution_status != 2:  # 2: feasible
            return None, None
        bound = info.mip_dual_bound if integer else info.objective_function_value
        if master.getModelStatus() != highspy.HighsModelStatus.kOptimal and not integer:
            bound = None  # an LP stopped early proves nothing
        return np.asarray(master.getSolution().col_value), bound if bound is not None and math.isfinite(bound) else None

    def master_point(self, plan: Plan) -> np.ndarray:
        """A plan as a master solution: its master columns, and each theta its subproblem's cost."""
        thetas = [float(self.cost[sub.cols] @ plan.z[sub.cols]) / self.scale for sub in self.subs]
        return np.concatenate([plan.z[self.master_cols], thetas])


def solve(lp: highspy.HighsLp, sub_rows: np.ndarray, *, gap: float, threads: int, stop_at: float) -> Outcome:
    """Solve the model in `lp` by Benders decomposition on `sub_rows` to the relative `gap`, stopping at
    `stop_at` (time.perf_counter()). Raises NotDecomposable when the model does not allow it."""
    started = time.perf_counter()
    benders = Benders(lp, sub_rows, threads)
    lines = [f"gridsite Benders: master {len(benders.master_cols)} columns, {len(benders.subs)} service subproblems "
             f"with {len(benders.sub_cols)} columns\n"]
    bound, best = -math.inf, None

    def report(stage: str, plan: Plan, master_bound: float | None) -> None:
        nonlocal bound, best
        if master_bound is not None:
            bound = max(bound, master_bound)
        if best is None or plan.cost < best.cost:
            best = plan
        lines.append(f"{stage}: bound {bound:.6e}  plan {plan.cost:.6e}  best {best.cost:.6e}  gap {_gap(best.cost, bound):.4%}  "
                     f"{time.perf_counter() - started:.2f} s\n")

    for round_ in range(LP_ROUNDS):  # Kelley: the master LP up to the model's LP
        x, lp_bound = benders.run_master(integer=False, gap=gap, stop_at=stop_at, start=None)
        if x is None:
            break
        plan, cuts = benders.evaluate(x, stop_at)
        if round_ == 0:
            benders.set_scale(cuts)
        lp_plan_cost = plan.cost  # a fractional plan: not kept as a solution, only as the LP's upper end
        lines.append(f"LP round {round_}: bound {lp_bound:.6e}  fractional plan {lp_plan_cost:.6e}\n")
        if lp_bound is not None:
            bound = max(bound, lp_bound)
        if lp_bound is not None and lp_plan_cost - lp_bound <= LP_TOLERANCE * abs(lp_plan_cost):
            break
        if not benders.add_cuts(cuts, x, plan.z) or time.perf_counter() >= stop_at:
            break
    master_gap, done = MASTER_GAP_SHARE * gap, False
    for _ in range(MIP_ROUNDS):
        if time.perf_counter() >= stop_at:
            break
        x, master_bound = benders.run_master(integer=True, gap=master_gap, stop_at=stop_at, start=best)
        if x is None:
            break
        plan, cuts = benders.evaluate(x, stop_at)
        report("master MIP", plan, master_bound)
        done = _gap(best.cost, bound) <= gap
        if done:
            break
        if not benders.add_cuts(cuts, x, plan.z):
            # The cuts are exact at this plan: only the master's own gap is left. Halve it, down to 0,
            # where the plan is the master's optimum and so the model's (to HiGHS's tolerances).
            done = master_gap == 0.0
            if done:
                break
            master_gap = master_gap / 2 if master_gap > MIN_MASTER_GAP else 0.0
    status = highspy.HighsModelStatus.kOptimal if done else highspy.HighsModelStatus.kInterrupt
    return Outcome(
        status, best.cost if best else None, bound if math.isfinite(bound) else None, best.z if best else None, None,
        log="".join(lines),
    )


def _gap(cost: float, bound: float) -> float:
    return (cost - bound) / max(abs(cost), 1e-9) if math.isfinite(bound) else math.inf


def _only_in(A: scipy.sparse.csc_matrix, in_rows: np.ndarray, integrality: np.ndarray) -> np.ndarray:
    """The continuous columns with entries, all of them in the rows marked by `in_rows`."""
    inside = A[in_rows].getnnz(axis=0)
    return np.flatnonzero((inside > 0) & (inside == A.getnnz(axis=0)) & (integrality == 0))


def _parts(matrix: scipy.sparse.spmatrix) -> np.ndarray:
    """The connected part of each row, then of each column, of a rows x columns matrix."""
    graph = scipy.sparse.bmat([[None, matrix], [matrix.T, None]], format="csr")
    return connected_components(graph, directed=False)[1]


def _quiet_highs(threads: int) -> highspy.Highs:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", threads)
    return highs
