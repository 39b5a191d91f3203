"""Hand a Pyomo model to HiGHS as sparse arrays, run HiGHS, and load its solution back.

Pyomo's persistent HiGHS interface translates one constraint at a time in Python (see
/work/shared/reference/perf_probe.md: about two thirds of Pyomo's cost at scale). Pyomo's own
LinearStandardFormCompiler walks the same model once into a sparse matrix, which highspy takes in
a single `passModel`: the same model, handed off several times faster. Array blocks
(formulations/arrays.py) are appended to the compiled arrays before the hand-off. Results come back
in Pyomo's `Results` form, so status handling is the same as with Pyomo's interface.

A run's time limit is a hard wall-clock deadline (optimizer/highs_run.py).
"""

from __future__ import annotations

import math
import time

import highspy
import numpy as np
import pyomo.environ as pyo
import scipy.sparse
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.common.tee import capture_output
from pyomo.contrib.solver.common.results import Results, SolutionStatus, TerminationCondition
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from formulations import gc_paused
from optimizer.highs_run import HighsRunner, Outcome, handback_margin

# HiGHS model status -> Pyomo termination condition (the ones this model can reach).
TERMINATION = {
    highspy.HighsModelStatus.kOptimal: TerminationCondition.convergenceCriteriaSatisfied,
    highspy.HighsModelStatus.kInfeasible: TerminationCondition.provenInfeasible,
    highspy.HighsModelStatus.kUnboundedOrInfeasible: TerminationCondition.infeasibleOrUnbounded,
    highspy.HighsModelStatus.kUnbounded: TerminationCondition.unbounded,
    highspy.HighsModelStatus.kTimeLimit: TerminationCondition.maxTimeLimit,
    highspy.HighsModelStatus.kInterrupt: TerminationCondition.interrupted,
}


class HighsModel:
    """A Pyomo model loaded into a highspy.Highs instance (columns in `self.columns` order)."""

    @gc_paused()
    def __init__(self, model) -> None:
        with capture_output(capture_fd=True):  # HiGHS prints a banner when created
            self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        self.log = ""  # every run's log, in order
        self.runner = HighsRunner(self.highs)
        self.outcome: Outcome | None = None  # of the last run
        try:
            form = LinearStandardFormCompiler().write(model, mixed_form=True)
        except InfeasibleConstraintException as err:
            # A Pyomo row whose variables are all fixed and which cannot hold.
            self.infeasible_reason, self.columns, self.rows, self.is_mip = str(err), [], [], False
            return
        self.infeasible_reason = None
        self.columns = list(form.columns)  # Pyomo variables; per array block, any it adds, then its own columns
        self.rows = [row.constraint for row in form.rows]  # a ranged constraint has two rows; None: block row
        arrays = _standard_form_arrays(form)
        self.blocks = self._append_blocks(arrays, list(model.array_blocks.values()))
        self._declaration_order(model, arrays)
        if self.highs.passModel(_as_highs_lp(arrays)) == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS rejected the model passed to it")
        integer = np.flatnonzero(arrays["integer"]).astype(np.int32)  # binaries included
        self.is_mip = len(integer) > 0
        if self.is_mip:  # marked here: the HighsLp's integrality takes one Python object per column
            kinds = np.full(len(integer), int(highspy.HighsVarType.kInteger), dtype=np.uint8)
            self.highs.changeColsIntegrality(len(integer), integer, kinds)

    def _append_blocks(self, arrays: dict, blocks: list) -> list[tuple]:
        """Append the array blocks to the compiled arrays: the Pyomo variables they use that the
        compiler left out (in no Pyomo row or cost), then each block's own columns, all their rows
        (one matrix), and their costs on Pyomo variables. Returns (block, its first own column) each."""
        index = {id(var): column for column, var in enumerate(self.columns)}
        left_out = []

        def column(var) -> int:
            col = index.get(id(var))
            if col is None:
                col = index[id(var)] = len(self.columns) + len(left_out)
                left_out.append(var)
            return col

        n_compiled_rows = len(arrays["row_lower"])
        rows, cols, coefs, row_lower, row_upper, cost_cols, cost_weights = [], [], [], [], [], [], []
        for block in blocks:
            first_row = n_compiled_rows + sum(len(lower) for lower in row_lower)
            lower, upper = block.row_lower.astype(float), block.row_upper.astype(float)
            for row, var, coef in block.coupling:
                if var.fixed:  # a constant: move it to the row's bounds
                    lower[row] -= coef * var.value
                    upper[row] -= coef * var.value
                else:
                    rows.append(first_row + row)
                    cols.append(column(var))
                    coefs.append(coef)
            for var, weight in zip(block.priced_vars, block.priced_objective):
                if weight and var.fixed:  # a constant cost
                    arrays["offset"] += weight * var.value
                elif weight:
                    cost_cols.append(column(var))
                    cost_weights.append(weight)
            row_lower.append(lower)
            row_upper.append(upper)
        self.columns.extend(left_out)
        bounds = np.array([v.bounds for v in left_out], dtype=float).reshape(-1, 2)  # None -> nan
        integer = np.array([v.is_integer() for v in left_out], dtype=bool)
        _append_columns(arrays, bounds[:, 0], bounds[:, 1], np.zeros(len(left_out)), integer)
        np.add.at(arrays["cost"], np.asarray(cost_cols, dtype=np.int64), np.asarray(cost_weights, dtype=float))
        compiled = arrays["A"].tocoo()
        pieces = [(compiled.row, compiled.col, compiled.data)]
        pieces.append((np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), np.asarray(coefs, dtype=float)))
        placed, first_row = [], n_compiled_rows
        for block, lower in zip(blocks, row_lower):
            first, own = len(self.columns), block.columns
            _append_columns(arrays, own["lower"].to_numpy(float), own["upper"].to_numpy(float), block.objective, np.zeros(len(own), dtype=bool))
            self.columns.extend([None] * len(own))  # block columns have no Pyomo variable
            matrix = block.matrix.tocoo()
            pieces.append((matrix.row + first_row, matrix.col + first, matrix.data))
            placed.append((block, first))
            first_row += len(lower)
        n_rows, n_cols = first_row, len(self.columns)
        rows, cols, coefs = (np.concatenate(part) for part in zip(*pieces))
        arrays["A"] = scipy.sparse.csc_matrix((coefs, (rows, cols)), shape=(n_rows, n_cols))  # HiGHS takes columns
        arrays["row_lower"] = np.concatenate([arrays["row_lower"], *row_lower])
        arrays["row_upper"] = np.concatenate([arrays["row_upper"], *row_upper])
        self.rows.extend([None] * (n_rows - n_compiled_rows))
        return placed

    def _declaration_order(self, model, arrays: dict) -> None:
        """Put the Pyomo variables' columns in the model's declaration order (block columns stay after
        them), whichever rows are Pyomo's and which an array block's. HiGHS's search depends on column
        order: in order of first use, 1,000 sites with an 800 km radius took 40 and 58 s (seeds 1 and 2)
        against 4-5 s in declaration order (one run each)."""
        n_pyomo = self.blocks[0][1] if self.blocks else len(self.columns)
        position = {id(var): i for i, var in enumerate(model.component_data_objects(pyo.Var))}
        order = np.argsort([position[id(var)] for var in self.columns[:n_pyomo]], kind="stable")
        perm = np.concatenate([order, np.arange(n_pyomo, len(self.columns))])
        for key in ("cost", "col_lower", "col_upper", "integer"):
            arrays[key] = arrays[key][perm]
        arrays["A"] = arrays["A"][:, perm]
        self.columns = [self.columns[i] for i in perm]

    def run(self, *, time_limit_s: float | None, options: dict, tee: bool = False) -> Results:
        """Run HiGHS with `options` for at most `time_limit_s` seconds (None: no limit).

        The returned `solver_log` holds the logs of every run so far on this model, in order."""
        if self.infeasible_reason:
            return _infeasible(self.infeasible_reason)
        started = time.perf_counter()
        limited = time_limit_s is not None
        own_limit = max(time_limit_s - handback_margin(time_limit_s), 0.0) if limited else math.inf
        highs = self.highs
        highs.setOptionValue("output_flag", True)
        highs.setOptionValue("log_to_console", False)  # the log comes through the logging callback
        highs.setOptionValue("time_limit", own_limit)
        if "threads" in options:
            # HiGHS keeps one thread scheduler per process, sized by the first run; a run asking for
            # another thread count fails ("scheduler has already been initialized") unless it is reset.
            # Runs in one process are sequential, so resetting here never disturbs another solve.
            highspy.Highs.resetThreadScheduler(False)  # False: do not block on running workers
        for key, value in options.items():
            highs.setOptionValue(key, value)
        self.outcome = self.runner.run(
            stop_at=started + own_limit, kill_at=started + time_limit_s if limited else None, tee=tee
        )
        highs.setOptionValue("output_flag", False)
        self.log += self.outcome.log
        return self._results(self.outcome, stopped_by_limit=time.perf_counter() >= started + own_limit)

    def load_solution(self) -> None:
        """Copy the last run's solution into the Pyomo variables and the array blocks' `values`."""
        values = self.outcome.col_value
        for var, value in zip(self.columns, values):
            if var is not None:
                var.set_value(value, skip_validation=True)
        for block, first in self.blocks:
            block.values = values[first : first + len(block.columns)]

    def duals(self, constraints) -> dict:
        """Row duals of the last LP solve by constraint (HiGHS's sign: d objective / d right-hand side)."""
        wanted = {id(c): c for c in constraints}
        duals = dict.fromkeys(wanted.values(), 0.0)
        for constraint, dual in zip(self.rows, self.outcome.row_dual):
            if id(constraint) in wanted:
                duals[constraint] += dual
        return duals

    def _results(self, outcome: Outcome, stopped_by_limit: bool) -> Results:
        results = Results()
        results.solver_log = self.log
        status = outcome.status
        if outcome.error:
            results.termination_condition = TerminationCondition.error
        elif status is None or (status == highspy.HighsModelStatus.kInterrupt and stopped_by_limit):
            results.termination_condition = TerminationCondition.maxTimeLimit
        else:
            results.termination_condition = TERMINATION.get(status, TerminationCondition.unknown)
        if status == highspy.HighsModelStatus.kOptimal:
            results.solution_status = SolutionStatus.optimal
        else:
            results.solution_status = SolutionStatus.feasible if outcome.col_value is not None else SolutionStatus.noSolution
        results.incumbent_objective = outcome.objective
        if self.is_mip:
            results.objective_bound = outcome.bound
        else:
            results.objective_bound = outcome.objective if status == highspy.HighsModelStatus.kOptimal else None
        return results


def _infeasible(reason: str) -> Results:
    results = Results()
    results.solver_log = f"not passed to HiGHS: {reason}\n"
    results.termination_condition = TerminationCondition.provenInfeasible
    results.solution_status = SolutionStatus.noSolution
    results.incumbent_objective = results.objective_bound = None
    return results


def _standard_form_arrays(form) -> dict:
    """The compiled model as arrays: costs, offset, matrix, column and row bounds, integrality."""
    lower, upper = np.array([v.bounds for v in form.columns], dtype=float).reshape(-1, 2).T  # None -> nan
    kind = np.array([row.bound_type for row in form.rows])
    rhs = np.asarray(form.rhs, dtype=float)
    n_cols = len(form.columns)
    return {
        "cost": form.c.toarray().ravel() if form.c.shape[0] else np.zeros(n_cols),
        "offset": float(form.c_offset[0]) if len(form.c_offset) else 0.0,
        "A": form.A,
        "col_lower": np.nan_to_num(lower, nan=-np.inf),
        "col_upper": np.nan_to_num(upper, nan=np.inf),
        "integer": np.array([v.is_integer() for v in form.columns], dtype=bool),  # binaries included
        "row_lower": np.where(kind <= 0, rhs, -np.inf),  # 0: equality, -1: lower bound
        "row_upper": np.where(kind >= 0, rhs, np.inf),  # 1: upper bound
    }


def _append_columns(arrays: dict, lower: np.ndarray, upper: np.ndarray, cost: np.ndarray, integer: np.ndarray) -> None:
    """Add columns with these bounds (nan: none), costs and integrality to the column arrays (the
    matrix is widened once, in HighsModel._append_blocks)."""
    arrays["col_lower"] = np.concatenate([arrays["col_lower"], np.nan_to_num(lower, nan=-np.inf)])
    arrays["col_upper"] = np.concatenate([arrays["col_upper"], np.nan_to_num(upper, nan=np.inf)])
    arrays["cost"] = np.concatenate([arrays["cost"], cost])
    arrays["integer"] = np.concatenate([arrays["integer"], integer])


def _as_highs_lp(arrays: dict) -> highspy.HighsLp:
    lp = highspy.HighsLp()
    A = arrays["A"].tocsc()
    lp.num_row_, lp.num_col_ = A.shape
    lp.col_cost_ = arrays["cost"]
    lp.offset_ = arrays["offset"]
    lp.col_lower_, lp.col_upper_ = arrays["col_lower"], arrays["col_upper"]  # HiGHS's infinity is IEEE inf
    lp.row_lower_, lp.row_upper_ = arrays["row_lower"], arrays["row_upper"]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr
    lp.a_matrix_.index_ = A.indices
    lp.a_matrix_.value_ = A.data
    return lp
