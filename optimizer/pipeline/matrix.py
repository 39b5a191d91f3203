"""A Pyomo model compiled into a Problem (optimizer/highs/problem.py), and a solution loaded back.

Pyomo's persistent HiGHS interface translates one constraint at a time in Python (see
/work/shared/reference/perf_probe.md: about two thirds of Pyomo's cost at scale). Pyomo's own
LinearStandardFormCompiler walks the same model once into a sparse matrix, which highspy takes in
a single `passModel`: the same model, handed off several times faster. Array blocks
(formulations/arrays.py) are appended to the compiled arrays, each block's rows named as a row group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.repn import generate_standard_repn
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from formulations import gc_paused
from optimizer.highs import Problem


class ModelMatrix:
    """A Pyomo model compiled into a Problem for HiGHS (columns in `self.columns` order), and the way
    back: a solution into the Pyomo variables and array blocks, row duals to constraints, a MIP start
    from variable names to columns."""

    @gc_paused()
    def __init__(self, model) -> None:
        self.model = model
        try:
            form = LinearStandardFormCompiler().write(model, mixed_form=True)
        except InfeasibleConstraintException as err:
            # A Pyomo row whose variables are all fixed and which cannot hold.
            self.infeasible_reason, self.columns, self.rows, self.problem = str(err), [], [], None
            return
        self.infeasible_reason = None
        self.columns = list(
            form.columns
        )  # at the end: every Pyomo variable (declaration order), then each block's own columns
        self.rows = [row.constraint for row in form.rows]  # a ranged constraint has two rows; None: block row
        arrays = _standard_form_arrays(form)
        self.block_rows: dict[str, np.ndarray] = {}  # block name -> its rows (set by _append_blocks)
        self.blocks = self._append_blocks(arrays, model.array_blocks)
        self._declaration_order(model, arrays)
        self.problem = Problem(row_groups=self.block_rows, **arrays)

    def _append_blocks(self, arrays: dict, named_blocks: dict) -> list[tuple]:
        """Append the array blocks to the compiled arrays: the Pyomo variables they use that the
        compiler left out (in no Pyomo row or cost), then each block's own columns, all their rows
        (one matrix), and their costs on Pyomo variables. Returns (block, its first own column) each,
        and records each block's rows by name in `block_rows`."""
        blocks = list(named_blocks.values())
        n_compiled_rows = len(arrays["row_lower"])
        row_lower, row_upper, coupled, priced = [], [], [], []
        first_row = n_compiled_rows
        for block in blocks:
            lower, upper = block.row_lower.astype(float), block.row_upper.astype(float)
            rows, variables, coefs = _arrays_of(block.coupling)
            free, constant = _split_fixed(variables, coefs)
            np.subtract.at(lower, rows, constant)  # a fixed variable's term is a constant: into the bounds
            np.subtract.at(upper, rows, constant)
            coupled.append((rows[free] + first_row, [variables[i] for i in free], coefs[free]))
            weights = np.asarray(block.priced_objective, dtype=float)
            free, constant = _split_fixed(block.priced_vars, weights)
            arrays["offset"] += constant.sum()
            priced.append(([block.priced_vars[i] for i in free], weights[free]))
            row_lower.append(lower)
            row_upper.append(upper)
            first_row += len(lower)
        coupled_vars = [var for _, variables, _ in coupled for var in variables]
        cols = self._columns_of(arrays, coupled_vars + [var for variables, _ in priced for var in variables])
        np.add.at(
            arrays["cost"],
            cols[len(coupled_vars) :],
            np.concatenate([np.empty(0), *(weights for _, weights in priced)]),
        )
        compiled = arrays["A"].tocoo()
        pieces = [
            (compiled.row, compiled.col, compiled.data),
            (
                np.concatenate([np.empty(0, dtype=np.int64), *(rows for rows, _, _ in coupled)]),
                cols[: len(coupled_vars)],
                np.concatenate([np.empty(0), *(coefs for _, _, coefs in coupled)]),
            ),
        ]
        placed, first_row = [], n_compiled_rows
        for name, block, lower in zip(named_blocks, blocks, row_lower):
            self.block_rows[name] = np.arange(first_row, first_row + len(lower))
            first, own = len(self.columns), block.columns
            _append_columns(
                arrays,
                own["lower"].to_numpy(float),
                own["upper"].to_numpy(float),
                block.objective,
                np.zeros(len(own), dtype=bool),
            )
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

    def _columns_of(self, arrays: dict, variables: list) -> np.ndarray:
        """The column of each (free) Pyomo variable; those not yet among the columns (the compiler
        leaves out a variable in no Pyomo row or cost) are appended as columns first."""
        known = pd.Index(_ids(self.columns))
        ids = _ids(variables)
        cols = known.get_indexer(ids)
        missing = np.flatnonzero(cols < 0)
        _, first, inverse = np.unique(ids[missing], return_index=True, return_inverse=True)
        left_out = [variables[i] for i in missing[first]]
        cols[missing] = len(self.columns) + inverse
        self.columns.extend(left_out)
        bounds = np.array([var.bounds for var in left_out], dtype=float).reshape(-1, 2)  # None -> nan
        integer = np.array([var.is_integer() for var in left_out], dtype=bool)
        _append_columns(arrays, bounds[:, 0], bounds[:, 1], np.zeros(len(left_out)), integer)
        return cols

    def _declaration_order(self, model, arrays: dict) -> None:
        """Put the Pyomo variables' columns in the model's declaration order (block columns stay after
        them), whichever rows are Pyomo's and which an array block's. HiGHS's search depends on column
        order: in order of first use, 1,000 sites with an 800 km radius took 40 and 58 s (seeds 1 and 2)
        against 4-5 s in declaration order (one run each)."""
        n_pyomo = self.blocks[0][1] if self.blocks else len(self.columns)
        declared = pd.Index(_ids(list(model.component_data_objects(pyo.Var))))
        order = np.argsort(declared.get_indexer(_ids(self.columns[:n_pyomo])), kind="stable")
        perm = np.concatenate([order, np.arange(n_pyomo, len(self.columns))])
        for key in ("cost", "col_lower", "col_upper", "integer"):
            arrays[key] = arrays[key][perm]
        arrays["A"] = arrays["A"][:, perm]
        self.columns = [self.columns[i] for i in perm]

    def load(self, values: np.ndarray) -> None:
        """Copy a solution (one value per column) into the Pyomo variables and the array blocks' `values`."""
        for var, value in zip(self.columns, values):
            if var is not None:
                var.set_value(value, skip_validation=True)
        for block, first in self.blocks:
            block.values = values[first : first + len(block.columns)]

    def linear(self, expression) -> tuple[np.ndarray, float]:
        """A linear Pyomo expression of the model as (coefficient per column, constant); fixed
        variables count as constants."""
        repn = generate_standard_repn(expression, compute_values=True, quadratic=False)
        if repn.nonlinear_expr is not None:
            raise ValueError("expected a linear expression")
        column = {id(var): j for j, var in enumerate(self.columns) if var is not None}
        coefs = np.zeros(len(self.columns))
        for var, coef in zip(repn.linear_vars, repn.linear_coefs):
            coefs[column[id(var)]] += coef
        return coefs, float(repn.constant)

    def columns_of(self, variables) -> np.ndarray:
        """The column of each (free) Pyomo variable; -1 for one that is not a column (fixed, or unused)."""
        column = {id(var): j for j, var in enumerate(self.columns) if var is not None}
        return np.array([column.get(id(var), -1) for var in variables], dtype=np.int64)

    def duals(self, constraints, row_dual: np.ndarray) -> dict:
        """Row duals of an LP solve by constraint (HiGHS's sign: d objective / d right-hand side)."""
        wanted = {id(c): c for c in constraints}
        duals = dict.fromkeys(wanted.values(), 0.0)
        for constraint, dual in zip(self.rows, row_dual):
            if id(constraint) in wanted:
                duals[constraint] += dual
        return duals


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


def _ids(variables: list) -> np.ndarray:
    """Each Pyomo variable's identity, as an array to look up in bulk."""
    return np.fromiter(map(id, variables), dtype=np.int64, count=len(variables))


def _arrays_of(coupling: list) -> tuple[np.ndarray, list, np.ndarray]:
    """A block's coupling terms as rows, variables, coefficients."""
    if not coupling:
        return np.empty(0, dtype=np.int64), [], np.empty(0)
    rows, variables, coefs = zip(*coupling)
    return np.asarray(rows, dtype=np.int64), list(variables), np.asarray(coefs, dtype=float)


def _split_fixed(variables: list, coefs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the free variables, and per term coef * value where the variable is fixed (else 0)."""
    fixed = np.fromiter((var.fixed for var in variables), dtype=bool, count=len(variables))
    constant = np.zeros(len(variables))
    for i in np.flatnonzero(fixed):
        constant[i] = coefs[i] * variables[i].value
    return np.flatnonzero(~fixed), constant


def _append_columns(arrays: dict, lower: np.ndarray, upper: np.ndarray, cost: np.ndarray, integer: np.ndarray) -> None:
    """Add columns with these bounds (nan: none), costs and integrality to the column arrays (the
    matrix is widened once, in ModelMatrix._append_blocks)."""
    arrays["col_lower"] = np.concatenate([arrays["col_lower"], np.nan_to_num(lower, nan=-np.inf)])
    arrays["col_upper"] = np.concatenate([arrays["col_upper"], np.nan_to_num(upper, nan=np.inf)])
    arrays["cost"] = np.concatenate([arrays["cost"], cost])
    arrays["integer"] = np.concatenate([arrays["integer"], integer])
