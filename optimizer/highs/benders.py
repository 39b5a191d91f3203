"""Benders decomposition of a loaded model: sites and builds in a master MIP, service as LP subproblems.

    sub k:   phi_k(x) = min c_k y   s.t.  L_k - B_k x <= A_k y <= U_k - B_k x,  y in bounds   (no integers)
    master:  min c x + sum_k theta_k   s.t. every other row,  theta_k >= phi_k(xb) + g_k (x - xb)
A subproblem is one connected part of the service rows and the continuous columns found only there
(per year, or finer with a latency radius: arcs, served and unserved MW); x are all other columns,
g_k = -B_k' duals_k. Each cut under-estimates phi_k (LP duality), so the master's bound bounds the
whole model, and a master plan x with its subproblems' y is a plan of the whole model at cost
c x + sum_k phi_k(x). Cuts are first added at the master's LP optimum until it equals the model's LP
(Kelley), then at each master MIP plan until plan and bound are within the MIP gap. Every plan must
leave each subproblem a solution (an unserved penalty takes any demand): `NotDecomposable`
otherwise, and the caller solves the whole model instead.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import highspy
import numpy as np
import scipy.sparse
from scipy.sparse.csgraph import connected_components

from optimizer.highs.problem import Problem
from optimizer.highs.progress import Solving, current, listening
from optimizer.highs.run import HighsRunner, Outcome, better_bound, mip_gap, pass_model

LP_TOLERANCE = 1e-6  # relative: the Kelley phase ends when the master LP is this close to the model's LP
LP_ROUNDS = 200  # at most this many Kelley rounds
LP_TIME_SHARE = 0.5  # under a time limit, the Kelley phase ends after this share of it
MASTER_GAP_SHARE = 0.75  # the master MIP's gap, as a share of the requested one: room for the cuts' error
MIN_MASTER_GAP = 1e-6  # below this the master is solved to a zero gap
MIP_ROUNDS = 50  # at most this many master MIP solves
CUT_TOLERANCE = 1e-9  # relative: a subproblem cost this close to its theta adds no cut
THETA_UNITS = 1e4  # theta is scaled so that the first plan's largest subproblem cost is about this
OPTIMAL = highspy.HighsModelStatus.kOptimal


class NotDecomposable(Exception):
    """The model has no part the decomposition can take out, or a subproblem had no solution."""


@dataclass
class Plan:
    cost: float  # of the whole model, offset included
    z: np.ndarray  # every column of the model


@dataclass
class Cut:
    """theta_k >= value + gradient (x[columns] - at), in USD; `columns` are master positions."""

    k: int
    columns: np.ndarray
    gradient: np.ndarray
    value: float
    at: np.ndarray


class Subproblem:
    """One connected part of the service LP, solved again for each plan x (HiGHS warm-starts it)."""

    def __init__(
        self, model: Problem, rows: np.ndarray, cols: np.ndarray, linking: scipy.sparse.csr_matrix, threads: int
    ) -> None:
        self.cols = cols
        self.linked = np.unique(linking.indices)  # the master columns in these rows
        self.linking = linking[:, self.linked]  # rows x those columns
        self.highs = _quiet_highs(threads)
        part = model.part(rows, cols)
        self.lower, self.upper = part.row_lower, part.row_upper
        pass_model(self.highs, part)

    def solve(self, k: int, x: np.ndarray) -> tuple[Cut, np.ndarray]:
        """The cut at master columns x, and y. Run to its end, with no time limit: a plan needs every
        subproblem, and each is one warm-started LP (the master leaves time for them)."""
        at = x[self.linked]
        shift = self.linking @ at
        index = np.arange(len(self.lower), dtype=np.int32)
        self.highs.changeRowsBounds(len(index), index, self.lower - shift, self.upper - shift)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != OPTIMAL:
            raise NotDecomposable(f"a service subproblem ended {status.name} for a plan")
        solution = self.highs.getSolution()
        gradient = -(self.linking.T @ np.asarray(solution.row_dual))  # HiGHS's row dual: d phi / d row bound
        value = self.highs.getInfo().objective_function_value
        return Cut(k, self.linked, gradient, value, at), np.asarray(solution.col_value)


class Benders:
    """The master (every column not in a subproblem, plus one theta per subproblem) and the subproblems."""

    def __init__(self, model: Problem, service_rows: np.ndarray, threads: int) -> None:
        A, self.cost, self.offset, self.n = model.A, model.cost, model.offset, model.n_cols
        in_sub = np.zeros(model.n_rows, dtype=bool)
        in_sub[service_rows] = True
        self.sub_cols = _only_in(A, in_sub, model.integer)
        if not len(self.sub_cols):
            raise NotDecomposable("no continuous columns are found only in the service rows")
        if (self.cost[self.sub_cols] < 0).any() or (model.col_lower[self.sub_cols] < 0).any():
            raise NotDecomposable("a subproblem could cost less than 0 (a negative cost or lower bound)")
        in_sub &= A[:, self.sub_cols].getnnz(axis=1) > 0  # a service row without such columns stays in the master
        sub_rows = np.flatnonzero(in_sub)
        self.master_cols = np.setdiff1d(np.arange(self.n), self.sub_cols)
        service = A[sub_rows]
        linking, own = service[:, self.master_cols].tocsr(), service[:, self.sub_cols].tocsc()
        if not _always_solvable(model, sub_rows, self.sub_cols, own, linking, self.master_cols):
            raise NotDecomposable(
                "a plan could leave a service row without a solution (no unserved penalty, or served MW that a power path fixes)"
            )
        row_part, col_part = _parts(own)
        self.subs = [
            Subproblem(model, sub_rows[row_part == k], self.sub_cols[col_part == k], linking[row_part == k], threads)
            for k in np.unique(col_part)
        ]
        self.master = _quiet_highs(threads)
        master = _with_thetas(model.part(np.flatnonzero(~in_sub), self.master_cols), len(self.subs), self.offset)
        self.integer = master.integer
        pass_model(self.master, master)
        self.integer_now = True
        self.runner = HighsRunner(self.master)
        self.scale = 1.0  # USD per unit of theta (set_scale)
        self.longest_evaluation = 0.0  # seconds: the longest pass over the subproblems so far

    def evaluate(self, master_x: np.ndarray) -> tuple[Plan, list[Cut]]:
        """The whole plan for a master solution, and the cut of each subproblem at it."""
        started = time.perf_counter()
        x = master_x[: len(self.master_cols)]
        z, cuts = np.zeros(self.n), []
        z[self.master_cols] = x
        for k, sub in enumerate(self.subs):
            cut, z[sub.cols] = sub.solve(k, x)
            cuts.append(cut)
        self.longest_evaluation = max(self.longest_evaluation, time.perf_counter() - started)
        return Plan(float(self.cost @ z) + self.offset, z), cuts

    def add_cuts(self, cuts: list[Cut], master_x: np.ndarray) -> int:
        """Add the cuts whose theta the master solution under-states; how many were added."""
        n_master, added = len(self.master_cols), 0
        for cut in cuts:
            if cut.value - master_x[n_master + cut.k] * self.scale <= CUT_TOLERANCE * max(abs(cut.value), 1.0):
                continue
            rhs = (cut.value - cut.gradient @ cut.at) / self.scale
            index = np.append(cut.columns, n_master + cut.k).astype(np.int32)
            self.master.addRow(rhs, np.inf, len(index), index, np.append(-cut.gradient / self.scale, 1.0))
            added += 1
        return added

    def set_scale(self, cuts: list[Cut]) -> None:
        """Measure theta in units that keep the cuts' numbers moderate: HiGHS's feasibility tolerance
        is absolute, and cuts in USD (right-hand sides near 1e10) failed it. Called before any cut."""
        largest = max(cut.value for cut in cuts)
        self.scale = 10.0 ** math.floor(math.log10(largest / THETA_UNITS)) if largest > THETA_UNITS else 1.0
        thetas = np.arange(len(self.master_cols), len(self.master_cols) + len(self.subs), dtype=np.int32)
        self.master.changeColsCost(len(thetas), thetas, np.full(len(thetas), self.scale))

    def run_lp(self, stop_at: float) -> Outcome:
        """Solve the master's LP relaxation (in this process, stopped at `stop_at`)."""
        self._set_integer(False)
        self.master.setOptionValue("output_flag", False)
        return self.runner.run(stop_at=stop_at, kill_at=None, tee=False)

    def run_mip(self, *, gap: float, stop_at: float, kill_at: float | None, start: Plan | None) -> Outcome:
        """Solve the master MIP until `stop_at`; with `kill_at` (a time limit) in a child process stopped
        then (optimizer/highs/run.py). Its log goes to the solve's log."""
        self._set_integer(True)
        self.master.setOptionValue("mip_rel_gap", gap)
        self.master.setOptionValue("output_flag", True)
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(self._master_point(start))
            self.master.setSolution(solution)
        return self.runner.run(stop_at=stop_at, kill_at=kill_at, tee=False)

    def _set_integer(self, integer: bool) -> None:
        if integer != self.integer_now:
            n = len(self.integer)
            self.master.changeColsIntegrality(
                n, np.arange(n, dtype=np.int32), (self.integer & integer).astype(np.int32)
            )
            self.integer_now = integer

    def _master_point(self, plan: Plan) -> np.ndarray:
        """A plan as a master solution: its master columns, and each theta its subproblem's cost."""
        thetas = [float(self.cost[sub.cols] @ plan.z[sub.cols]) / self.scale for sub in self.subs]
        return np.concatenate([plan.z[self.master_cols], thetas])


def solve(problem: Problem, *, gap: float, threads: int, stop_at: float, kill_at: float | None) -> Outcome:
    """Solve `problem` by Benders decomposition on its "service" row group to the relative `gap`.
    Master runs stop at `stop_at` and, with `kill_at` (a time limit), in a child process stopped then;
    both are time.perf_counter() values. Raises NotDecomposable where the decomposition does not apply."""
    progress = _Progress(time.perf_counter())
    benders = Benders(problem, problem.row_groups.get("service", np.empty(0, dtype=int)), threads)
    progress.line(
        f"gridsite Benders: master {len(benders.master_cols)} columns, "
        f"{len(benders.subs)} service subproblems with {len(benders.sub_cols)} columns"
    )
    try:
        with listening(None):  # the master's plans and bounds are not the model's: _Progress reports those
            status = _kelley(benders, progress, progress.started + LP_TIME_SHARE * (stop_at - progress.started))
            if status != highspy.HighsModelStatus.kInfeasible:
                status = _mip_rounds(benders, progress, gap, stop_at, kill_at)
    except NotDecomposable as err:  # numerical trouble in a subproblem: keep the best plan, if any
        if progress.best is None:
            raise
        progress.line(f"stopped: {err}")
        status = highspy.HighsModelStatus.kInterrupt
    best = progress.best
    return Outcome(
        status,
        best.cost if best else None,
        progress.bound,
        best.z if best else None,
        None,
        log="".join(progress.lines),
    )


def _kelley(benders: Benders, progress: _Progress, stop_at: float) -> highspy.HighsModelStatus:
    """Cuts at the master LP's optimum until it is the model's LP (or `stop_at`); kInfeasible if the
    master LP, a relaxation of the model, has no solution, else kNotset."""
    for round_ in range(LP_ROUNDS):
        run = benders.run_lp(stop_at)
        if run.status == highspy.HighsModelStatus.kInfeasible:
            progress.line("the master LP has no solution: nor has the model")
            return run.status
        if run.status != OPTIMAL or run.col_value is None:  # stopped early, or HiGHS found its
            break  # optimum infeasible once unscaled: an LP proves nothing then
        fractional, cuts = benders.evaluate(run.col_value)  # not a plan: an upper end of the model's LP
        if round_ == 0:
            benders.set_scale(cuts)
        progress.bound_by(run.objective)
        progress.line(f"LP round {round_}: bound {run.objective:.6e}, fractional plan {fractional.cost:.6e}")
        if fractional.cost - run.objective <= LP_TOLERANCE * abs(fractional.cost):
            break
        if not benders.add_cuts(cuts, run.col_value) or time.perf_counter() >= stop_at:
            break
    return highspy.HighsModelStatus.kNotset


def _mip_rounds(
    benders: Benders, progress: _Progress, gap: float, stop_at: float, kill_at: float | None
) -> highspy.HighsModelStatus:
    """Master MIP plans and their cuts until plan and bound are within `gap`: kOptimal then, kInfeasible
    if the master has no plan, kTimeLimit at the deadline, else kInterrupt."""
    master_gap = MASTER_GAP_SHARE * gap
    for _ in range(MIP_ROUNDS):
        evaluating = benders.longest_evaluation  # the master stops early enough to price its plan in time
        if time.perf_counter() >= stop_at - evaluating:
            return highspy.HighsModelStatus.kTimeLimit
        run = benders.run_mip(
            gap=master_gap,
            stop_at=stop_at - evaluating,
            kill_at=None if kill_at is None else kill_at - evaluating,
            start=progress.best,
        )
        progress.lines.append(run.log)
        progress.bound_by(run.bound)
        if run.status == highspy.HighsModelStatus.kInfeasible:
            return run.status
        if run.col_value is None:
            return _stopped(run)
        plan, cuts = benders.evaluate(run.col_value)
        progress.plan(plan)
        if progress.gap() <= gap:
            return OPTIMAL
        if benders.add_cuts(cuts, run.col_value):
            continue
        if run.status != OPTIMAL:  # stopped (at its deadline) with a plan its cuts already price
            return _stopped(run)
        if master_gap == 0.0:  # exact cuts at the master's optimum: the model's optimum (to HiGHS's tolerances)
            return OPTIMAL
        master_gap = master_gap / 2 if master_gap > MIN_MASTER_GAP else 0.0  # only the master's own gap is left
    progress.line(f"stopped after {MIP_ROUNDS} master MIP rounds")
    return highspy.HighsModelStatus.kInterrupt


def _stopped(run: Outcome) -> highspy.HighsModelStatus:
    """Why a master run that did not finish ended: kTimeLimit at its deadline (stopped by its callbacks,
    by HiGHS's limit, or killed: no status), else kInterrupt."""
    at_deadline = run.status in (None, highspy.HighsModelStatus.kInterrupt, highspy.HighsModelStatus.kTimeLimit)
    return (
        highspy.HighsModelStatus.kTimeLimit
        if at_deadline and run.error is None
        else highspy.HighsModelStatus.kInterrupt
    )


class _Progress:
    """The best plan and bound so far, and the log lines that report them."""

    def __init__(self, started: float) -> None:
        self.started, self.lines = started, []
        self.best: Plan | None = None
        self.bound: float | None = None
        self.listener = current()  # captured before the master's runs are silenced

    def line(self, text: str) -> None:
        self.lines.append(f"{text}  ({time.perf_counter() - self.started:.2f} s)\n")

    def bound_by(self, bound: float | None) -> None:
        if bound is not None:
            self.bound = better_bound(self.bound, bound)
            self._report()

    def plan(self, plan: Plan) -> None:
        if self.best is None or plan.cost < self.best.cost:
            self.best = plan
        self._report()
        bound = "none" if self.bound is None else f"{self.bound:.6e}"
        self.line(f"master MIP: bound {bound}, plan {plan.cost:.6e}, best {self.best.cost:.6e}, gap {self.gap():.4%}")

    def _report(self) -> None:
        if self.listener is not None:
            self.listener(Solving(self.best.cost if self.best else None, self.bound))

    def gap(self) -> float:
        gap = mip_gap(self.best.cost if self.best else None, self.bound)
        return math.inf if gap is None else gap


def _always_solvable(
    model: Problem, rows: np.ndarray, sub_cols: np.ndarray, own, linking, master_cols: np.ndarray
) -> bool:
    """Whether every subproblem has a solution for every master x within its bounds: its columns at 0
    except slacks (a column in one row only, from 0 up without limit) meet each row. E.g. an unserved
    column takes a demand row's MW, and served <= capacity holds with nothing served."""
    if (model.col_lower[sub_cols] > 0).any():
        return False
    lower, upper = model.row_lower[rows], model.row_upper[rows]
    x_lower, x_upper = model.col_lower[master_cols], model.col_upper[master_cols]
    positive, negative = linking.maximum(0).tocsr(), linking.minimum(0).tocsr()
    for part in (positive, negative):
        part.eliminate_zeros()  # no 0 * inf
    least = positive @ x_lower + negative @ x_upper  # B x over the master's bounds: from least to most
    most = positive @ x_upper + negative @ x_lower
    slack = (own.getnnz(axis=0) == 1) & np.isinf(model.col_upper[sub_cols])  # own: rows x sub_cols
    raised = (own[:, slack] > 0).getnnz(axis=1) > 0  # a slack can add any amount to the row
    lowered = (own[:, slack] < 0).getnnz(axis=1) > 0
    return bool((((lower <= least) | raised) & ((upper >= most) | lowered)).all())


def _with_thetas(master: Problem, k: int, offset: float) -> Problem:
    """The master with k columns theta >= 0 (subproblems cost >= 0) in no row yet, at cost 1, and the offset."""
    return replace(
        master,
        cost=np.append(master.cost, np.ones(k)),
        offset=offset,
        A=scipy.sparse.hstack([master.A, scipy.sparse.csc_matrix((master.n_rows, k))]).tocsc(),
        col_lower=np.append(master.col_lower, np.zeros(k)),
        col_upper=np.append(master.col_upper, np.full(k, np.inf)),
        integer=np.append(master.integer, np.zeros(k, dtype=bool)),
    )


def _only_in(A: scipy.sparse.csc_matrix, in_rows: np.ndarray, integer: np.ndarray) -> np.ndarray:
    """The continuous columns with entries, all of them in the rows marked by `in_rows`."""
    inside = A[in_rows].getnnz(axis=0)
    return np.flatnonzero((inside > 0) & (inside == A.getnnz(axis=0)) & ~integer)


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
